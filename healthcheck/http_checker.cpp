#include "healthcheck/http_checker.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <sys/socket.h>

#include <array>
#include <utility>
#include <variant>

#include "healthcheck/check_socket.hpp"
#include "healthcheck/connect_waiter.hpp"
#include "healthcheck/http_exchange.hpp"

namespace vipd::healthcheck {

// Connected, in ConnectWaiter's set with nothing awaited.
struct KeptHttpConnection {
  int fd = -1;
  int requests = 0;  // carried so far
};

namespace {

using boost::system::error_code;
using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;

// What plain and TLS attempts share: the check, its request, the judge and
// the response read so far.
class HttpAttempt : public ProbeAttempt {
 protected:
  HttpAttempt(asio::io_context& io, std::shared_ptr<const CheckSpec> spec, std::shared_ptr<const std::string> request,
              std::shared_ptr<const ResponseJudge> judge, std::function<void(ProbeResult)> done)
      : ProbeAttempt(io, spec->params.timeout, std::move(done)),
        spec_(std::move(spec)),
        request_(std::move(request)),
        judge_(std::move(judge)) {}

  // After `n` more bytes in chunk_ (`ended`: the server closed; `error`: the
  // read failed): false while more is to be read, true once the attempt ended.
  bool received(std::size_t n, bool ended, const std::string& error) {
    response_.append(chunk_.data(), n);
    if (response_.size() > HttpChecker::kMaxResponse) {
      fail("response larger than 1 MiB");
      return true;
    }
    const auto expected = expectedResponseLength(response_);
    if (ended || (expected && response_.size() >= *expected)) {
      judge(!ended && responseKeepsConnection(response_));
      return true;
    }
    if (!error.empty()) fail("receive: " + error);
    return !error.empty();
  }

  bool nothingReceived() const { return response_.empty(); }

  // Shared with the checker, not copied per probe: the attempt may outlive its checker.
  std::shared_ptr<const CheckSpec> spec_;
  std::shared_ptr<const std::string> request_;
  std::array<char, 8192> chunk_;  // not zeroed: only what recv wrote is read
  // The probe passed and the answer left the connection open for another request.
  bool connection_reusable_ = false;

 private:
  // A connection is reused only after a passing answer: a failing probe's
  // successor starts on a new connection, so a failure is never owed to one
  // connection alone (a server worker stuck with it) and the checks that
  // bring a server down are made the way they were before keepalive.
  void judge(bool keeps_connection) {
    auto parsed = parseHttpResponse(response_);
    if (auto* error = std::get_if<std::string>(&parsed)) return fail(*error);
    const std::string verdict = judge_->judge(std::get<HttpResponse>(parsed));
    if (!verdict.empty()) return fail(verdict);
    connection_reusable_ = keeps_connection;
    succeed();
  }

  std::shared_ptr<const ResponseJudge> judge_;
  std::string response_;
};

// Plain http through the tcp checks' ConnectWaiter and no asio socket state.
// On a new connection a probe answered in one piece costs connect, epoll_ctl,
// getsockopt(SO_ERROR), send, epoll_ctl and recv, then the disconnecting
// connect(AF_UNSPEC) (the socket is reset and kept, not closed) unless the
// connection is kept; on a kept connection it costs send and recv.
class PlainHttpAttempt : public HttpAttempt {
 public:
  // `kept`: the checker's kept connection, empty without keepalive.
  PlainHttpAttempt(asio::io_context& io, std::shared_ptr<const CheckSpec> spec,
                   std::shared_ptr<const std::string> request, std::shared_ptr<const ResponseJudge> judge,
                   std::weak_ptr<KeptHttpConnection> kept, std::function<void(ProbeResult)> done)
      : HttpAttempt(io, std::move(spec), std::move(request), std::move(judge), std::move(done)),
        io_(io),
        waiter_(asio::use_service<ConnectWaiter>(io)),
        kept_(std::move(kept)) {}

  void start() {
    startDeadline();
    const auto kept = kept_.lock();
    if (!kept || kept->fd < 0) return connect();
    fd_ = std::exchange(kept->fd, -1);
    requests_ = kept->requests + 1;
    on_kept_connection_ = true;
    // Posted: `done` is never called from probe(), not even when the send fails at once.
    asio::post(io_, [self = me()] {
      if (!self->finished()) self->send();
    });
  }

 private:
  std::shared_ptr<PlainHttpAttempt> me() { return std::static_pointer_cast<PlainHttpAttempt>(shared_from_this()); }
  static std::string errnoText() { return error_code(errno, boost::system::system_category()).message(); }

  void connect() {
    on_kept_connection_ = false;
    requests_ = 1;
    sent_ = 0;
    fd_ = waiter_.connect(toAsio(spec_->target), !spec_->params.graceful_close, [self = me()](const error_code& ec) {
      if (ec) return self->fail("connect: " + ec.message());
      self->send();
    });
  }

  // The server closed the kept connection while it was idle (keep-alive's
  // race: its idle timeout against our next request): the send or the first
  // read failed with `error` (0: the stream ended). Then once, at once,
  // within the same deadline, a new connection.
  bool closedWhileIdle(int error) const {
    return on_kept_connection_ && nothingReceived() && (error == 0 || error == ECONNRESET || error == EPIPE);
  }
  void reconnect() {
    waiter_.close(fd_);
    connect();
  }

  void send() {
    while (sent_ < request_->size()) {
      const ssize_t n = ::send(fd_, request_->data() + sent_, request_->size() - sent_, MSG_NOSIGNAL);
      if (n >= 0) {
        sent_ += static_cast<std::size_t>(n);
      } else if (errno == EAGAIN) {
        return waiter_.waitWritable(fd_, [self = me()](const error_code& ec) {
          if (ec) return self->fail("send: " + ec.message());
          self->send();
        });
      } else if (errno != EINTR) {
        if (closedWhileIdle(errno)) return reconnect();
        return fail("send: " + errnoText());
      }
    }
    awaitResponse();
  }

  void awaitResponse() {
    waiter_.waitReadable(fd_, [self = me()](const error_code& ec) {
      if (ec) return self->fail("receive: " + ec.message());
      self->receive();
    });
  }

  void receive() {
    for (;;) {
      const ssize_t n = ::recv(fd_, chunk_.data(), chunk_.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) return awaitResponse();
      if (n <= 0 && closedWhileIdle(n == 0 ? 0 : errno)) return reconnect();
      if (received(n < 0 ? 0 : static_cast<std::size_t>(n), n == 0, n < 0 ? errnoText() : "")) return;
    }
  }

  void onAbort() override {
    const auto kept = kept_.lock();
    if (kept && connection_reusable_ && requests_ < HttpChecker::kMaxRequestsPerConnection) {
      kept->fd = fd_;
      kept->requests = requests_;
    } else {
      waiter_.close(fd_);
    }
    fd_ = -1;
  }

  asio::io_context& io_;
  ConnectWaiter& waiter_;
  std::weak_ptr<KeptHttpConnection> kept_;
  int fd_ = -1;
  int requests_ = 0;  // on this connection, this one's included
  bool on_kept_connection_ = false;
  std::size_t sent_ = 0;
};

// https: an asio socket under an OpenSSL stream.
class TlsHttpAttempt : public HttpAttempt {
 public:
  TlsHttpAttempt(asio::io_context& io, std::shared_ptr<const CheckSpec> spec, std::shared_ptr<const std::string> request,
                 std::shared_ptr<const ResponseJudge> judge, asio::ssl::context& tls,
                 std::function<void(ProbeResult)> done)
      : HttpAttempt(io, std::move(spec), std::move(request), std::move(judge), std::move(done)), stream_(io, tls) {}

  void failSoon(const std::string& error) {
    asio::post(stream_.get_executor(), [self = shared_from_this(), error] { self->fail(error); });
  }

  void start() {
    startDeadline();
    auto self = me();
    asyncConnectCheck(stream_.next_layer(), toAsio(spec_->target), !spec_->params.graceful_close,
                      [self](const error_code& ec) {
                        if (ec) return self->fail("connect: " + ec.message());
                        self->handshake();
                      });
  }

 private:
  std::shared_ptr<TlsHttpAttempt> me() { return std::static_pointer_cast<TlsHttpAttempt>(shared_from_this()); }

  void handshake() {
    SSL* ssl = stream_.native_handle();
    const std::string server_name = !spec_->params.sni.empty() ? spec_->params.sni : spec_->params.host;
    const bool name_is_address = server_name.empty() || IpAddress::parse(server_name).has_value();
    if (!name_is_address) SSL_set_tlsext_host_name(ssl, server_name.c_str());
    if (spec_->params.tls_verify) {
      stream_.set_verify_mode(asio::ssl::verify_peer);
      // OpenSSL checks the name during chain verification, so a mismatch is
      // reported as X509_V_ERR_HOSTNAME_MISMATCH / IP_ADDRESS_MISMATCH.
      expected_name_ = server_name.empty() ? spec_->target.address.str() : server_name;
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      if (name_is_address) {
        X509_VERIFY_PARAM_set1_ip_asc(param, expected_name_.c_str());
      } else {
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        SSL_set1_host(ssl, expected_name_.c_str());
      }
    } else {
      stream_.set_verify_mode(asio::ssl::verify_none);
    }
    stream_.async_handshake(asio::ssl::stream_base::client, [self = me()](const error_code& ec) {
      if (ec) return self->fail(self->handshakeError(ec));
      self->send();
    });
  }

  std::string handshakeError(const error_code& ec) {
    const long verify = SSL_get_verify_result(stream_.native_handle());
    if (spec_->params.tls_verify && verify != X509_V_OK) {
      return "tls: certificate verify failed: " + std::string(X509_verify_cert_error_string(verify)) +
             " (expected name " + expected_name_ + ")";
    }
    return "tls handshake: " + ec.message();
  }

  void send() {
    asio::async_write(stream_, asio::buffer(*request_), [self = me()](const error_code& ec, std::size_t) {
      if (ec) return self->fail("send: " + ec.message());
      self->receive();
    });
  }

  void receive() {
    stream_.async_read_some(asio::buffer(chunk_), [self = me()](const error_code& ec, std::size_t n) {
      if (self->finished()) return;
      const bool ended = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
      if (!self->received(n, ended, ec && !ended ? ec.message() : "")) self->receive();
    });
  }

  void onAbort() override {
    error_code ignored;
    stream_.next_layer().close(ignored);
  }

  TlsStream stream_;
  std::string expected_name_;  // verified against the certificate
};

}  // namespace

HttpChecker::HttpChecker(asio::io_context& io, CheckSpec spec)
    : io_(io),
      spec_(std::make_shared<const CheckSpec>(std::move(spec))),
      request_(std::make_shared<const std::string>(buildHttpRequest(*spec_))),
      judge_(std::make_shared<const ResponseJudge>(spec_->params)) {
  if (keepsHttpConnection(spec_->params)) kept_ = std::make_shared<KeptHttpConnection>();
  if (spec_->params.tls) {
    tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    if (spec_->params.tls_verify) {
      boost::system::error_code ec;
      if (spec_->params.ca_file.empty()) {
        tls_->set_default_verify_paths(ec);
      } else {
        tls_->load_verify_file(spec_->params.ca_file, ec);
      }
      // Probes fail with this until the check changes (a reload reads the file again).
      if (ec) trust_error_ = "tls: cannot load ca_file " + spec_->params.ca_file + ": " + ec.message();
    }
  }
}

void HttpChecker::probe(std::function<void(ProbeResult)> done) {
  abandonAttempt();
  if (!tls_) {
    auto attempt = std::make_shared<PlainHttpAttempt>(io_, spec_, request_, judge_, kept_, std::move(done));
    attempt_ = attempt;
    return attempt->start();
  }
  auto attempt = std::make_shared<TlsHttpAttempt>(io_, spec_, request_, judge_, *tls_, std::move(done));
  attempt_ = attempt;
  if (!trust_error_.empty()) return attempt->failSoon(trust_error_);
  attempt->start();
}

void HttpChecker::abandonAttempt() {
  if (auto attempt = attempt_.lock()) attempt->cancel();
  attempt_.reset();
}

void HttpChecker::cancel() {
  abandonAttempt();
  if (kept_ && kept_->fd >= 0) {
    asio::use_service<ConnectWaiter>(io_).close(std::exchange(kept_->fd, -1));
    kept_->requests = 0;
  }
}

}  // namespace vipd::healthcheck

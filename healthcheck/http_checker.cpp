#include "healthcheck/http_checker.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <array>

#include "healthcheck/check_socket.hpp"
#include "healthcheck/http_exchange.hpp"

namespace vipd::healthcheck {

namespace {

using boost::system::error_code;
using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;

class HttpAttempt : public ProbeAttempt {
 public:
  HttpAttempt(asio::io_context& io, std::shared_ptr<const CheckSpec> spec, std::shared_ptr<const std::string> request,
              std::shared_ptr<const ResponseJudge> judge, asio::ssl::context* tls,
              std::function<void(ProbeResult)> done)
      : ProbeAttempt(io, spec->params.timeout, std::move(done)),
        spec_(std::move(spec)),
        request_(std::move(request)),
        judge_(std::move(judge)),
        plain_(io) {
    if (tls != nullptr) tls_ = std::make_unique<TlsStream>(io, *tls);
  }

  void failSoon(const std::string& error) {
    asio::post(plain_.get_executor(), [self = shared_from_this(), error] { self->fail(error); });
  }

  void start() {
    startDeadline();
    auto self = std::static_pointer_cast<HttpAttempt>(shared_from_this());
    asyncConnectCheck(socket(), toAsio(spec_->target), !spec_->params.graceful_close, [self](const error_code& ec) {
      if (ec) return self->fail("connect: " + ec.message());
      if (self->tls_) return self->handshake();
      self->send();
    });
  }

 private:
  asio::ip::tcp::socket& socket() { return tls_ ? tls_->next_layer() : plain_; }

  void handshake() {
    SSL* ssl = tls_->native_handle();
    const std::string server_name = !spec_->params.sni.empty() ? spec_->params.sni : spec_->params.host;
    const bool name_is_address = server_name.empty() || IpAddress::parse(server_name).has_value();
    if (!name_is_address) SSL_set_tlsext_host_name(ssl, server_name.c_str());
    if (spec_->params.tls_verify) {
      tls_->set_verify_mode(asio::ssl::verify_peer);
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
      tls_->set_verify_mode(asio::ssl::verify_none);
    }
    auto self = std::static_pointer_cast<HttpAttempt>(shared_from_this());
    tls_->async_handshake(asio::ssl::stream_base::client, [self](const error_code& ec) {
      if (ec) return self->fail(self->handshakeError(ec));
      self->send();
    });
  }

  std::string handshakeError(const error_code& ec) {
    const long verify = SSL_get_verify_result(tls_->native_handle());
    if (spec_->params.tls_verify && verify != X509_V_OK) {
      return "tls: certificate verify failed: " + std::string(X509_verify_cert_error_string(verify)) +
             " (expected name " + expected_name_ + ")";
    }
    return "tls handshake: " + ec.message();
  }

  void send() {
    auto self = std::static_pointer_cast<HttpAttempt>(shared_from_this());
    auto sent = [self](const error_code& ec, std::size_t) {
      if (ec) return self->fail("send: " + ec.message());
      self->receive();
    };
    if (tls_) {
      asio::async_write(*tls_, asio::buffer(*request_), sent);
    } else {
      asio::async_write(plain_, asio::buffer(*request_), sent);
    }
  }

  void receive() {
    auto self = std::static_pointer_cast<HttpAttempt>(shared_from_this());
    auto received = [self](const error_code& ec, std::size_t n) {
      if (self->finished()) return;
      self->response_.append(self->chunk_.data(), n);
      if (self->response_.size() > HttpChecker::kMaxResponse) return self->fail("response larger than 1 MiB");
      const auto expected = expectedResponseLength(self->response_);
      const bool complete = expected && self->response_.size() >= *expected;
      const bool ended = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
      if (ec && !ended && !complete) return self->fail("receive: " + ec.message());
      if (complete || ended) return self->judge();
      self->receive();
    };
    if (tls_) {
      tls_->async_read_some(asio::buffer(chunk_), received);
    } else {
      plain_.async_read_some(asio::buffer(chunk_), received);
    }
  }

  void judge() {
    auto parsed = parseHttpResponse(response_);
    if (auto* error = std::get_if<std::string>(&parsed)) return fail(*error);
    const std::string verdict = judge_->judge(std::get<HttpResponse>(parsed));
    if (verdict.empty()) return succeed();
    fail(verdict);
  }

  void onAbort() override {
    error_code ignored;
    socket().close(ignored);
  }

  // Shared with the checker, not copied per probe: the attempt may outlive its checker.
  std::shared_ptr<const CheckSpec> spec_;
  std::shared_ptr<const std::string> request_;
  std::shared_ptr<const ResponseJudge> judge_;
  asio::ip::tcp::socket plain_;
  std::unique_ptr<TlsStream> tls_;
  std::string expected_name_;  // verified against the certificate
  std::string response_;
  std::array<char, 8192> chunk_;  // not zeroed: only what recv wrote is read
};

}  // namespace

HttpChecker::HttpChecker(asio::io_context& io, CheckSpec spec)
    : io_(io),
      spec_(std::make_shared<const CheckSpec>(std::move(spec))),
      request_(std::make_shared<const std::string>(buildHttpRequest(*spec_))),
      judge_(std::make_shared<const ResponseJudge>(spec_->params)) {
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
  cancel();
  auto attempt = std::make_shared<HttpAttempt>(io_, spec_, request_, judge_, tls_.get(), std::move(done));
  attempt_ = attempt;
  if (!trust_error_.empty()) return attempt->failSoon(trust_error_);
  attempt->start();
}

void HttpChecker::cancel() {
  if (auto attempt = attempt_.lock()) attempt->cancel();
  attempt_.reset();
}

}  // namespace vipd::healthcheck

#include "healthcheck/http_checker.hpp"

#include <openssl/ssl.h>

#include <array>

#include "healthcheck/http_exchange.hpp"

namespace vipd::healthcheck {

namespace {

using boost::system::error_code;
using TlsStream = asio::ssl::stream<asio::ip::tcp::socket>;

class HttpAttempt : public ProbeAttempt {
 public:
  HttpAttempt(asio::io_context& io, const CheckSpec& spec, asio::ssl::context* tls,
              std::function<void(ProbeResult)> done)
      : ProbeAttempt(io, spec.params.timeout, std::move(done)), spec_(spec), plain_(io) {
    if (tls != nullptr) tls_ = std::make_unique<TlsStream>(io, *tls);
  }

  void start(const std::string& request) {
    request_ = request;
    startDeadline();
    auto self = std::static_pointer_cast<HttpAttempt>(shared_from_this());
    socket().async_connect(toAsio(spec_.target), [self](const error_code& ec) {
      if (ec) return self->fail("connect: " + ec.message());
      if (self->tls_) return self->handshake();
      self->send();
    });
  }

 private:
  asio::ip::tcp::socket& socket() { return tls_ ? tls_->next_layer() : plain_; }

  void handshake() {
    const std::string server_name = !spec_.params.sni.empty() ? spec_.params.sni : spec_.params.host;
    if (!server_name.empty() && !IpAddress::parse(server_name)) {
      SSL_set_tlsext_host_name(tls_->native_handle(), server_name.c_str());
    }
    if (spec_.params.tls_verify) {
      tls_->set_verify_mode(asio::ssl::verify_peer);
      tls_->set_verify_callback(
          asio::ssl::host_name_verification(server_name.empty() ? spec_.target.address.str() : server_name));
    } else {
      tls_->set_verify_mode(asio::ssl::verify_none);
    }
    auto self = std::static_pointer_cast<HttpAttempt>(shared_from_this());
    tls_->async_handshake(asio::ssl::stream_base::client, [self](const error_code& ec) {
      if (ec) return self->fail("tls handshake: " + ec.message());
      self->send();
    });
  }

  void send() {
    auto self = std::static_pointer_cast<HttpAttempt>(shared_from_this());
    auto sent = [self](const error_code& ec, std::size_t) {
      if (ec) return self->fail("send: " + ec.message());
      self->receive();
    };
    if (tls_) {
      asio::async_write(*tls_, asio::buffer(request_), sent);
    } else {
      asio::async_write(plain_, asio::buffer(request_), sent);
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
    const std::string verdict = judgeHttpResponse(spec_.params, std::get<HttpResponse>(parsed));
    if (verdict.empty()) return succeed();
    fail(verdict);
  }

  void onAbort() override {
    error_code ignored;
    socket().close(ignored);
  }

  const CheckSpec spec_;  // a copy: the attempt may outlive its checker
  asio::ip::tcp::socket plain_;
  std::unique_ptr<TlsStream> tls_;
  std::string request_;
  std::string response_;
  std::array<char, 8192> chunk_{};
};

}  // namespace

HttpChecker::HttpChecker(asio::io_context& io, CheckSpec spec)
    : io_(io), spec_(std::move(spec)), request_(buildHttpRequest(spec_)) {
  if (spec_.params.tls) {
    tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    if (spec_.params.tls_verify) tls_->set_default_verify_paths();
  }
}

void HttpChecker::probe(std::function<void(ProbeResult)> done) {
  cancel();
  auto attempt = std::make_shared<HttpAttempt>(io_, spec_, tls_.get(), std::move(done));
  attempt_ = attempt;
  attempt->start(request_);
}

void HttpChecker::cancel() {
  if (attempt_) attempt_->cancel();
  attempt_.reset();
}

}  // namespace vipd::healthcheck

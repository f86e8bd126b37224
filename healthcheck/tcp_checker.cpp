#include "healthcheck/tcp_checker.hpp"

namespace vipd::healthcheck {

namespace {

class TcpAttempt : public ProbeAttempt {
 public:
  TcpAttempt(asio::io_context& io, Duration timeout, std::function<void(ProbeResult)> done)
      : ProbeAttempt(io, timeout, std::move(done)), socket(io) {}

  asio::ip::tcp::socket socket;

 private:
  void onAbort() override {
    boost::system::error_code ignored;
    socket.close(ignored);
  }
};

}  // namespace

void TcpChecker::probe(std::function<void(ProbeResult)> done) {
  cancel();
  auto attempt = std::make_shared<TcpAttempt>(io_, spec_.params.timeout, std::move(done));
  attempt_ = attempt;
  attempt->startDeadline();
  attempt->socket.async_connect(toAsio(spec_.target), [attempt](const boost::system::error_code& ec) {
    if (ec) {
      attempt->fail("connect: " + ec.message());
    } else {
      attempt->succeed();
    }
  });
}

void TcpChecker::cancel() {
  if (auto attempt = attempt_.lock()) attempt->cancel();
  attempt_.reset();
}

}  // namespace vipd::healthcheck

#include "healthcheck/tcp_checker.hpp"

#include "healthcheck/connect_waiter.hpp"
#include "healthcheck/syn_prober.hpp"

namespace vipd::healthcheck {

namespace {

// Both kinds of attempt end the same way: connected (or SYN-ACK), or why not.
void reportConnect(ProbeAttempt& attempt, const boost::system::error_code& ec) {
  if (ec) return attempt.fail("connect: " + ec.message());
  attempt.succeed();
}

class TcpAttempt : public ProbeAttempt {
 public:
  TcpAttempt(asio::io_context& io, Duration timeout, std::function<void(ProbeResult)> done)
      : ProbeAttempt(io, timeout, std::move(done)), waiter_(asio::use_service<ConnectWaiter>(io)) {}

  void start(const asio::ip::tcp::endpoint& target, bool reset_on_close) {
    startDeadline();
    fd_ = waiter_.connect(target, reset_on_close, [self = shared_from_this()](const boost::system::error_code& ec) {
      reportConnect(*self, ec);
    });
  }

 private:
  void onAbort() override {
    waiter_.close(fd_);
    fd_ = -1;
  }

  ConnectWaiter& waiter_;
  int fd_ = -1;
};

// SYN out, SYN-ACK or RST back (syn_prober.hpp).
class HalfOpenAttempt : public ProbeAttempt {
 public:
  HalfOpenAttempt(asio::io_context& io, Duration timeout, std::function<void(ProbeResult)> done)
      : ProbeAttempt(io, timeout, std::move(done)), prober_(asio::use_service<SynProber>(io)) {}

  void start(const asio::ip::tcp::endpoint& target) {
    startDeadline();
    handle_ = prober_.probe(target, [self = shared_from_this()](const boost::system::error_code& ec) {
      reportConnect(*self, ec);
    });
  }

 private:
  void onAbort() override { prober_.cancel(handle_); }

  SynProber& prober_;
  SynProber::Handle handle_;
};

}  // namespace

void TcpChecker::probe(std::function<void(ProbeResult)> done) {
  cancel();
  const auto target = toAsio(spec_.target);
  if (spec_.params.half_open && !spec_.params.graceful_close &&
      asio::use_service<SynProber>(io_).available(target.address().is_v6())) {
    auto attempt = std::make_shared<HalfOpenAttempt>(io_, spec_.params.timeout, std::move(done));
    attempt_ = attempt;
    return attempt->start(target);
  }
  auto attempt = std::make_shared<TcpAttempt>(io_, spec_.params.timeout, std::move(done));
  attempt_ = attempt;
  attempt->start(target, !spec_.params.graceful_close);
}

void TcpChecker::cancel() {
  if (auto attempt = attempt_.lock()) attempt->cancel();
  attempt_.reset();
}

}  // namespace vipd::healthcheck

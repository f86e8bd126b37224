#include "healthcheck/probe_attempt.hpp"

namespace vipd::healthcheck {

ProbeAttempt::ProbeAttempt(asio::io_context& io, Duration timeout, std::function<void(ProbeResult)> done)
    : deadline_(io), timeout_(timeout), done_(std::move(done)) {}

void ProbeAttempt::startDeadline() {
  deadline_.expires_at(started_ + timeout_);  // one clock read less per probe (a system call in the bench VM)
  deadline_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->fail("timed out after " + formatDuration(self->timeout_));
  });
}

void ProbeAttempt::cancel() {
  done_ = nullptr;
  complete(false, "cancelled");
}

void ProbeAttempt::complete(bool success, std::string error) {
  if (finished_) return;
  finished_ = true;
  deadline_.cancel();
  onAbort();
  const auto latency = std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - started_);
  if (auto done = std::move(done_)) done(ProbeResult{success, std::move(error), latency});
}

}  // namespace vipd::healthcheck

#pragma once
// One network probe in flight: its deadline, its start time and the rule that
// it completes exactly once (success, failure, timeout or cancel).
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/asio.hpp"
#include "healthcheck/health_book.hpp"

namespace vipd::healthcheck {

class ProbeAttempt : public std::enable_shared_from_this<ProbeAttempt> {
 public:
  ProbeAttempt(asio::io_context& io, Duration timeout, std::function<void(ProbeResult)> done);
  virtual ~ProbeAttempt() = default;

  // Arms the deadline; at expiry the probe fails with "timed out after ..." and onAbort() runs.
  void startDeadline();
  void succeed() { complete(true, ""); }
  void fail(std::string error) { complete(false, std::move(error)); }
  // No callback; closes what is open.
  void cancel();
  bool finished() const { return finished_; }

 protected:
  // Closes sockets so that pending operations end.
  virtual void onAbort() = 0;

 private:
  void complete(bool success, std::string error);

  asio::steady_timer deadline_;
  Duration timeout_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::function<void(ProbeResult)> done_;
  bool finished_ = false;
};

}  // namespace vipd::healthcheck

#pragma once
// sd_notify through libsystemd: readiness, reload and stop announcements,
// and the watchdog keep-alive at half of WatchdogSec. Outside systemd every
// call is a no-op (libsystemd checks NOTIFY_SOCKET).
#include "common/asio.hpp"

namespace vipd::daemon {

class SystemdNotifier {
 public:
  explicit SystemdNotifier(asio::io_context& io) : watchdog_(io) {}

  void ready(unsigned generation);
  void reloading();
  void stopping();
  // Starts the keep-alive timer when the service manager asked for one.
  void startWatchdog();

 private:
  void scheduleWatchdog();

  asio::steady_timer watchdog_;
  std::chrono::microseconds watchdog_period_{0};
};

}  // namespace vipd::daemon

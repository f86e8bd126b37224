#include "daemon/systemd_notifier.hpp"

#include <systemd/sd-daemon.h>

#include <string>

#include "common/log.hpp"

namespace vipd::daemon {

void SystemdNotifier::ready(unsigned generation) {
  std::string state = "READY=1\nSTATUS=running configuration generation " + std::to_string(generation);
  sd_notify(0, state.c_str());
}

void SystemdNotifier::reloading() { sd_notify(0, "RELOADING=1"); }

void SystemdNotifier::stopping() {
  sd_notify(0, "STOPPING=1");
  watchdog_.cancel();
}

void SystemdNotifier::startWatchdog() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return;
  watchdog_period_ = std::chrono::microseconds(usec / 2);
  log::info("watchdog: keep-alive every " + std::to_string(watchdog_period_.count() / 1000) + " ms");
  scheduleWatchdog();
}

void SystemdNotifier::scheduleWatchdog() {
  sd_notify(0, "WATCHDOG=1");
  watchdog_.expires_after(watchdog_period_);
  watchdog_.async_wait([this](auto ec) {
    if (!ec) scheduleWatchdog();
  });
}

}  // namespace vipd::daemon

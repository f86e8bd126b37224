#include "daemon/systemd_notifier.hpp"

#include <string>

#include "common/log.hpp"
#include "daemon/service_manager.hpp"

namespace vipd::daemon {

void SystemdNotifier::ready(unsigned generation) {
  std::string state = "READY=1\nSTATUS=running configuration generation " + std::to_string(generation);
  notifyServiceManager(state);
}

void SystemdNotifier::reloading() { notifyServiceManager("RELOADING=1"); }

void SystemdNotifier::stopping() {
  notifyServiceManager("STOPPING=1");
  watchdog_.cancel();
}

void SystemdNotifier::startWatchdog() {
  const auto interval = serviceManagerWatchdog();
  if (interval.count() == 0) return;
  watchdog_period_ = interval / 2;
  log::info("watchdog: keep-alive every " + std::to_string(watchdog_period_.count() / 1000) + " ms");
  scheduleWatchdog();
}

void SystemdNotifier::scheduleWatchdog() {
  notifyServiceManager("WATCHDOG=1");
  watchdog_.expires_after(watchdog_period_);
  watchdog_.async_wait([this](auto ec) {
    if (!ec) scheduleWatchdog();
  });
}

}  // namespace vipd::daemon

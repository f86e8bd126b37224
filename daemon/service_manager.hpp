#pragma once
// The two sd-daemon calls vipd makes, without linking libsystemd (and the six
// libraries behind it): the notify protocol is one datagram to the AF_UNIX
// socket in $NOTIFY_SOCKET, which systemd keeps stable for this use (sd_notify(3)).
#include <chrono>
#include <string_view>

namespace vipd::daemon {

// Sends `state` ("READY=1", ...) to the service manager. False when there is
// none (NOTIFY_SOCKET unset) or the datagram could not be sent.
bool notifyServiceManager(std::string_view state);

// The keep-alive interval the service manager expects (WATCHDOG_USEC, when
// WATCHDOG_PID is unset or this process), or zero when none.
std::chrono::microseconds serviceManagerWatchdog();

}  // namespace vipd::daemon

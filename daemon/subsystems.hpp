#pragma once
// Which subsystems the daemon runs, and how they are wired to each other.
#include <memory>
#include <vector>

#include "common/asio.hpp"
#include "common/subsystem.hpp"
#include "conf/load.hpp"

namespace vipd::daemon {

// With `reload`, its host checks that need a running subsystem are set (the
// VNC ports vipd's own guests hold come from the virt subsystem).
std::vector<std::unique_ptr<Subsystem>> makeSubsystems(asio::io_context& io, conf::LoadOptions* reload = nullptr);

}  // namespace vipd::daemon

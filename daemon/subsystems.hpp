#pragma once
// Which subsystems the daemon runs, and how they are wired to each other.
#include <memory>
#include <vector>

#include "common/asio.hpp"
#include "common/subsystem.hpp"

namespace vipd::daemon {

std::vector<std::unique_ptr<Subsystem>> makeSubsystems(asio::io_context& io);

}  // namespace vipd::daemon

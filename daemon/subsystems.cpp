#include "daemon/subsystems.hpp"

namespace vipd::daemon {

std::vector<std::unique_ptr<Subsystem>> makeSubsystems(asio::io_context&) {
  // VRRP, IPVS, health checks and virt join here as their issues land.
  return {};
}

}  // namespace vipd::daemon

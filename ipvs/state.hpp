#pragma once
// A table of IPVS services with their real servers: what the kernel holds
// (read back, then kept up to date op by op) or what the config asks for.
#include <map>

#include "ipvs/op.hpp"
#include "ipvs/types.hpp"

namespace vipd::ipvs {

struct ServiceState {
  Service service;
  std::map<DestinationKey, Destination> destinations;
};

using Table = std::map<ServiceKey, ServiceState>;

// The table after `op` succeeded in the kernel (counters of new entries start at 0).
void applyToTable(Table& table, const Op& op);

}  // namespace vipd::ipvs

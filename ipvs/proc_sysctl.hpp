#pragma once
// IPVS sysctls through /proc/sys/net/ipv4/vs/NAME, which shows the network
// namespace of the process (the files exist once ip_vs is loaded).
#include <string>

#include "common/result.hpp"

namespace vipd::ipvs {

Result<int> readIpvsSysctl(const std::string& name);
Status writeIpvsSysctl(const std::string& name, int value);

}  // namespace vipd::ipvs

#pragma once
// The kernel's IPVS sysctls (net.ipv4.vs.*) a config asks for.
#include <string>
#include <utility>
#include <vector>

#include "conf/config.hpp"

namespace vipd::ipvs {

// (name under net.ipv4.vs, value) for every key the config sets; unset keys
// are left out (the kernel keeps its value).
std::vector<std::pair<std::string, int>> wantedSysctls(const conf::Ipvs& config);

}  // namespace vipd::ipvs

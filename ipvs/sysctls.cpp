#include "ipvs/sysctls.hpp"

namespace vipd::ipvs {

std::vector<std::pair<std::string, int>> wantedSysctls(const conf::Ipvs& config) {
  std::vector<std::pair<std::string, int>> wanted;
  const auto add = [&](const char* name, const auto& value) {
    if (value) wanted.emplace_back(name, static_cast<int>(*value));
  };
  add("expire_nodest_conn", config.expire_nodest_conn);
  add("sloppy_tcp", config.sloppy_tcp);
  add("expire_quiescent_template", config.expire_quiescent_template);
  add("conn_reuse_mode", config.conn_reuse_mode);
  return wanted;
}

}  // namespace vipd::ipvs

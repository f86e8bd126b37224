#include "virt/vnc_ports.hpp"

namespace vipd::virt {

std::set<int> vncPortsTakenByOthers(const std::set<int>& ports, const std::function<bool(int port)>& bound,
                                    const std::function<std::set<int>()>& own) {
  std::set<int> taken;
  for (int port : ports)
    if (bound(port)) taken.insert(port);
  if (taken.empty()) return taken;
  for (int port : own()) taken.erase(port);
  return taken;
}

}  // namespace vipd::virt

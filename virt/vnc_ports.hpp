#pragma once
// Fixed VNC ports against the host: a port is taken when something on this
// host holds it that is not one of vipd's own running guests (those keep
// their ports across vipd restarts and reloads). "auto" never collides:
// libvirt picks a free port at start. Pure.
#include <functional>
#include <set>

namespace vipd::virt {

// `bound(port)`: whether something listens there now. `own()`: the ports
// vipd's running guests hold; asked only when some port is bound.
std::set<int> vncPortsTakenByOthers(const std::set<int>& ports, const std::function<bool(int port)>& bound,
                                    const std::function<std::set<int>()>& own);

}  // namespace vipd::virt

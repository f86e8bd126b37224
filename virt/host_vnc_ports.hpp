#pragma once
// The host side of vnc_ports.hpp: who listens on a port, and which ports
// vipd's own running guests hold according to libvirt.
#include <set>

#include "common/result.hpp"
#include "conf/config.hpp"
#include "virt/hypervisor.hpp"

namespace vipd::virt {

// Whether a TCP listener holds 127.0.0.1:port (where vipd's guests' VNC
// listens), tried as qemu binds it: SO_REUSEADDR, so only listeners count.
bool tcpPortBound(int port);

// The live VNC ports of running domains that carry vipd's marker.
Result<std::set<int>> ownGuestVncPorts(Hypervisor& hypervisor);

// conf::LoadOptions::vnc_ports_taken for --check and start-up: asks libvirt
// at the config's uri (blocking) when a port is bound. libvirt unreachable:
// no guest of vipd's can be confirmed, so every bound port is taken.
std::set<int> vncPortsTakenAskingLibvirt(const conf::Virt& virt, const std::set<int>& ports);

}  // namespace vipd::virt

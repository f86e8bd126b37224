#include "virt/host_vnc_ports.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.hpp"
#include "virt/domain_xml.hpp"
#include "virt/libvirt_module.hpp"
#include "virt/vnc_ports.hpp"

namespace vipd::virt {

bool tcpPortBound(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;  // cannot tell: let libvirt find out at start
  int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 && errno == EADDRINUSE;
  ::close(fd);
  return bound;
}

Result<std::set<int>> ownGuestVncPorts(Hypervisor& hypervisor) {
  if (auto connected = hypervisor.connect(); !connected) return connected.error();
  auto domains = hypervisor.listDomains();
  if (!domains) return domains.error();
  std::set<int> ports;
  for (const auto& domain : *domains) {
    if (!domain.active) continue;
    auto persistent = parseDomainXml(domain.inactive_xml);
    auto live = parseDomainXml(domain.live_xml);
    if (persistent && persistent->owned && live && live->vnc_port) ports.insert(*live->vnc_port);
  }
  return ports;
}

std::set<int> vncPortsTakenAskingLibvirt(const conf::Virt& virt, const std::set<int>& ports) {
  return vncPortsTakenByOthers(ports, tcpPortBound, [&] {
    const auto hypervisor = makeLibvirtHypervisor(virt.uri);
    auto own = ownGuestVncPorts(*hypervisor);
    if (own) return *own;
    log::warning("cannot ask libvirt which VNC ports vipd's guests hold: " + own.error().message());
    return std::set<int>{};
  });
}

}  // namespace vipd::virt

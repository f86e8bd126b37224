#pragma once
// AddressPort over rtnetlink (libmnl): RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR.
// IPv6 VIPs are added with IFA_F_NODAD so they are usable (and announceable) at once.
#include <libmnl/libmnl.h>

#include "vrrpd/ports.hpp"

namespace vipd::vrrp {

class RtnetlinkAddressPort : public AddressPort {
 public:
  RtnetlinkAddressPort();
  ~RtnetlinkAddressPort() override;
  Status add(const std::string& interface, const IpPrefix& prefix) override;
  Status remove(const std::string& interface, const IpPrefix& prefix) override;
  Result<std::vector<IpPrefix>> list(const std::string& interface) override;
  Result<bool> tentative(const std::string& interface, const IpAddress& address) override;

  struct Listed {
    IpPrefix prefix;
    uint32_t flags = 0;  // IFA_F_*
  };

 private:
  Result<std::vector<Listed>> dump(const std::string& interface);
  Status change(uint16_t type, uint16_t flags, const std::string& interface, const IpPrefix& prefix);
  Status open();

  mnl_socket* socket_ = nullptr;
  uint32_t sequence_ = 1;
};

}  // namespace vipd::vrrp

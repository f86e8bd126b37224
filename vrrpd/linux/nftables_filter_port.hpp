#pragma once
// FilterPort over libnftables: each guard() replaces table `inet vipd` in one
// transaction with the script core/accept_mode.cpp renders.
#include "common/nftables_script.hpp"
#include "vrrpd/ports.hpp"

namespace vipd::vrrp {

class NftablesFilterPort : public FilterPort {
 public:
  Status guard(const std::vector<IpAddress>& guarded) override;

 private:
  NftablesScript nft_;
};

}  // namespace vipd::vrrp

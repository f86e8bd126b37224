#include "vrrpd/linux/nftables_filter_port.hpp"

#include "vrrpd/core/accept_mode.hpp"

namespace vipd::vrrp {

Status NftablesFilterPort::guard(const std::vector<IpAddress>& guarded) { return nft_.run(nftGuardScript(guarded)); }

}  // namespace vipd::vrrp

#pragma once
// RFC 9568 6.4.3 (390): a Master MUST accept packets addressed to the virtual
// addresses only if it is their owner (priority 255) or Accept_Mode is true;
// otherwise it MUST NOT. vipd enforces it with an nftables input chain placed
// after IPVS: what IPVS balances is taken before the chain sees it, so
// virtual services on a VIP keep working; everything else addressed to such
// a VIP is dropped, except IPv6 neighbour discovery, which the Master MUST
// answer (6.4.3 (375)). ARP is not IP and never reaches the chain.
//
// This file decides WHAT: which addresses to guard (a function of the
// instances' states) and the nftables rule set text for them. Applying it is
// the FilterPort's job.
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "vrrpd/core/state_machine.hpp"

namespace vipd::vrrp {

struct AcceptModeView {
  bool holds_addresses = false;  // master, or a stopping master handing over with its VIPs
  bool accept = false;           // Accept_Mode
  int base_priority = 100;       // 255: the address owner
  std::vector<IpAddress> virtual_addresses;
};

// The VIPs whose packets must be dropped: those of every instance holding its
// VIPs that is neither the owner nor in Accept_Mode. Sorted, without duplicates.
std::vector<IpAddress> addressesToGuard(const std::vector<AcceptModeView>& instances);

inline constexpr const char* kNftTable = "vipd";  // family inet
// IPVS takes the packets it balances in LOCAL_IN at NF_IP_PRI_NAT_SRC - 1
// (99; its reply hook is at 98); the guard chain must come after both.
inline constexpr int kGuardChainPriority = 200;

// An nft script that atomically replaces table `inet vipd` with the guard for
// `guarded` (no table at all when empty: no hook left in the packet path).
// Also removes what a crashed run left.
std::string nftGuardScript(const std::vector<IpAddress>& guarded);

}  // namespace vipd::vrrp

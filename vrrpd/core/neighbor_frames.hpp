#pragma once
// Ethernet frames that announce a virtual address: a gratuitous ARP request
// (IPv4) and an unsolicited Neighbor Advertisement with the override flag and
// the target link-layer address option, sent to ff02::1 (RFC 4861 section 7.2.6).
// Building is separate from sending (vrrpd/announcer.hpp).
#include <array>
#include <cstdint>
#include <vector>

#include "common/ip_address.hpp"

namespace vipd::vrrp {

using MacAddress = std::array<uint8_t, 6>;

inline constexpr uint16_t kEtherTypeArp = 0x0806;
inline constexpr uint16_t kEtherTypeIpv6 = 0x86dd;

// Broadcast ARP request with sender and target protocol address = vip.
std::vector<uint8_t> buildGratuitousArp(const MacAddress& source_mac, const IpAddress& vip);

// Ethernet + IPv6 (hop limit 255) + ICMPv6 type 136 with the O flag (and R when router), target = vip.
std::vector<uint8_t> buildUnsolicitedNa(const MacAddress& source_mac, const IpAddress& source_ip, const IpAddress& vip,
                                        bool router_flag = false);

}  // namespace vipd::vrrp

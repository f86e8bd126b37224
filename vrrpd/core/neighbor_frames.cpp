#include "vrrpd/core/neighbor_frames.hpp"

#include "vrrpd/core/checksum.hpp"

namespace vipd::vrrp {

namespace {

void put16(std::vector<uint8_t>& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v & 0xff));
}

void putBytes(std::vector<uint8_t>& out, const uint8_t* p, std::size_t n) { out.insert(out.end(), p, p + n); }

void putEthernet(std::vector<uint8_t>& out, const MacAddress& dst, const MacAddress& src, uint16_t type) {
  putBytes(out, dst.data(), dst.size());
  putBytes(out, src.data(), src.size());
  put16(out, type);
}

constexpr std::size_t kMinimumFrame = 60;  // Ethernet minimum without FCS
constexpr uint8_t kIcmpv6 = 58;
constexpr uint8_t kNeighborAdvertisement = 136;
constexpr uint8_t kTargetLinkLayerOption = 2;
constexpr uint8_t kFlagRouter = 0x80;
constexpr uint8_t kFlagOverride = 0x20;

}  // namespace

std::vector<uint8_t> buildGratuitousArp(const MacAddress& source_mac, const IpAddress& vip) {
  std::vector<uint8_t> out;
  putEthernet(out, MacAddress{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, source_mac, kEtherTypeArp);
  put16(out, 1);       // hardware: Ethernet
  put16(out, 0x0800);  // protocol: IPv4
  out.push_back(6);
  out.push_back(4);
  put16(out, 1);  // request
  putBytes(out, source_mac.data(), 6);
  putBytes(out, vip.bytes.data(), 4);
  out.insert(out.end(), 6, 0);  // target hardware address unknown
  putBytes(out, vip.bytes.data(), 4);
  out.resize(kMinimumFrame, 0);
  return out;
}

std::vector<uint8_t> buildUnsolicitedNa(const MacAddress& source_mac, const IpAddress& source_ip, const IpAddress& vip,
                                        bool router_flag) {
  IpAddress all_nodes = *IpAddress::parse("ff02::1");
  std::vector<uint8_t> icmp;
  icmp.push_back(kNeighborAdvertisement);
  icmp.push_back(0);
  put16(icmp, 0);  // checksum, filled below
  icmp.push_back(static_cast<uint8_t>(kFlagOverride | (router_flag ? kFlagRouter : 0)));
  icmp.insert(icmp.end(), 3, 0);
  putBytes(icmp, vip.bytes.data(), 16);
  icmp.push_back(kTargetLinkLayerOption);
  icmp.push_back(1);  // length in units of 8 bytes
  putBytes(icmp, source_mac.data(), 6);

  InternetChecksum sum;  // RFC 4443 section 2.3: with the RFC 8200 pseudo-header
  sum.addPseudoHeader(source_ip, all_nodes, kIcmpv6, static_cast<uint32_t>(icmp.size()));
  sum.add(icmp);
  uint16_t checksum = sum.finish();
  icmp[2] = static_cast<uint8_t>(checksum >> 8);
  icmp[3] = static_cast<uint8_t>(checksum & 0xff);

  std::vector<uint8_t> out;
  putEthernet(out, MacAddress{0x33, 0x33, 0, 0, 0, 1}, source_mac, kEtherTypeIpv6);
  out.push_back(0x60);
  out.insert(out.end(), 3, 0);
  put16(out, static_cast<uint16_t>(icmp.size()));
  out.push_back(kIcmpv6);
  out.push_back(255);  // hop limit
  putBytes(out, source_ip.bytes.data(), 16);
  putBytes(out, all_nodes.bytes.data(), 16);
  out.insert(out.end(), icmp.begin(), icmp.end());
  return out;
}

}  // namespace vipd::vrrp

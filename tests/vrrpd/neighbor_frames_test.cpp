#include <gtest/gtest.h>

#include "vrrpd/core/checksum.hpp"
#include "vrrpd/core/neighbor_frames.hpp"

namespace vipd::vrrp {
namespace {

const MacAddress kMac{0x02, 0x00, 0x5e, 0x10, 0x20, 0x30};

TEST(NeighborFrames, GratuitousArp) {
  auto frame = buildGratuitousArp(kMac, *IpAddress::parse("198.51.100.10"));
  ASSERT_EQ(frame.size(), 60u);
  std::vector<uint8_t> expected = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x5e, 0x10,
                                   0x20, 0x30, 0x08, 0x06,                                     // Ethernet
                                   0x00, 0x01, 0x08, 0x00, 6,    4,    0x00, 0x01,             // ARP request
                                   0x02, 0x00, 0x5e, 0x10, 0x20, 0x30, 198,  51,   100,  10,   // sender
                                   0,    0,    0,    0,    0,    0,    198,  51,   100,  10};  // target
  EXPECT_EQ(std::vector<uint8_t>(frame.begin(), frame.begin() + 42), expected);
}

TEST(NeighborFrames, UnsolicitedNeighborAdvertisement) {
  IpAddress src = *IpAddress::parse("fe80::1"), vip = *IpAddress::parse("2001:db8::100");
  auto frame = buildUnsolicitedNa(kMac, src, vip);
  ASSERT_EQ(frame.size(), 14u + 40u + 32u);
  EXPECT_EQ(std::vector<uint8_t>(frame.begin(), frame.begin() + 6), (std::vector<uint8_t>{0x33, 0x33, 0, 0, 0, 1}));
  EXPECT_EQ(frame[12], 0x86);
  EXPECT_EQ(frame[13], 0xdd);
  EXPECT_EQ(frame[14 + 6], 58);     // next header ICMPv6
  EXPECT_EQ(frame[14 + 7], 255);    // hop limit
  EXPECT_EQ(frame[14 + 24], 0xff);  // destination ff02::1
  EXPECT_EQ(frame[14 + 39], 0x01);
  const uint8_t* icmp = frame.data() + 54;
  EXPECT_EQ(icmp[0], 136);
  EXPECT_EQ(icmp[4], 0x20);  // override, not solicited, not router
  EXPECT_TRUE(std::equal(vip.bytes.begin(), vip.bytes.end(), icmp + 8));
  EXPECT_EQ(icmp[24], 2);  // target link-layer address option
  EXPECT_EQ(icmp[25], 1);
  EXPECT_TRUE(std::equal(kMac.begin(), kMac.end(), icmp + 26));
  // The checksum verifies over the pseudo-header.
  InternetChecksum sum;
  sum.addPseudoHeader(src, *IpAddress::parse("ff02::1"), 58, 32);
  sum.add(std::span(icmp, 32));
  EXPECT_EQ(sum.finish(), 0);
  EXPECT_EQ(buildUnsolicitedNa(kMac, src, vip, true)[54 + 4], 0xa0);
}

}  // namespace
}  // namespace vipd::vrrp

#include "common/ip_address.hpp"

#include <gtest/gtest.h>

namespace vipd {
namespace {

TEST(IpAddress, ParsesBothFamilies) {
  auto v4 = IpAddress::parse("198.51.100.7");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->family, Family::v4);
  EXPECT_EQ(v4->str(), "198.51.100.7");
  auto v6 = IpAddress::parse("2001:db8::1");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->family, Family::v6);
  EXPECT_EQ(v6->str(), "2001:db8::1");
  EXPECT_FALSE(IpAddress::parse("198.51.100.256"));
  EXPECT_FALSE(IpAddress::parse("nonsense"));
  EXPECT_TRUE(IpAddress::parse("fe80::1")->isLinkLocal());
  EXPECT_TRUE(IpAddress::parse("224.0.0.18")->isMulticast());
}

TEST(IpPrefix, ParsesLengthsAndRejectsOutOfRange) {
  EXPECT_EQ(IpPrefix::parse("198.51.100.1/24")->length, 24);
  EXPECT_EQ(IpPrefix::parse("198.51.100.1")->length, 32);
  EXPECT_EQ(IpPrefix::parse("2001:db8::1/64")->length, 64);
  EXPECT_FALSE(IpPrefix::parse("198.51.100.1/33"));
  EXPECT_FALSE(IpPrefix::parse("198.51.100.1/"));
  EXPECT_FALSE(IpPrefix::parse("198.51.100.1/2x"));
}

TEST(Endpoint, ParsesHostAndPort) {
  auto e = Endpoint::parse("198.51.100.1:80");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->port, 80);
  EXPECT_EQ(e->str(), "198.51.100.1:80");
  auto v6 = Endpoint::parse("[2001:db8::5]:443");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->str(), "[2001:db8::5]:443");
  EXPECT_FALSE(Endpoint::parse("198.51.100.1"));
  EXPECT_FALSE(Endpoint::parse("198.51.100.1:65536"));
  EXPECT_FALSE(Endpoint::parse("2001:db8::5:80"));
  EXPECT_FALSE(Endpoint::parse("[198.51.100.1]:80"));
}

}  // namespace
}  // namespace vipd

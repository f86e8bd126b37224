#include "daemon/real_server_gate.hpp"

#include <gtest/gtest.h>

#include <tuple>
#include <vector>

namespace vipd::daemon {
namespace {

using Told = std::tuple<std::string, std::string, bool>;

struct GateTest : ::testing::Test {
  GateTest() {
    conf::IpvsService web;
    web.name = "web";
    conf::RealServer plain, guest;
    plain.address = *Endpoint::parse("198.51.100.11:80");
    guest.address = *Endpoint::parse("198.51.100.12:80");
    guest.guest = "node4";
    web.real_servers = {plain, guest};
    ipvs.services = {web};
  }

  RealServerGate gate{[this](const std::string& service, const Endpoint& server, bool healthy) {
    told.emplace_back(service, server.str(), healthy);
  }};
  conf::Ipvs ipvs;
  std::vector<Told> told;
};

TEST_F(GateTest, AGuestServerIsOutUntilItsGuestRuns) {
  gate.configure(ipvs);
  EXPECT_EQ(told, (std::vector<Told>{{"web", "198.51.100.12:80", false}}));
  gate.guestRunning("node4", true);
  EXPECT_EQ(told.back(), Told("web", "198.51.100.12:80", true));
  gate.guestRunning("node4", false);
  EXPECT_EQ(told.back(), Told("web", "198.51.100.12:80", false));
  EXPECT_EQ(told.size(), 3u);
}

TEST_F(GateTest, ChecksAndGuestMustBothAgree) {
  gate.configure(ipvs);
  gate.guestRunning("node4", true);
  told.clear();
  gate.checkResult("web", *Endpoint::parse("198.51.100.12:80"), false);
  EXPECT_EQ(told, (std::vector<Told>{{"web", "198.51.100.12:80", false}}));
  gate.guestRunning("node4", false);  // still out: nothing new to tell
  gate.guestRunning("node4", true);   // checks still fail: still out
  EXPECT_EQ(told.size(), 1u);
  gate.checkResult("web", *Endpoint::parse("198.51.100.12:80"), true);
  EXPECT_EQ(told.back(), Told("web", "198.51.100.12:80", true));
}

TEST_F(GateTest, PlainServersFollowTheirChecksOnly) {
  gate.configure(ipvs);
  told.clear();
  gate.checkResult("web", *Endpoint::parse("198.51.100.11:80"), true);  // first sight, healthy: nothing to tell
  EXPECT_TRUE(told.empty());
  gate.checkResult("web", *Endpoint::parse("198.51.100.11:80"), false);
  gate.guestRunning("node4", true);
  EXPECT_EQ(told.front(), Told("web", "198.51.100.11:80", false));
}

TEST_F(GateTest, AServerThatStopsNamingAGuestComesBack) {
  gate.configure(ipvs);
  ipvs.services[0].real_servers[1].guest.clear();
  gate.configure(ipvs);
  EXPECT_EQ(told.back(), Told("web", "198.51.100.12:80", true));
}

}  // namespace
}  // namespace vipd::daemon

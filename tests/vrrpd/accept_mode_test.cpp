// Accept_Mode's guard: which VIPs are guarded, and the nftables script for them.
#include <gtest/gtest.h>

#include "vrrpd/core/accept_mode.hpp"

namespace vipd::vrrp {
namespace {

IpAddress ip(const char* t) { return *IpAddress::parse(t); }

AcceptModeView view(bool holds, bool accept, int priority, std::vector<IpAddress> vips) {
  return AcceptModeView{holds, accept, priority, std::move(vips)};
}

TEST(AcceptModeGuard, OnlyMastersThatAreNeitherOwnerNorAcceptingAreGuarded) {
  struct Row {
    const char* what;
    bool holds;
    bool accept;
    int priority;
    bool guarded;
  };
  for (const Row& r : {Row{"backup", false, false, 100, false}, Row{"master, accept=false", true, false, 100, true},
                       Row{"master, accept=true", true, true, 100, false},
                       Row{"owner master (255)", true, false, 255, false},
                       Row{"master at 254", true, false, 254, true}}) {
    auto guarded = addressesToGuard({view(r.holds, r.accept, r.priority, {ip("203.0.113.10")})});
    EXPECT_EQ(guarded.size(), r.guarded ? 1u : 0u) << r.what;
  }
}

TEST(AcceptModeGuard, AddressesOfAllGuardedInstancesSortedWithoutDuplicates) {
  auto guarded = addressesToGuard({view(true, false, 100, {ip("203.0.113.20"), ip("2001:db8::1")}),
                                   view(true, true, 100, {ip("203.0.113.30")}),
                                   view(true, false, 150, {ip("203.0.113.10"), ip("203.0.113.20")})});
  EXPECT_EQ(guarded, (std::vector<IpAddress>{ip("203.0.113.10"), ip("203.0.113.20"), ip("2001:db8::1")}));
}

TEST(AcceptModeGuard, EmptyGuardOnlyRemovesTheTable) {
  EXPECT_EQ(nftGuardScript({}), "add table inet vipd\ndelete table inet vipd\n");
}

TEST(AcceptModeGuard, ScriptDropsAfterIpvsAndLetsNeighbourDiscoveryThrough) {
  EXPECT_EQ(nftGuardScript({ip("203.0.113.10"), ip("203.0.113.11"), ip("2001:db8::1")}),
            "add table inet vipd\n"
            "delete table inet vipd\n"
            "table inet vipd {\n"
            "  chain accept_mode {\n"
            "    type filter hook input priority 200; policy accept;\n"
            "    ip daddr { 203.0.113.10, 203.0.113.11 } drop\n"
            "    ip6 daddr { 2001:db8::1 } icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n"
            "    ip6 daddr { 2001:db8::1 } drop\n"
            "  }\n"
            "}\n");
  // IPVS steals what it balances in LOCAL_IN at priority 99 (NF_IP_PRI_NAT_SRC - 1).
  EXPECT_GT(kGuardChainPriority, 99);
}

TEST(AcceptModeGuard, OneFamilyOnlyHasNoRulesForTheOther) {
  auto v4 = nftGuardScript({ip("203.0.113.10")});
  EXPECT_EQ(v4.find("ip6"), std::string::npos);
  auto v6 = nftGuardScript({ip("2001:db8::1")});
  EXPECT_EQ(v6.find("ip daddr"), std::string::npos);
  EXPECT_NE(v6.find("ip6 daddr { 2001:db8::1 } drop"), std::string::npos);
}

}  // namespace
}  // namespace vipd::vrrp

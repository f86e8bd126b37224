#include "virt/identity.hpp"

#include <set>

#include <gtest/gtest.h>

#include "virt/domain_spec.hpp"

namespace vipd::virt {
namespace {

// Golden values, cross-checked with Python's uuid.uuid5 under vipd's namespace
// UUID: a change here changes every deployed guest's UUID and MACs.
TEST(GuestUuid, GoldenTable) {
  const std::pair<std::string, std::string> rows[] = {
      {"node4", "e9a55c4e-7fde-58c6-a680-29cb44104f93"},
      {"node5", "682cfe4e-26e4-55bd-bd6f-cf0608f80e68"},
  };
  for (const auto& [name, uuid] : rows) EXPECT_EQ(guestUuid(name), uuid) << name;
}

TEST(GuestMac, GoldenTable) {
  struct Row {
    std::string guest;
    size_t index;
    unsigned attempt;
    std::string mac;
  };
  const Row rows[] = {
      {"node4", 0, 0, "02:76:70:ac:93:4e"},
      {"node4", 1, 0, "02:76:70:e7:1b:45"},
      {"node5", 0, 0, "02:76:70:3b:eb:ea"},
      {"node4", 0, 1, "02:76:70:fb:fd:52"},
  };
  for (const auto& row : rows) EXPECT_EQ(formatMac(guestMac(row.guest, row.index, row.attempt)), row.mac) << row.guest;
}

TEST(GuestMac, IsLocallyAdministeredUnicastWithVipdPrefix) {
  for (const std::string name : {"a", "node4", "web-01", "x"}) {
    for (size_t i = 0; i < 4; ++i) {
      Mac mac = guestMac(name, i);
      EXPECT_EQ(mac[0] & 0x02, 0x02) << name << i;  // locally administered
      EXPECT_EQ(mac[0] & 0x01, 0x00) << name << i;  // unicast
      EXPECT_EQ(formatMac(mac).substr(0, 8), "02:76:70") << name << i;
    }
  }
  EXPECT_EQ(guestMac("node4", 0), guestMac("node4", 0));
  EXPECT_NE(guestMac("node4", 0), guestMac("node4", 1));
  EXPECT_NE(guestMac("node4", 0), guestMac("node5", 0));
}

TEST(FormatMac, LowercaseColonSeparated) {
  EXPECT_EQ(formatMac(Mac{0x02, 0x76, 0x70, 0x0a, 0xbc, 0xff}), "02:76:70:0a:bc:ff");
}

TEST(AssignMacs, UniqueAcrossManyGuestsAndIndependentOfOrder) {
  std::vector<NicRequest> guests;
  for (int i = 0; i < 3000; ++i) guests.push_back({"guest" + std::to_string(i), 2});
  auto macs = assignMacs(guests);
  std::set<Mac> seen;
  for (const auto& [name, list] : macs) {
    ASSERT_EQ(list.size(), 2u);
    for (const auto& mac : list) EXPECT_TRUE(seen.insert(mac).second) << name;
  }
  std::vector<NicRequest> reversed(guests.rbegin(), guests.rend());
  EXPECT_EQ(assignMacs(reversed), macs);
}

TEST(AssignMacs, FirstAttemptWhenNoCollision) {
  auto macs = assignMacs({{"node4", 2}, {"node5", 1}});
  EXPECT_EQ(macs["node4"], (std::vector<Mac>{guestMac("node4", 0), guestMac("node4", 1)}));
  EXPECT_EQ(macs["node5"], (std::vector<Mac>{guestMac("node5", 0)}));
}

TEST(VncFromConfig, Table) {
  struct Row {
    std::optional<int> port;
    bool automatic;
    VncSpec expected;
  };
  const Row rows[] = {
      {std::nullopt, true, {VncMode::automatic, 0}},
      {std::nullopt, false, {VncMode::off, 0}},
      {5901, false, {VncMode::fixed, 5901}},
  };
  for (const auto& row : rows) {
    conf::VirtGuest guest;
    guest.vnc_port = row.port;
    guest.vnc_auto = row.automatic;
    EXPECT_EQ(vncFromConfig(guest), row.expected);
  }
}

}  // namespace
}  // namespace vipd::virt

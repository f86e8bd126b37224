// BridgeController over real rtnetlink, inside a namespace this test creates
// (root only). The ip(8) commands observe the outcome independently.
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "tests/support/process.hpp"
#include "virt/bridge_controller.hpp"
#include "virt/rtnetlink_bridge_links.hpp"

namespace vipd::virt {
namespace {

// Opens the rtnetlink socket inside the namespace, then returns the thread home.
std::unique_ptr<RtnetlinkBridgeLinks> openIn(const std::string& netns) {
  int home = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  int target = ::open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_GE(target, 0);
  EXPECT_EQ(setns(target, CLONE_NEWNET), 0);
  auto links = RtnetlinkBridgeLinks::open();
  EXPECT_EQ(setns(home, CLONE_NEWNET), 0);
  ::close(target);
  ::close(home);
  EXPECT_TRUE(links.ok());
  return links.ok() ? std::move(*links) : nullptr;
}

class BridgeNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root for network namespaces";
    ns.emplace("vipd-br");
    links = openIn(ns->name());
    ASSERT_TRUE(links);
    controller.emplace(*links);
    sh("ip link add em1 type veth peer name em1peer && ip link set em1 up && ip addr add 198.51.100.10/24 dev em1 && "
       "ip addr add 2001:db8:1::10/64 dev em1 nodad && ip route add 203.0.113.0/24 via 198.51.100.1 dev em1");
  }

  std::string sh(const std::string& command) {
    int status = 0;
    auto out = test::capture("ip netns exec " + ns->name() + " sh -c '" + command + "' 2>&1", &status);
    EXPECT_EQ(status, 0) << command << ": " << out;
    return out;
  }

  std::optional<test::NetNamespace> ns;
  std::unique_ptr<RtnetlinkBridgeLinks> links;
  std::optional<BridgeController> controller;
};

TEST_F(BridgeNetns, CreatesBridgeEnslavesPortAndMovesAddressesAndRoutes) {
  auto statuses = controller->apply({{"br0", {"em1", "em9"}}});
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].error, "");
  EXPECT_TRUE(statuses[0].exists);
  EXPECT_TRUE(statuses[0].up);
  EXPECT_EQ(statuses[0].ports, std::vector<std::string>{"em1"});
  EXPECT_EQ(statuses[0].missing_ports, std::vector<std::string>{"em9"});

  EXPECT_NE(sh("ip -d link show br0").find("bridge "), std::string::npos);
  EXPECT_NE(sh("ip link show em1").find("master br0"), std::string::npos);
  auto bridge_addresses = sh("ip addr show dev br0");
  EXPECT_NE(bridge_addresses.find("198.51.100.10/24"), std::string::npos) << bridge_addresses;
  EXPECT_NE(bridge_addresses.find("2001:db8:1::10/64"), std::string::npos) << bridge_addresses;
  auto port_addresses = sh("ip addr show dev em1");
  EXPECT_EQ(port_addresses.find("198.51.100.10"), std::string::npos) << port_addresses;
  EXPECT_EQ(port_addresses.find("2001:db8:1::10"), std::string::npos) << port_addresses;
  EXPECT_NE(sh("ip route show 203.0.113.0/24").find("via 198.51.100.1 dev br0"), std::string::npos);

  // Idempotent: a second pass changes nothing.
  auto before = sh("ip addr; ip route; ip -6 route");
  auto again = controller->apply({{"br0", {"em1", "em9"}}});
  EXPECT_EQ(again[0].error, "");
  EXPECT_EQ(sh("ip addr; ip route; ip -6 route"), before);
}

TEST_F(BridgeNetns, DroppedBridgeIsDeletedOnlyWithoutForeignPorts) {
  controller->apply({{"br0", {"em1"}}, {"br1", {}}});
  sh("ip link add tap9 type veth peer name tap9peer && ip link set tap9 master br1");
  auto statuses = controller->apply({});
  EXPECT_TRUE(statuses.empty());
  EXPECT_NE(sh("ip link show").find("br1:"), std::string::npos);  // kept: tap9 is not vipd's
  EXPECT_EQ(sh("ip link show").find("br0:"), std::string::npos);  // deleted: only em1
  EXPECT_EQ(sh("ip link show em1").find("master"), std::string::npos);
}

TEST_F(BridgeNetns, ExistingNonBridgeLinkIsAnError) {
  auto statuses = controller->apply({{"em1", {}}});
  EXPECT_EQ(statuses[0].error, "link em1 exists and is not a bridge");
}

}  // namespace
}  // namespace vipd::virt

// Accept_Mode between real kernels (vrrp_node on nodes 1 and 2, a client on
// node 3): a master that is neither owner nor in Accept_Mode drops what is
// addressed to its VIPs (IPv6 neighbour discovery excepted); the guard leaves
// with the master state, at stop, and a crashed run's guard is cleared at
// start-up. A probe from the node itself to the VIP (put on lo while the node
// is not master) shows whether the guard is there. Root only.
#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/vrrpd/netns_lab.hpp"

namespace vipd::vrrp::testing {
namespace {

using namespace std::chrono_literals;

const std::string kVip4 = "198.51.100.100";  // in the nodes' subnet: the client reaches it directly
const std::string kVip6 = "2001:db8::10";

// One IPv4 and one IPv6 instance at 0.1 s adverts.
std::string config(int priority, const std::string& extra = "") {
  std::string common = "interface = \"eth0\"\npriority = " + std::to_string(priority) +
                       "\nadvert_interval = \"100ms\"\n" + extra;
  return "[[vrrp.instance]]\nname = \"VI_4\"\nvrid = 51\nvirtual_addresses = [\"" + kVip4 + "/24\"]\n" + common +
         "[[vrrp.instance]]\nname = \"VI_6\"\nvrid = 52\nvirtual_addresses = [\"" + kVip6 + "/64\"]\n" + common;
}

bool succeeds(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

class AcceptModeNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root for network namespaces";
    run("ip -n " + lab.node(3) + " addr add 2001:db8::3/64 dev eth0 nodad");
    // A TCP listener on every address of node 1 (dual stack).
    lab.spawn(1,
              {"/usr/bin/python3", "-c",
               "import socket\ns = socket.socket(socket.AF_INET6)\n"
               "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\ns.bind(('::', 8080))\ns.listen(16)\n"
               "while True: s.accept()[0].close()\n"},
              lab.file("listener.log"));
    ASSERT_GE(waitFor([&] { return tcp(3, "198.51.100.1"); }, 3s), 0ms) << "listener on node 1";
  }
  bool ping(int from, const std::string& address) {
    return succeeds("ip netns exec " + lab.node(from) + " /bin/busybox ping -c 1 -W 1 " + address);
  }
  bool tcp(int from, const std::string& address) {
    return succeeds("ip netns exec " + lab.node(from) +
                    " /usr/bin/python3 -c \"import socket; socket.create_connection(('" + address +
                    "', 8080), timeout=1)\"");
  }
  bool answersClient() { return ping(3, kVip4) && tcp(3, kVip4) && ping(3, kVip6) && tcp(3, kVip6); }
  std::string probes() {
    return "ping4 " + std::to_string(ping(3, kVip4)) + " tcp4 " + std::to_string(tcp(3, kVip4)) + " ping6 " +
           std::to_string(ping(3, kVip6)) + " tcp6 " + std::to_string(tcp(3, kVip6));
  }
  bool isMaster(int node) { return lab.hasAddress(node, kVip4) && lab.hasAddress(node, kVip6); }
  // The VIPs on node 1's lo: a ping from node 1 itself to them passes its input hook.
  void vipsOnLoopback() {
    run("ip -n " + lab.node(1) + " addr add " + kVip4 + "/32 dev lo");
    run("ip -n " + lab.node(1) + " addr add " + kVip6 + "/128 dev lo nodad");
  }
  bool answersItself() { return ping(1, kVip4) && ping(1, kVip6); }
  bool dropsItself() { return !ping(1, kVip4) && !ping(1, kVip6); }

  Lab lab{3};
};

TEST_F(AcceptModeNetns, NonAcceptingMasterDropsTrafficToItsVipsUntilItLeavesMaster) {
  lab.startVrrpNode(1, config(100));
  ASSERT_GE(waitFor([&] { return isMaster(1); }, 3s), 0ms);
  EXPECT_TRUE(ping(3, "198.51.100.1")) << "the node's own address is not guarded";
  EXPECT_TRUE(tcp(3, "198.51.100.1"));
  EXPECT_FALSE(ping(3, kVip4));
  EXPECT_FALSE(tcp(3, kVip4));
  EXPECT_FALSE(ping(3, kVip6));
  EXPECT_FALSE(tcp(3, kVip6));
  // Neighbour discovery still answers for the IPv6 VIP (RFC 9568 6.4.3 (375)).
  EXPECT_NE(run("ip -n " + lab.node(3) + " -6 neigh show " + kVip6).find("lladdr"), std::string::npos);

  lab.startVrrpNode(2, config(200));  // preempts: node 1 leaves master
  ASSERT_GE(waitFor([&] { return isMaster(2) && !lab.hasAddress(1, kVip4) && !lab.hasAddress(1, kVip6); }, 3s), 0ms);
  vipsOnLoopback();
  EXPECT_GE(waitFor([&] { return answersItself(); }, 3s), 0ms) << "the guard left with the master state";
}

TEST_F(AcceptModeNetns, AcceptingMasterAnswers) {
  lab.startVrrpNode(1, config(100, "accept = true\n"));
  ASSERT_GE(waitFor([&] { return isMaster(1); }, 3s), 0ms);
  EXPECT_GE(waitFor([&] { return answersClient(); }, 3s), 0ms) << probes();
}

TEST_F(AcceptModeNetns, OwnerAlwaysAnswers) {
  lab.startVrrpNode(1, config(255));
  ASSERT_GE(waitFor([&] { return isMaster(1); }, 3s), 0ms);
  EXPECT_GE(waitFor([&] { return answersClient(); }, 3s), 0ms) << probes();
}

TEST_F(AcceptModeNetns, GuardLeavesAtStopAndACrashedRunsGuardIsClearedAtStart) {
  pid_t node = lab.startVrrpNode(1, config(100));
  ASSERT_GE(waitFor([&] { return isMaster(1); }, 3s), 0ms);
  vipsOnLoopback();
  EXPECT_TRUE(dropsItself());
  lab.stop(node, SIGTERM);
  EXPECT_TRUE(answersItself()) << "the guard left at stop";

  node = lab.startVrrpNode(1, config(100));
  ASSERT_GE(waitFor([&] { return isMaster(1); }, 3s), 0ms);
  EXPECT_TRUE(dropsItself());
  lab.stop(node, SIGKILL);
  EXPECT_TRUE(dropsItself()) << "a crash leaves the guard behind";
  lab.startVrrpNode(1, config(100, "accept = true\n"));
  ASSERT_GE(waitFor([&] { return isMaster(1); }, 3s), 0ms);
  EXPECT_TRUE(answersItself()) << "start-up cleared the crashed run's guard";
}

}  // namespace
}  // namespace vipd::vrrp::testing

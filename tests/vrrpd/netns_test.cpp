// vipd's VRRP between real kernels: nodes in network namespaces on a bridge,
// each running the vrrp_node test executable. Root only.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/vrrpd/netns_lab.hpp"

namespace vipd::vrrp::testing {
namespace {

using namespace std::chrono_literals;

std::string instance(int priority, const std::string& extra = "", const std::string& vip = "203.0.113.10/24",
                     const std::string& interval = "100ms") {
  return "[global]\nscript_user = \"nobody\"\n[[vrrp.instance]]\nname = \"VI_1\"\ninterface = \"eth0\"\nvrid = 51\n"
         "priority = " +
         std::to_string(priority) + "\nadvert_interval = \"" + interval + "\"\nvirtual_addresses = [\"" + vip +
         "\"]\n" + extra;
}

class VrrpNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root for network namespaces";
  }
};

nlohmann::json status(Lab& lab, int node, pid_t pid) {
  std::remove(lab.statusFile(node).c_str());
  kill(pid, SIGUSR1);
  waitFor([&] { return std::ifstream(lab.statusFile(node)).good(); }, 1s);
  nlohmann::json j;
  std::ifstream(lab.statusFile(node)) >> j;
  return j;
}

TEST_F(VrrpNetns, ElectionByPriority) {
  Lab lab(2);
  lab.startVrrpNode(1, instance(110));
  lab.startVrrpNode(2, instance(120));
  EXPECT_GE(waitFor([&] { return lab.hasAddress(2, "203.0.113.10") && !lab.hasAddress(1, "203.0.113.10"); }, 3s), 0ms);
  std::this_thread::sleep_for(500ms);  // stable: no flapping
  EXPECT_TRUE(lab.hasAddress(2, "203.0.113.10"));
  EXPECT_FALSE(lab.hasAddress(1, "203.0.113.10"));
}

// Equal priorities: a backup accepts an equal master (RFC 9568 6.4.2), so the
// address tie is broken between two masters. Make two masters by cutting
// node 1's link, heal it, and expect the higher address (node 2) to be the
// only master within 3 adverts, re-announcing its VIP with gratuitous ARP.
TEST_F(VrrpNetns, SplitBrainHealsToHigherAddressWithGarp) {
  Lab lab(2);
  run("ip -n " + lab.sw() + " link set p1 down");
  lab.startVrrpNode(1, instance(100));
  lab.startVrrpNode(2, instance(100));
  ASSERT_GE(waitFor([&] { return lab.hasAddress(1, "203.0.113.10") && lab.hasAddress(2, "203.0.113.10"); }, 3s), 0ms);
  std::string capture = lab.file("heal-arp.txt");
  pid_t tcpdump = fork();
  if (tcpdump == 0) {
    std::string cmd = "exec ip netns exec " + lab.sw() + " tcpdump -l -n -e -i br0 arp > " + capture + " 2>/dev/null";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), nullptr);
    _exit(127);
  }
  std::this_thread::sleep_for(500ms);  // tcpdump attaches
  run("ip -n " + lab.sw() + " link set p1 up");
  auto healed = waitFor([&] { return !lab.hasAddress(1, "203.0.113.10"); }, 2s);
  std::printf("split brain healed in %lld ms (3 adverts = 300 ms)\n", static_cast<long long>(healed.count()));
  EXPECT_GE(healed, 0ms);
  EXPECT_LE(healed, 350ms);
  std::string mac2 = run("ip -n " + lab.node(2) + " -br link show eth0 | awk '{printf $3}'");
  auto seen = waitFor(
      [&] {
        std::ifstream in(capture);
        std::string text((std::istreambuf_iterator<char>(in)), {});
        auto line = text.find("Request who-has 203.0.113.10 tell 203.0.113.10");
        return line != std::string::npos && text.rfind(mac2, line) != std::string::npos;  // from node 2
      },
      1s);
  kill(tcpdump, SIGTERM);
  waitpid(tcpdump, nullptr, 0);
  EXPECT_GE(seen, 0ms);
  EXPECT_TRUE(lab.hasAddress(2, "203.0.113.10"));
  EXPECT_FALSE(lab.hasAddress(1, "203.0.113.10"));
}

TEST_F(VrrpNetns, FailoverOnSigkillWithinMasterDownInterval) {
  Lab lab(2);
  lab.startVrrpNode(1, instance(110));
  pid_t master = lab.startVrrpNode(2, instance(120));
  ASSERT_GE(waitFor([&] { return lab.hasAddress(2, "203.0.113.10") && !lab.hasAddress(1, "203.0.113.10"); }, 3s), 0ms);
  std::this_thread::sleep_for(237ms);  // a moment between adverts
  lab.stop(master, SIGKILL);
  auto took = waitFor([&] { return lab.hasAddress(1, "203.0.113.10"); }, 2s);
  // Master_Down_Interval for priority 110 at 0.1 s: 300 + (146 * 10 / 256) cs = 350 ms.
  std::printf("SIGKILL failover: %lld ms (bound 350 ms + 50 ms)\n", static_cast<long long>(took.count()));
  EXPECT_GE(took, 0ms);
  EXPECT_LE(took, 400ms);
}

TEST_F(VrrpNetns, FailoverOnSigtermWithinSkewTime) {
  Lab lab(2);
  lab.startVrrpNode(1, instance(110));
  pid_t master = lab.startVrrpNode(2, instance(120));
  ASSERT_GE(waitFor([&] { return lab.hasAddress(2, "203.0.113.10") && !lab.hasAddress(1, "203.0.113.10"); }, 3s), 0ms);
  std::this_thread::sleep_for(237ms);
  auto start = std::chrono::steady_clock::now();
  kill(master, SIGTERM);
  auto took = waitFor([&] { return lab.hasAddress(1, "203.0.113.10"); }, 2s);
  lab.stop(master, SIGTERM);
  // Skew_Time for priority 110 at 0.1 s: 50 ms.
  std::printf("SIGTERM failover: %lld ms (bound 50 ms + 50 ms)\n", static_cast<long long>(took.count()));
  EXPECT_GE(took, 0ms);
  EXPECT_LE(took, 100ms);
  EXPECT_FALSE(lab.hasAddress(2, "203.0.113.10"));  // the stopped master released its VIP
  (void)start;
}

TEST_F(VrrpNetns, PreemptionOffKeepsTheLowerMaster) {
  Lab lab(2);
  lab.startVrrpNode(1, instance(110));
  ASSERT_GE(waitFor([&] { return lab.hasAddress(1, "203.0.113.10"); }, 2s), 0ms);
  lab.startVrrpNode(2, instance(120, "preempt = false\n"));
  std::this_thread::sleep_for(1s);
  EXPECT_TRUE(lab.hasAddress(1, "203.0.113.10"));
  EXPECT_FALSE(lab.hasAddress(2, "203.0.113.10"));
}

TEST_F(VrrpNetns, PreemptionOnTakesOver) {
  Lab lab(2);
  lab.startVrrpNode(1, instance(110));
  ASSERT_GE(waitFor([&] { return lab.hasAddress(1, "203.0.113.10"); }, 2s), 0ms);
  lab.startVrrpNode(2, instance(120));
  EXPECT_GE(waitFor([&] { return lab.hasAddress(2, "203.0.113.10") && !lab.hasAddress(1, "203.0.113.10"); }, 2s), 0ms);
}

TEST_F(VrrpNetns, Ipv6Vips) {
  Lab lab(2);
  lab.startVrrpNode(1, instance(110, "", "2001:db8::10/64"));
  lab.startVrrpNode(2, instance(120, "", "2001:db8::10/64"));
  EXPECT_GE(waitFor([&] { return lab.hasAddress(2, "2001:db8::10") && !lab.hasAddress(1, "2001:db8::10"); }, 5s), 0ms);
  std::this_thread::sleep_for(500ms);
  EXPECT_FALSE(lab.hasAddress(1, "2001:db8::10"));
}

TEST_F(VrrpNetns, V2WithPassAuth) {
  Lab lab(2);
  std::string v2 = "version = 2\nauth_pass = \"s3cret\"\n";
  pid_t backup = lab.startVrrpNode(1, instance(110, v2, "203.0.113.10/24", "1s"));
  lab.startVrrpNode(2, instance(120, v2, "203.0.113.10/24", "1s"));
  EXPECT_GE(waitFor([&] { return lab.hasAddress(2, "203.0.113.10") && !lab.hasAddress(1, "203.0.113.10"); }, 8s), 0ms);
  std::this_thread::sleep_for(1500ms);
  auto s = status(lab, 1, backup)["instances"][0];
  EXPECT_EQ(s["state"], "BACKUP");
  EXPECT_GE(s["adverts_received"].get<int>(), 1);
  EXPECT_TRUE(s["drops"].empty()) << s.dump();
}

TEST_F(VrrpNetns, WrongPasswordIsDroppedAsAuth) {
  Lab lab(2);
  pid_t node1 = lab.startVrrpNode(1, instance(110, "version = 2\nauth_pass = \"one\"\n", "203.0.113.10/24", "1s"));
  lab.startVrrpNode(2, instance(120, "version = 2\nauth_pass = \"two\"\n", "203.0.113.10/24", "1s"));
  EXPECT_GE(waitFor([&] { return lab.hasAddress(1, "203.0.113.10"); }, 8s), 0ms);  // it never hears node 2
  // Node 2 becomes master (and sends its first advert) about when node 1 does.
  nlohmann::json s;
  auto dropped = waitFor(
      [&] {
        s = status(lab, 1, node1)["instances"][0];
        return s["drops"].value("auth", 0) >= 1;
      },
      3s);
  EXPECT_GE(dropped, 0ms) << s.dump();
}

TEST_F(VrrpNetns, GratuitousArpSeenOnTheWire) {
  Lab lab(2);
  std::string capture = lab.file("arp.txt");
  pid_t tcpdump = fork();
  if (tcpdump == 0) {
    std::string cmd = "exec ip netns exec " + lab.sw() + " tcpdump -l -n -i br0 arp > " + capture + " 2>/dev/null";
    execl("/bin/sh", "sh", "-c", cmd.c_str(), nullptr);
    _exit(127);
  }
  std::this_thread::sleep_for(500ms);  // tcpdump attaches
  lab.startVrrpNode(1, instance(120));
  ASSERT_GE(waitFor([&] { return lab.hasAddress(1, "203.0.113.10"); }, 3s), 0ms);
  auto seen = waitFor(
      [&] {
        std::ifstream in(capture);
        std::string text((std::istreambuf_iterator<char>(in)), {});
        return text.find("Request who-has 203.0.113.10 tell 203.0.113.10") != std::string::npos;
      },
      2s);
  kill(tcpdump, SIGTERM);
  waitpid(tcpdump, nullptr, 0);
  EXPECT_GE(seen, 0ms);
}

}  // namespace
}  // namespace vipd::vrrp::testing

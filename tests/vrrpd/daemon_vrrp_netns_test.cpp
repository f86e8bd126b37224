// The vipd daemon's VRRP in the netns lab: a reload that changes nothing
// leaves a master alone (watched with `ip monitor address`), a changed
// priority applied in place, a track script watching a process, a tracked
// link going down and up, a tracked service losing quorum, and unicast
// peers. Root only.
#include <gtest/gtest.h>

#include "tests/vrrpd/peers.hpp"

namespace vipd::vrrp::testing {
namespace {

using namespace std::chrono_literals;

const Protocol kFast{3, 10};

class DaemonVrrp : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root for network namespaces";
  }
};

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_F(DaemonVrrp, ReloadWithoutChangeLeavesTheMasterAloneAndANewPriorityIsAppliedInPlace) {
  Lab lab(1);
  VipdNode vipd(lab, 1);
  vipd.start(kFast, 120);
  ASSERT_GE(waitFor([&] { return vipd.isMaster(); }, 3s), 0ms) << vipd.log();
  int transitions = vipd.instance()["transitions"].get<int>();
  std::string monitor = lab.file("monitor.txt");
  lab.spawn(1, {"/usr/sbin/ip", "monitor", "address"}, monitor);
  std::this_thread::sleep_for(200ms);  // ip monitor subscribes

  vipd.signal(SIGHUP);  // same file, same config
  ASSERT_GE(waitFor([&] { return vipd.log().find("generation 2") != std::string::npos; }, 2s), 0ms) << vipd.log();
  vipd.writeConfig(kFast, 130);
  vipd.signal(SIGHUP);
  ASSERT_GE(waitFor([&] { return vipd.log().find("generation 3") != std::string::npos; }, 2s), 0ms) << vipd.log();
  std::this_thread::sleep_for(300ms);  // 3 adverts: anything the reload did would show by now

  auto status = vipd.instance();
  EXPECT_EQ(status["state"], "MASTER");
  EXPECT_EQ(status["transitions"], transitions);
  EXPECT_EQ(status["effective_priority"], 130);
  EXPECT_EQ(readFile(monitor).find(kVip), std::string::npos) << "the VIP was touched:\n" << readFile(monitor);
  EXPECT_TRUE(lab.hasAddress(1, kVip));
}

// check_nginx.sh in spirit: healthy while the watched process lives.
std::string trackScript(const std::string& pid_file, int weight) {
  return "[[vrrp.script]]\nname = \"check_app\"\ncommand = [\"/bin/sh\", \"-c\", \"kill -0 $(cat " + pid_file +
         ")\"]\ninterval = \"200ms\"\ntimeout = \"150ms\"\nrise = 1\nfall = 1\nweight = " + std::to_string(weight) +
         "\n";
}

TEST_F(DaemonVrrp, TrackScriptWatchingAProcessMovesTheVip) {
  Lab lab(2);
  std::string pid_file = lab.file("app.pid");
  pid_t app = -1;
  auto start_app = [&] {
    app = lab.spawn(1, {"/bin/sleep", "1000"}, "/dev/null");
    std::ofstream(pid_file) << app;
  };
  start_app();
  VipdNode node1(lab, 1), node2(lab, 2);
  // The script checks a root process with kill -0, so it runs as root.
  node1.setGlobal("script_user = \"root\"\n");
  node1.start(kFast, 120, "track_scripts = [\"check_app\"]\n" + trackScript(pid_file, -30));
  node2.start(kFast, 100);
  ASSERT_GE(waitFor([&] { return node1.isMaster() && node2.isBackupOf("198.51.100.1"); }, 3s), 0ms) << node1.log();
  EXPECT_EQ(node1.instance()["effective_priority"], 120);

  lab.stop(app, SIGTERM);  // the watched process dies (and is reaped): 120 - 30 = 90 < 100
  ASSERT_GE(waitFor([&] { return node2.isMaster() && node1.isBackupOf("198.51.100.2"); }, 2s), 0ms) << node1.log();
  auto status = node1.instance();
  EXPECT_EQ(status["effective_priority"], 90);
  EXPECT_EQ(status["tracked"][0]["state"], "down") << status.dump();

  start_app();  // back: 120 again, and node 1 preempts
  ASSERT_GE(waitFor([&] { return node1.isMaster() && node2.isBackupOf("198.51.100.1"); }, 2s), 0ms) << node1.log();
  EXPECT_EQ(node1.instance()["effective_priority"], 120);
}

TEST_F(DaemonVrrp, TrackedLinkDownIsFaultAndTheVipMoves) {
  Lab lab(2);
  // No dummy module on these machines: a veth pair, both ends up.
  run("ip -n " + lab.node(1) + " link add uplink type veth peer name uplink-peer");
  run("ip -n " + lab.node(1) + " link set uplink-peer up");
  run("ip -n " + lab.node(1) + " link set uplink up");
  VipdNode node1(lab, 1), node2(lab, 2);
  node1.start(kFast, 120, "track_interfaces = [\"uplink\"]\n");
  node2.start(kFast, 100);
  ASSERT_GE(waitFor([&] { return node1.isMaster() && node2.isBackupOf("198.51.100.1"); }, 3s), 0ms) << node1.log();

  run("ip -n " + lab.node(1) + " link set uplink down");
  ASSERT_GE(waitFor([&] { return node1.state() == "FAULT" && node2.isMaster(); }, 2s), 0ms) << node1.log();
  EXPECT_FALSE(lab.hasAddress(1, kVip));

  run("ip -n " + lab.node(1) + " link set uplink up");
  ASSERT_GE(waitFor([&] { return node1.isMaster() && node2.isBackupOf("198.51.100.1"); }, 2s), 0ms) << node1.log();
}

// An instance tracking an IPVS service's quorum: its only real server (a
// busybox httpd in node 1's namespace, TCP-checked) stops, the service loses
// quorum and the instance goes to FAULT; the server returns, the VIP too.
// The host has no IPVS: the checks and VRRP run without it.
TEST_F(DaemonVrrp, TrackedServiceLosingQuorumIsFaultAndTheVipMoves) {
  Lab lab(2);
  auto start_server = [&] {
    return lab.spawn(1, {"/bin/busybox", "httpd", "-f", "-p", "198.51.100.1:8080", "-h", "/tmp"}, "/dev/null");
  };
  pid_t server = start_server();
  const std::string service =
      "track_services = [\"web\"]\n"
      "[[ipvs.service]]\nname = \"web\"\naddress = \"198.51.100.200:80\"\nscheduler = \"rr\"\n"
      "[ipvs.service.check]\ntype = \"tcp\"\ninterval = \"200ms\"\ntimeout = \"150ms\"\nrise = 1\nfall = 1\n"
      "[[ipvs.service.real_server]]\naddress = \"198.51.100.1:8080\"\n";
  VipdNode node1(lab, 1), node2(lab, 2);
  node1.start(kFast, 120, service);
  node2.start(kFast, 100);
  ASSERT_GE(waitFor([&] { return node1.isMaster() && node2.isBackupOf("198.51.100.1"); }, 3s), 0ms) << node1.log();

  lab.stop(server, SIGTERM);
  ASSERT_GE(waitFor([&] { return node1.state() == "FAULT" && node2.isMaster(); }, 2s), 0ms) << node1.log();
  EXPECT_FALSE(lab.hasAddress(1, kVip));
  auto tracked = node1.instance()["tracked"][0];
  EXPECT_EQ(tracked["kind"], "service") << tracked.dump();
  EXPECT_EQ(tracked["state"], "down") << tracked.dump();

  server = start_server();
  ASSERT_GE(waitFor([&] { return node1.isMaster() && node2.isBackupOf("198.51.100.1"); }, 3s), 0ms) << node1.log();
  lab.stop(server, SIGTERM);
}

// Unicast peers: adverts go to the listed peer only (never to 224.0.0.18), and
// adverts from a source that is not listed are dropped and counted.
TEST_F(DaemonVrrp, UnicastPeersSendToThePeerAndDropOthers) {
  Lab lab(3);
  std::string capture = lab.file("vrrp.txt");
  lab.spawnIn(lab.sw(), {"/usr/bin/tcpdump", "-l", "-n", "-i", "br0", "ip proto 112"}, capture);
  waitFor([&] { return readFile(capture).find("listening on") != std::string::npos; }, 3s);
  VipdNode node1(lab, 1), node2(lab, 2), stranger(lab, 3);
  node1.start(kFast, 120, "unicast_peers = [\"198.51.100.2\"]\n");
  node2.start(kFast, 100, "unicast_peers = [\"198.51.100.1\"]\n");
  // A higher priority from an unlisted address must not take node 1's place.
  stranger.start(kFast, 200, "unicast_peers = [\"198.51.100.1\"]\n");
  ASSERT_GE(waitFor([&] { return node1.isMaster() && node2.isBackupOf("198.51.100.1"); }, 3s), 0ms) << node1.log();
  ASSERT_GE(waitFor([&] { return node1.instance()["drops"].value("not_a_peer", 0) >= 3; }, 2s), 0ms)
      << node1.instance().dump();
  EXPECT_EQ(node1.instance()["state"], "MASTER");
  EXPECT_GE(
      waitFor([&] { return readFile(capture).find("198.51.100.1 > 198.51.100.2: VRRPv3") != std::string::npos; }, 1s),
      0ms)
      << readFile(capture);
  auto text = readFile(capture);
  EXPECT_EQ(text.find("224.0.0.18"), std::string::npos) << text;
}

}  // namespace
}  // namespace vipd::vrrp::testing

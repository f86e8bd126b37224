// The vipd daemon's VRRP in the netns lab, continued: a sync group of an
// outside and an inside instance (an LVS-NAT pair) moving together, a graceful
// SIGTERM handover that a connecting client does not notice, and
// preempt_delay counted from start-up. Root only.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>

#include <atomic>

#include <gtest/gtest.h>

#include "tests/vrrpd/peers.hpp"

namespace vipd::vrrp::testing {
namespace {

using namespace std::chrono_literals;

const Protocol kFast{3, 10};
const Protocol kSlow{3, 100};
const std::string kInsideVip = "203.0.113.200";

class DaemonSync : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root for network namespaces";
  }
};

bool hasAddress(Lab& lab, int node, const std::string& dev, const std::string& address) {
  return run("ip -n " + lab.node(node) + " -o addr show dev " + dev).find(" " + address + "/") != std::string::npos;
}

std::string stateOf(const VipdNode& node, const std::string& name) {
  auto i = node.instance(name);
  return i.is_null() ? "" : i["state"].get<std::string>();
}

// The inside LAN: a second bridge, eth1 on every node (203.0.113.128/25).
void addInsideLan(Lab& lab, int nodes) {
  run("ip -n " + lab.sw() + " link add br1 type bridge mcast_snooping 0 stp_state 0 forward_delay 0");
  run("ip -n " + lab.sw() + " link set br1 up");
  for (int i = 1; i <= nodes; ++i) {
    std::string port = "q" + std::to_string(i);
    run("ip link add eth1 netns " + lab.node(i) + " type veth peer name " + port + " netns " + lab.sw());
    run("ip -n " + lab.sw() + " link set " + port + " master br1 up");
    run("ip -n " + lab.node(i) + " addr add 203.0.113." + std::to_string(130 + i) + "/25 dev eth1");
    run("ip -n " + lab.node(i) + " link set eth1 up");
  }
}

std::string insideMember() {
  return "[[vrrp.instance]]\nname = \"VI_2\"\ninterface = \"eth1\"\nvrid = 52\nversion = 3\npriority = PRIO\n"
         "advert_interval = \"100ms\"\nvirtual_addresses = [\"" +
         kInsideVip + "/25\"]\ntrack_interfaces = [\"eth1\"]\n[[vrrp.sync_group]]\nname = \"G1\"\n" +
         "instances = [\"VI_1\", \"VI_2\"]\n";
}

std::string withPriority(std::string text, int priority) {
  return text.replace(text.find("PRIO"), 4, std::to_string(priority));
}

TEST_F(DaemonSync, TrackedInsideLinkDownMovesBothVipsAndRecoveryMovesThemBack) {
  Lab lab(2);
  addInsideLan(lab, 2);
  VipdNode node1(lab, 1), node2(lab, 2);
  node1.start(kFast, 120, withPriority(insideMember(), 120));
  node2.start(kFast, 100, withPriority(insideMember(), 100));
  auto node1_holds_both = [&] {
    return stateOf(node1, "VI_1") == "MASTER" && stateOf(node1, "VI_2") == "MASTER" &&
           hasAddress(lab, 1, "eth0", kVip) && hasAddress(lab, 1, "eth1", kInsideVip) &&
           stateOf(node2, "VI_1") == "BACKUP" && stateOf(node2, "VI_2") == "BACKUP" &&
           !hasAddress(lab, 2, "eth0", kVip) && !hasAddress(lab, 2, "eth1", kInsideVip);
  };
  ASSERT_GE(waitFor(node1_holds_both, 3s), 0ms) << node1.log() << node2.log();

  run("ip -n " + lab.node(1) + " link set eth1 down");  // only the inside instance tracks it
  auto node2_holds_both = [&] {
    return stateOf(node2, "VI_1") == "MASTER" && stateOf(node2, "VI_2") == "MASTER" &&
           hasAddress(lab, 2, "eth0", kVip) && hasAddress(lab, 2, "eth1", kInsideVip) &&
           !hasAddress(lab, 1, "eth0", kVip) && !hasAddress(lab, 1, "eth1", kInsideVip);
  };
  ASSERT_GE(waitFor(node2_holds_both, 2s), 0ms) << node1.log() << node2.log();
  EXPECT_EQ(stateOf(node1, "VI_2"), "FAULT");
  // The outside instance's own election says master (120 > 100, preempt), but
  // its group cannot be master: it waits in BACKUP, 10 adverts later still.
  std::this_thread::sleep_for(1s);
  auto outside = node1.instance("VI_1");
  EXPECT_EQ(outside["state"], "BACKUP") << outside.dump();
  EXPECT_EQ(outside["waiting_for_sync_group"], true) << outside.dump();
  EXPECT_FALSE(hasAddress(lab, 1, "eth0", kVip));
  EXPECT_TRUE(node2_holds_both());

  run("ip -n " + lab.node(1) + " link set eth1 up");
  ASSERT_GE(waitFor(node1_holds_both, 2s), 0ms) << node1.log() << node2.log();
}

// A TCP listener on port 8080 (any address) inside a namespace, on its own thread.
class Listener {
 public:
  Listener(const std::string& ns) : thread_([this, ns] { serve(ns); }) {}
  ~Listener() {
    stop_ = true;
    thread_.join();
  }

 private:
  void serve(const std::string& ns) {
    int nsfd = open(("/run/netns/" + ns).c_str(), O_RDONLY);
    if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) return;
    close(nsfd);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in any{};
    any.sin_family = AF_INET;
    any.sin_port = htons(8080);
    if (bind(fd, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0 || listen(fd, 512) != 0) return;
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 20) > 0)
        while (true) {
          int c = accept(fd, nullptr, nullptr);
          if (c < 0) break;
          close(c);
        }
    }
    close(fd);
  }
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Connects to address:8080 every 10 ms from inside a namespace, 200 ms connect timeout.
class Client {
 public:
  Client(const std::string& ns, const std::string& address) : thread_([this, ns, address] { loop(ns, address); }) {}
  ~Client() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::atomic<int> ok{0}, failed{0};

 private:
  void loop(const std::string& ns, const std::string& address) {
    int nsfd = open(("/run/netns/" + ns).c_str(), O_RDONLY);
    if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) return;
    close(nsfd);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(8080);
    inet_pton(AF_INET, address.c_str(), &to.sin_addr);
    while (!stop_) {
      auto next = std::chrono::steady_clock::now() + 10ms;
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      int rc = connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to);
      bool connected = rc == 0;
      if (!connected && errno == EINPROGRESS) {
        pollfd p{fd, POLLOUT, 0};
        int err = 0;
        socklen_t len = sizeof err;
        connected = poll(&p, 1, 200) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
      }
      close(fd);
      ++(connected ? ok : failed);
      std::this_thread::sleep_until(next);
    }
  }
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// At 1 s adverts the backup takes over Skew_Time (0.6 s) after the priority-0
// advert; with the VIP removed at once, SYNs sent in between are lost and a
// 200 ms connect timeout fails. The stopping master keeps it until it hears
// the new master, so no connect fails. The listeners are local services on
// the VIP (no IPVS), so both nodes run in Accept_Mode.
TEST_F(DaemonSync, SigtermHandsOverWithoutAFailedConnect) {
  Lab lab(3);
  Listener listener1(lab.node(1)), listener2(lab.node(2));
  VipdNode node1(lab, 1), node2(lab, 2);
  node1.start(kSlow, 120, "accept = true\n");
  ASSERT_GE(waitFor([&] { return node1.isMaster(); }, 5s), 0ms) << node1.log();
  node2.start(kSlow, 100, "accept = true\n");
  ASSERT_GE(waitFor([&] { return node2.isBackupOf("198.51.100.1"); }, 3s), 0ms) << node2.log();

  run("ip -n " + lab.node(3) + " route add 203.0.113.0/24 dev eth0");  // the VIP's subnet is on-link
  Client client(lab.node(3), kVip);
  std::this_thread::sleep_for(500ms);
  ASSERT_GT(client.ok, 10) << "the client cannot reach the VIP (" << client.failed << " failed)";
  auto before = std::chrono::steady_clock::now();
  node1.stop(SIGTERM);
  auto stop_took = std::chrono::steady_clock::now() - before;
  ASSERT_GE(waitFor([&] { return node2.isMaster(); }, 1s), 0ms) << node2.log();
  std::this_thread::sleep_for(500ms);
  client.stop();
  EXPECT_EQ(client.failed, 0) << client.ok << " connects succeeded\n" << node1.log();
  EXPECT_GT(client.ok, 100);
  // Released when node 2's first advert came (Skew_Time 0.6 s), well before the 1.09 s cap.
  EXPECT_LT(stop_took, 1000ms);
  EXPECT_GE(stop_took, 500ms);
  EXPECT_NE(node1.log().find("handover done"), std::string::npos) << node1.log();
  EXPECT_FALSE(lab.hasAddress(1, kVip));
}

// Milliseconds since midnight of the first log line containing `text`
// ("2026-11-28T06:12:39.986 info: ..."), or -1.
long logTimeMs(const std::string& log, const std::string& text) {
  auto at = log.find(text);
  if (at == std::string::npos) return -1;
  auto line = log.rfind('\n', at);
  line = line == std::string::npos ? 0 : line + 1;
  int h = 0, m = 0, sec = 0, ms = 0;
  if (std::sscanf(log.c_str() + line, "%*d-%*d-%*dT%d:%d:%d.%d", &h, &m, &sec, &ms) != 4) return -1;
  return ((h * 60L + m) * 60 + sec) * 1000 + ms;
}

// keepalived's preempt_delay: a higher-priority node that starts while a lower
// one is master waits preempt_delay from its start-up before taking over
// (without it: Master_Down_Interval, 353 ms). Timed by vipd's own log.
TEST_F(DaemonSync, PreemptDelayHoldsOffPreemptionAfterStartUp) {
  Lab lab(2);
  VipdNode node1(lab, 1), node2(lab, 2);
  node2.start(kFast, 100);
  ASSERT_GE(waitFor([&] { return node2.isMaster(); }, 3s), 0ms) << node2.log();
  node1.start(kFast, 120, "preempt_delay = \"1s\"\n");
  ASSERT_GE(waitFor([&] { return node1.isBackupOf("198.51.100.2"); }, 2s), 0ms) << node1.log();
  ASSERT_GE(waitFor([&] { return node1.isMaster() && node2.isBackupOf("198.51.100.1"); }, 2s), 0ms) << node1.log();
  auto log = node1.log();
  long backup = logTimeMs(log, "VI_1: INIT -> BACKUP"), master = logTimeMs(log, "VI_1: BACKUP -> MASTER");
  ASSERT_GE(backup, 0) << log;
  ASSERT_GE(master, 0) << log;
  // 1 s, then Skew_Time (136 * 10 / 256 = 5 cs) once the window closed.
  EXPECT_GE(master - backup, 1000) << log;
  EXPECT_LE(master - backup, 1250) << log;
}

}  // namespace
}  // namespace vipd::vrrp::testing

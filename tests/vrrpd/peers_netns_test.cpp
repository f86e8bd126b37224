// vipd (the daemon binary) against real peers: keepalived 2.2.7 with VRRPv2
// and VRRPv3, and FRR 8.4 vrrpd with VRRPv3. Node 1 runs the peer, node 2
// vipd. One scenario per peer walks through every direction:
//   1. the peer (150) is master over a vipd backup (100);
//   2. the peer crashes (SIGKILL): vipd takes over;
//   3. the peer comes back: it preempts vipd;
//   4. vipd's priority is raised to 200 by a reload (SIGHUP, applied in place):
//      vipd preempts, the peer is backup under a vipd master;
//   5. vipd stops (SIGTERM, priority 0): the peer takes over at once.
// After every change of master a gratuitous ARP from the new master's MAC must
// be seen on the bridge in the switch namespace (an unsolicited neighbour
// advertisement for an IPv6 VIP). Root only.
#include <gtest/gtest.h>

#include <memory>

#include "tests/vrrpd/peers.hpp"

namespace vipd::vrrp::testing {
namespace {

using namespace std::chrono_literals;

const std::string kPeerAddress = "198.51.100.1";
const std::string kVipdAddress = "198.51.100.2";

class PeerInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root for network namespaces";
  }

  // Runs the five steps; `peer` lives on node 1 of `lab`, its adverts come from `peer_address`.
  void runScenario(Lab& lab, Peer& peer, const Protocol& p, std::function<void()> before_restart = {},
                   const std::string& peer_address = kPeerAddress) {
    const std::string& vip = p.vip;
    // The longest wait is one Master_Down_Interval (3 intervals + skew) plus the peer's start-up.
    auto limit = std::chrono::milliseconds(p.interval_cs * 10 * 4 + 1500);
    ArpCapture arp(lab);
    VipdNode vipd(lab, 2);
    std::string vipd_mac = macOf(lab, 2);

    auto step = std::string("1: peer master over vipd backup");
    auto mark = arp.mark();
    peer.start(150);
    vipd.start(p, 100);
    ASSERT_GE(waitFor([&] { return peer.claimsMaster() && vipd.isBackupOf(peer_address); }, limit), 0ms)
        << step << "\n"
        << peer.log() << vipd.log();
    EXPECT_GE(waitFor([&] { return arp.seenSince(mark, peer.mac(), vip); }, 1s), 0ms) << step << arp.text();
    EXPECT_TRUE(vipd.instance()["drops"].empty()) << vipd.instance().dump();

    step = "2: peer crashes, vipd takes over";
    mark = arp.mark();
    auto start = std::chrono::steady_clock::now();
    peer.stop(SIGKILL);
    ASSERT_GE(waitFor([&] { return vipd.isMaster(); }, limit), 0ms) << step << "\n" << vipd.log();
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    std::printf("%s: %lld ms\n", step.c_str(), static_cast<long long>(took.count()));
    EXPECT_GE(waitFor([&] { return arp.seenSince(mark, vipd_mac, vip); }, 1s), 0ms) << step << arp.text();

    step = "3: peer returns and preempts";
    if (before_restart) before_restart();
    mark = arp.mark();
    peer.start(150);
    ASSERT_GE(waitFor([&] { return peer.claimsMaster() && vipd.isBackupOf(peer_address); }, limit), 0ms)
        << step << "\n"
        << peer.log() << vipd.log();
    EXPECT_GE(waitFor([&] { return arp.seenSince(mark, peer.mac(), vip); }, 1s), 0ms) << step << arp.text();
    int transitions = vipd.instance()["transitions"].get<int>();

    step = "4: reload raises vipd to 200, vipd preempts";
    mark = arp.mark();
    vipd.writeConfig(p, 200);
    vipd.signal(SIGHUP);
    ASSERT_GE(waitFor([&] { return vipd.isMaster() && !peer.claimsMaster(); }, limit), 0ms) << step << "\n"
                                                                                            << peer.log() << vipd.log();
    EXPECT_GE(waitFor([&] { return arp.seenSince(mark, vipd_mac, vip); }, 1s), 0ms) << step << arp.text();
    auto status = vipd.instance();
    EXPECT_EQ(status["effective_priority"], 200);
    EXPECT_EQ(status["transitions"], transitions + 1) << "the reload must change the instance in place";

    step = "5: vipd stops gracefully, the peer takes over";
    mark = arp.mark();
    start = std::chrono::steady_clock::now();
    vipd.stop(SIGTERM);
    took = waitFor([&] { return peer.claimsMaster(); }, limit);
    ASSERT_GE(took, 0ms) << step << "\n" << peer.log();
    took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    std::printf("%s: %lld ms\n", step.c_str(), static_cast<long long>(took.count()));
    EXPECT_FALSE(lab.hasAddress(2, vip));
    EXPECT_GE(waitFor([&] { return arp.seenSince(mark, peer.mac(), vip); }, 1s), 0ms) << step << arp.text();
  }
};

TEST_F(PeerInterop, KeepalivedVrrpV3) {
  Lab lab(2);
  Protocol p{3, 10};
  KeepalivedPeer peer(lab, 1, p);
  runScenario(lab, peer, p, [&] { peer.clearLog(); });
}

TEST_F(PeerInterop, KeepalivedVrrpV2) {
  Lab lab(2);
  Protocol p{2, 100};
  KeepalivedPeer peer(lab, 1, p);
  runScenario(lab, peer, p, [&] { peer.clearLog(); });
}

// VRRPv3 over IPv6: adverts to ff02::12 from link-local sources, a 2001:db8:: VIP.
TEST_F(PeerInterop, KeepalivedVrrpV3Ipv6) {
  Lab lab(2);
  ASSERT_GE(waitFor([&] { return linkLocalReady(lab, 1) && linkLocalReady(lab, 2); }, std::chrono::seconds(5)), 0ms);
  Protocol p{3, 10, "2001:db8::10"};
  KeepalivedPeer peer(lab, 1, p);
  runScenario(lab, peer, p, [&] { peer.clearLog(); }, linkLocalOf(lab, 1));
}

TEST_F(PeerInterop, FrrVrrpV3) {
  Lab lab(2);
  Protocol p{3, 10};
  FrrPeer peer(lab, 1, p);
  runScenario(lab, peer, p);
}

}  // namespace
}  // namespace vipd::vrrp::testing

// The shell driven through fake ports, time advanced by hand.
#include <gtest/gtest.h>

#include "tests/fakes/fake_vrrp_ports.hpp"
#include "vrrpd/engine.hpp"

namespace vipd::vrrp {
namespace {

using namespace std::chrono_literals;
using fakes::FakeVrrpPorts;

IpAddress ip(const char* t) { return *IpAddress::parse(t); }

conf::VrrpInstance instanceConfig(const char* name = "VI_1", int vrid = 51) {
  conf::VrrpInstance c;
  c.name = name;
  c.interface = "eth0";
  c.vrid = vrid;
  c.priority = 100;
  c.advert_interval = 1s;
  c.source_address = ip("198.51.100.2");
  c.virtual_addresses = {*IpPrefix::parse("198.51.100.100/24")};
  return c;
}

class EngineTest : public ::testing::Test {
 protected:
  EngineTest() : engine(fake.ports()) {}

  void applyInstances(std::vector<conf::VrrpInstance> instances) {
    config.vrrp_instances = std::move(instances);
    engine.apply(config);
  }
  fakes::FakePacketPort& socket() { return *fake.packets.ports.at({"eth0", Family::v4}); }
  void deliver(int priority, const char* source, uint8_t ttl = 255, int vrid = 51,
               std::vector<IpAddress> vips = {ip("198.51.100.100")}, uint16_t interval_cs = 100) {
    Advert a;
    a.vrid = static_cast<uint8_t>(vrid);
    a.priority = static_cast<uint8_t>(priority);
    a.interval = interval_cs;
    a.addresses = std::move(vips);
    auto bytes = encodeAdvert(a, ip(source), ip("224.0.0.18"));
    socket().deliver({ip(source), ip("224.0.0.18"), ttl, bytes});
  }
  Advert lastSent() {
    const auto& p = socket().sent.back();
    return std::get<ParsedAdvert>(parseAdvert(p.payload, {p.source, p.destination, 255})).advert;
  }
  State state(const char* name = "VI_1") { return engine.find(name)->state(); }

  FakeVrrpPorts fake;
  Engine engine;
  conf::Config config;
};

TEST_F(EngineTest, BecomesMasterAfterMasterDownIntervalAndAnnounces) {
  applyInstances({instanceConfig()});
  EXPECT_EQ(state(), State::backup);
  fake.timers.advance(3599ms);
  EXPECT_EQ(state(), State::backup);
  fake.timers.advance(1ms);  // 3 * 1 s + (156 * 100 / 256) cs = 3.6 s
  EXPECT_EQ(state(), State::master);
  EXPECT_TRUE(fake.addresses.has("eth0", "198.51.100.100/24"));
  EXPECT_EQ(lastSent().priority, 100);
  EXPECT_EQ(socket().sent.back().destination, ip("224.0.0.18"));
  fake.timers.advance(400ms);
  EXPECT_EQ(fake.frames.frames.size(), 5u);  // garp_count 5, 100 ms apart
  fake.timers.advance(600ms);
  EXPECT_EQ(socket().sent.size(), 2u);  // the next advert after 1 s
  EXPECT_EQ(engine.status()["instances"][0]["state"], "MASTER");
  EXPECT_EQ(engine.status()["instances"][0]["transitions"], 2);
}

// An IPv6 instance whose link-local source is still in duplicate address detection.
conf::VrrpInstance tentativeIpv6Instance(fakes::FakeAddressPort& addresses) {
  conf::VrrpInstance v6 = instanceConfig();
  v6.version = 3;
  v6.source_address = ip("fe80::2");
  v6.virtual_addresses = {*IpPrefix::parse("2001:db8::100/64")};
  addresses.still_tentative.insert(ip("fe80::2"));
  return v6;
}

TEST_F(EngineTest, AnIpv6InstanceWaitsWhileItsLinkLocalIsTentative) {
  applyInstances({tentativeIpv6Instance(fake.addresses)});
  EXPECT_EQ(state(), State::initialize);
  fake.timers.advance(4s);  // master down (3.6 s) would have passed
  EXPECT_EQ(state(), State::initialize);
  EXPECT_FALSE(fake.addresses.has("eth0", "2001:db8::100/64"));
  fake.addresses.still_tentative.clear();
  fake.timers.advance(100ms);
  EXPECT_EQ(state(), State::backup);
  fake.timers.advance(3600ms);
  EXPECT_EQ(state(), State::master);
}

TEST_F(EngineTest, AnInstanceWhoseSourceStaysTentativeStartsAfterFiveSeconds) {
  applyInstances({tentativeIpv6Instance(fake.addresses)});
  fake.timers.advance(4900ms);
  EXPECT_EQ(state(), State::initialize);
  fake.timers.advance(100ms);
  EXPECT_EQ(state(), State::backup);
}

TEST_F(EngineTest, BackupFollowsHigherMasterAndAdoptsItsInterval) {
  applyInstances({instanceConfig()});
  for (int i = 0; i < 20; ++i) {
    deliver(200, "198.51.100.1", 255, 51, {ip("198.51.100.100")}, 10);
    fake.timers.advance(100ms);
  }
  EXPECT_EQ(state(), State::backup);
  auto s = engine.status()["instances"][0];
  EXPECT_EQ(s["master_address"], "198.51.100.1");
  EXPECT_EQ(s["advert_interval_ms"], 100);
  EXPECT_EQ(s["adverts_received"], 20);
  fake.timers.advance(259ms);  // master down now 3 * 100 + 60 ms after the last advert
  EXPECT_EQ(state(), State::backup);
  fake.timers.advance(1ms);
  EXPECT_EQ(state(), State::master);
}

TEST_F(EngineTest, DropsAreCountedByReasonOnTheirInstance) {
  applyInstances({instanceConfig()});
  deliver(200, "198.51.100.1", 64);
  deliver(200, "198.51.100.1", 255, 51, {ip("198.51.100.101")});
  deliver(200, "198.51.100.1", 255, 52);
  auto s = engine.status();
  EXPECT_EQ(s["instances"][0]["drops"]["ttl"], 1);
  EXPECT_EQ(s["instances"][0]["drops"]["address_list"], 1);
  EXPECT_EQ(s["unattributed_drops"]["vrid"], 1);
  EXPECT_EQ(s["instances"][0]["adverts_received"], 0);
}

TEST_F(EngineTest, StaleVipFromACrashedRunIsRemovedAtStart) {
  fake.addresses.present["eth0"].insert(*IpPrefix::parse("198.51.100.100/24"));
  applyInstances({instanceConfig()});
  EXPECT_FALSE(fake.addresses.has("eth0", "198.51.100.100/24"));
  EXPECT_EQ(state(), State::backup);
}

TEST_F(EngineTest, UnchangedReloadLeavesMasterUntouched) {
  applyInstances({instanceConfig()});
  fake.timers.advance(4s);
  ASSERT_EQ(state(), State::master);
  int adds = fake.addresses.adds, removes = fake.addresses.removes;
  Instance* before = engine.find("VI_1");
  applyInstances({instanceConfig()});
  EXPECT_EQ(engine.find("VI_1"), before);
  EXPECT_EQ(state(), State::master);
  EXPECT_EQ(fake.addresses.adds, adds);
  EXPECT_EQ(fake.addresses.removes, removes);
}

TEST_F(EngineTest, PriorityChangeIsAppliedInPlaceAndAdvertisedAtOnce) {
  applyInstances({instanceConfig()});
  fake.timers.advance(4s);
  auto changed = instanceConfig();
  changed.priority = 120;
  changed.virtual_addresses.push_back(*IpPrefix::parse("198.51.100.101/24"));
  applyInstances({changed});
  EXPECT_EQ(state(), State::master);
  EXPECT_EQ(lastSent().priority, 120);
  EXPECT_EQ(lastSent().addresses.size(), 2u);
  EXPECT_TRUE(fake.addresses.has("eth0", "198.51.100.101/24"));
  EXPECT_TRUE(fake.addresses.has("eth0", "198.51.100.100/24"));
}

TEST_F(EngineTest, StopHandsOverKeepingVipsUntilTheNewMasterIsHeard) {
  applyInstances({instanceConfig()});
  fake.timers.advance(4s);
  bool done = false;
  engine.stop([&] { done = true; });
  EXPECT_EQ(lastSent().priority, 0);
  EXPECT_FALSE(done);
  fake.timers.advance(500ms);  // a backup of priority 90 takes over after its Skew_Time
  EXPECT_TRUE(fake.addresses.has("eth0", "198.51.100.100/24"));
  deliver(90, "198.51.100.1");
  EXPECT_TRUE(done);
  EXPECT_FALSE(fake.addresses.has("eth0", "198.51.100.100/24"));
  EXPECT_EQ(state(), State::initialize);
}

TEST_F(EngineTest, StopWithNobodyTakingOverReleasesAtTheCap) {
  applyInstances({instanceConfig()});
  fake.timers.advance(4s);
  bool done = false;
  engine.stop([&] { done = true; });
  fake.timers.advance(1089ms);
  EXPECT_FALSE(done);
  EXPECT_TRUE(fake.addresses.has("eth0", "198.51.100.100/24"));
  fake.timers.advance(1ms);  // handoverCap(3, 1 s): 99 cs + 100 ms
  EXPECT_TRUE(done);
  EXPECT_FALSE(fake.addresses.has("eth0", "198.51.100.100/24"));
}

TEST_F(EngineTest, StopOfABackupIsImmediate) {
  applyInstances({instanceConfig()});
  bool done = false;
  engine.stop([&] { done = true; });
  EXPECT_TRUE(done);
  EXPECT_TRUE(socket().sent.empty());
}

TEST_F(EngineTest, MasterHearingLowerPriorityAssertsAndReannounces) {
  applyInstances({instanceConfig()});
  fake.timers.advance(4s);
  fake.timers.advance(1s);
  auto sent = socket().sent.size(), frames = fake.frames.frames.size();
  deliver(50, "198.51.100.3");
  EXPECT_EQ(socket().sent.size(), sent + 1);
  EXPECT_EQ(fake.frames.frames.size(), frames + 1);
  EXPECT_EQ(state(), State::master);
  deliver(100, "198.51.100.3");  // equal priority, higher address wins
  EXPECT_EQ(state(), State::backup);
  EXPECT_FALSE(fake.addresses.has("eth0", "198.51.100.100/24"));
}

TEST_F(EngineTest, TrackScriptLowersPriorityAndBackupTakesOver) {
  conf::VrrpScript script{"check_nginx", {"/bin/check"}, 2s, 1s, 2, 2, -60};
  config.vrrp_scripts = {script};
  auto c = instanceConfig();
  c.track_scripts = {"check_nginx"};
  config.global.script_user = "nobody";
  applyInstances({c});
  fake.timers.advance(4s);
  ASSERT_EQ(state(), State::master);
  ASSERT_FALSE(fake.scripts.runs.empty());
  EXPECT_EQ(fake.scripts.runs.front().user, "nobody");
  EXPECT_TRUE(fake.scripts.finish("/bin/check", false));
  fake.timers.advance(2s);
  EXPECT_TRUE(fake.scripts.finish("/bin/check", false));
  EXPECT_EQ(engine.find("VI_1")->effectivePriority(), 40);
  EXPECT_EQ(lastSent().priority, 40);
  deliver(90, "198.51.100.1");
  EXPECT_EQ(state(), State::backup);
}

TEST_F(EngineTest, TrackedLinkDownIsFaultAndUpIsBackup) {
  auto c = instanceConfig();
  c.track_interfaces = {"eth1"};
  applyInstances({c});
  fake.timers.advance(4s);
  ASSERT_EQ(state(), State::master);
  fake.links.set("eth1", false);
  EXPECT_EQ(state(), State::fault);
  EXPECT_EQ(lastSent().priority, 0);
  EXPECT_FALSE(fake.addresses.has("eth0", "198.51.100.100/24"));
  EXPECT_EQ(engine.status()["instances"][0]["tracked"][0]["state"], "down");
  fake.links.set("eth1", true);
  EXPECT_EQ(state(), State::backup);
}

TEST_F(EngineTest, TrackedServiceWithoutQuorumIsFaultOrLowersPriority) {
  auto fault_on_loss = instanceConfig();
  fault_on_loss.track_services = {"web"};
  auto lowered = instanceConfig("VI_2", 52);
  lowered.virtual_addresses = {*IpPrefix::parse("198.51.100.101/24")};
  lowered.track_services = {"web"};
  lowered.track_services_weight = -30;
  engine.setServiceQuorum("web", true);  // the checks report before VRRP is applied
  applyInstances({fault_on_loss, lowered});
  fake.timers.advance(4s);
  ASSERT_EQ(state(), State::master);
  ASSERT_EQ(state("VI_2"), State::master);

  engine.setServiceQuorum("web", false);
  EXPECT_EQ(state(), State::fault);
  EXPECT_FALSE(fake.addresses.has("eth0", "198.51.100.100/24"));
  EXPECT_EQ(engine.find("VI_2")->effectivePriority(), 70);
  EXPECT_EQ(engine.status()["instances"][0]["tracked"][0],
            (nlohmann::json{{"name", "web"}, {"kind", "service"}, {"weight", 0}, {"state", "down"}}));

  engine.setServiceQuorum("web", true);
  EXPECT_EQ(state(), State::backup);
  EXPECT_EQ(engine.find("VI_2")->effectivePriority(), 100);
}

conf::VrrpInstance member(const char* name, int vrid, const char* vip, int priority) {
  auto c = instanceConfig(name, vrid);
  c.virtual_addresses = {*IpPrefix::parse(vip)};
  c.priority = priority;
  return c;
}

TEST_F(EngineTest, SyncGroupBecomesMasterWhenTheLastMemberWouldAndAllTogether) {
  auto a = member("A", 51, "198.51.100.100/24", 100);
  auto b = member("B", 52, "198.51.100.101/24", 50);  // Master_Down_Interval 3.8 s
  config.sync_groups = {{"G", {"A", "B"}}};
  applyInstances({a, b});
  fake.timers.advance(3600ms);  // A's own election says master, B's not yet
  EXPECT_EQ(state("A"), State::backup);
  EXPECT_TRUE(engine.find("A")->wantsMaster());
  EXPECT_FALSE(fake.addresses.has("eth0", "198.51.100.100/24"));
  EXPECT_EQ(engine.status()["instances"][0]["waiting_for_sync_group"], true);
  fake.timers.advance(200ms);
  EXPECT_EQ(state("A"), State::master);
  EXPECT_EQ(state("B"), State::master);
  EXPECT_TRUE(fake.addresses.has("eth0", "198.51.100.100/24"));
  EXPECT_TRUE(fake.addresses.has("eth0", "198.51.100.101/24"));
}

TEST_F(EngineTest, SyncGroupMemberFaultTakesTheOthersToBackupUntilItRecovers) {
  auto a = member("A", 51, "198.51.100.100/24", 100);
  a.track_interfaces = {"eth1"};
  auto b = member("B", 52, "198.51.100.101/24", 100);
  config.sync_groups = {{"G", {"A", "B"}}};
  applyInstances({a, b});
  fake.timers.advance(3600ms);
  ASSERT_EQ(state("A"), State::master);
  ASSERT_EQ(state("B"), State::master);
  auto sent = socket().sent.size();
  fake.links.set("eth1", false);
  EXPECT_EQ(state("A"), State::fault);
  EXPECT_EQ(state("B"), State::backup);
  EXPECT_EQ(socket().sent.size(), sent + 2);  // priority 0 from both
  EXPECT_EQ(lastSent().priority, 0);
  EXPECT_FALSE(fake.addresses.has("eth0", "198.51.100.101/24"));
  fake.timers.advance(10s);  // B's own election says master, A is in fault: B waits
  EXPECT_EQ(state("B"), State::backup);
  EXPECT_TRUE(engine.find("B")->wantsMaster());
  fake.links.set("eth1", true);
  EXPECT_EQ(state("A"), State::backup);
  fake.timers.advance(3600ms);
  EXPECT_EQ(state("A"), State::master);
  EXPECT_EQ(state("B"), State::master);
}

TEST_F(EngineTest, SyncGroupMemberHearingAHigherMasterTakesTheGroupToBackup) {
  auto a = member("A", 51, "198.51.100.100/24", 100);
  auto b = member("B", 52, "198.51.100.101/24", 100);
  config.sync_groups = {{"G", {"A", "B"}}};
  applyInstances({a, b});
  fake.timers.advance(3600ms);
  ASSERT_EQ(state("B"), State::master);
  for (int i = 0; i < 10; ++i) {  // only A's peer is there (a higher master for VRID 51)
    deliver(200, "198.51.100.1", 255, 51, {ip("198.51.100.100")});
    EXPECT_EQ(state("A"), State::backup);
    EXPECT_EQ(state("B"), State::backup);
    fake.timers.advance(1s);
  }
  EXPECT_FALSE(fake.addresses.has("eth0", "198.51.100.101/24"));
  EXPECT_TRUE(engine.find("B")->wantsMaster());  // its own election said master long ago
}

TEST_F(EngineTest, PreemptDelayCountsFromStartUp) {
  auto c = instanceConfig();
  c.priority = 120;
  c.preempt_delay = 2s;
  applyInstances({c});
  // A lower master advertises every second from the start.
  for (int i = 0; i < 2; ++i) {
    deliver(100, "198.51.100.1");
    fake.timers.advance(1s);
    EXPECT_EQ(state(), State::backup);
  }
  deliver(100, "198.51.100.1");
  fake.timers.advance(529ms);  // window ends at 2 s, then Skew_Time (136 * 100 / 256 = 53 cs)
  EXPECT_EQ(state(), State::backup);
  fake.timers.advance(1ms);
  EXPECT_EQ(state(), State::master);
}

TEST_F(EngineTest, NotifyRunsSeriallyInTransitionOrder) {
  auto c = instanceConfig();
  c.notify = "/bin/notify";
  applyInstances({c});
  fake.timers.advance(4s);                  // INIT -> BACKUP -> MASTER
  ASSERT_EQ(fake.scripts.runs.size(), 1u);  // the second waits for the first
  EXPECT_EQ(fake.scripts.runs[0].argv, (std::vector<std::string>{"/bin/notify", "INSTANCE", "VI_1", "BACKUP", "100"}));
  EXPECT_TRUE(fake.scripts.finish("/bin/notify", true));
  ASSERT_EQ(fake.scripts.runs.size(), 1u);
  EXPECT_EQ(fake.scripts.runs[0].argv[3], "MASTER");
}

TEST_F(EngineTest, UnicastPeersGetEachAdvertAndOthersAreDropped) {
  auto c = instanceConfig();
  c.unicast_peers = {ip("198.51.100.1"), ip("198.51.100.3")};
  applyInstances({c});
  fake.timers.advance(4s);
  ASSERT_EQ(socket().sent.size(), 2u);
  EXPECT_EQ(socket().sent[0].destination, ip("198.51.100.1"));
  EXPECT_EQ(socket().sent[1].destination, ip("198.51.100.3"));
  deliver(200, "198.51.100.9");
  EXPECT_EQ(engine.status()["instances"][0]["drops"]["not_a_peer"], 1);
  EXPECT_EQ(state(), State::master);
}

TEST_F(EngineTest, RemovedInstanceReleasesItsVips) {
  applyInstances({instanceConfig()});
  fake.timers.advance(4s);
  applyInstances({});
  EXPECT_EQ(engine.find("VI_1"), nullptr);
  EXPECT_FALSE(fake.addresses.has("eth0", "198.51.100.100/24"));
  EXPECT_TRUE(fake.packets.ports.size() == 1u);
}

TEST_F(EngineTest, StateObserverSeesEveryChange) {
  std::vector<std::pair<std::string, State>> seen;
  engine.onStateChange([&](const std::string& n, State s) { seen.emplace_back(n, s); });
  applyInstances({instanceConfig()});
  fake.timers.advance(4s);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1], std::make_pair(std::string("VI_1"), State::master));
}

}  // namespace
}  // namespace vipd::vrrp

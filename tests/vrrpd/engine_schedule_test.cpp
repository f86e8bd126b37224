// The hot path of many fast instances: the Adver_Timer on a fixed grid, the
// VRID demultiplexing of a shared socket, and the Master_Down_Timer that is
// not re-armed per advert and hears queued adverts before it decides.
#include <gtest/gtest.h>

#include "tests/fakes/fake_vrrp_ports.hpp"
#include "vrrpd/engine.hpp"
#include "vrrpd/vrid_table.hpp"

namespace vipd::vrrp {
namespace {

using namespace std::chrono_literals;
using fakes::FakeVrrpPorts;

IpAddress ip(const char* t) { return *IpAddress::parse(t); }

conf::VrrpInstance fastInstance(int vrid, int priority = 100) {
  conf::VrrpInstance c;
  c.name = "VI_" + std::to_string(vrid);
  c.interface = "eth0";
  c.vrid = vrid;
  c.priority = priority;
  c.advert_interval = 10ms;
  c.source_address = ip("198.51.100.2");
  c.virtual_addresses = {*IpPrefix::parse("203.0.113." + std::to_string(vrid) + "/24")};
  return c;
}

ReceivedPacket advertFrom(const char* source, int vrid, int priority) {
  Advert a;
  a.vrid = static_cast<uint8_t>(vrid);
  a.priority = static_cast<uint8_t>(priority);
  a.interval = 1;  // 10 ms
  a.addresses = {ip(("203.0.113." + std::to_string(vrid)).c_str())};
  return {ip(source), ip("224.0.0.18"), 255, encodeAdvert(a, ip(source), ip("224.0.0.18"))};
}

class ScheduleTest : public ::testing::Test {
 protected:
  ScheduleTest() : engine(fake.ports()) {}
  void applyInstances(std::vector<conf::VrrpInstance> instances) {
    config.vrrp_instances = std::move(instances);
    engine.apply(config);
  }
  fakes::FakePacketPort& socket() { return *fake.packets.ports.at({"eth0", Family::v4}); }
  std::size_t sent() { return socket().sent.size(); }
  nlohmann::json status(int vrid) {
    nlohmann::json all = engine.status();
    for (const auto& i : all["instances"])
      if (i["vrid"] == vrid) return i;
    return {};
  }

  FakeVrrpPorts fake;
  Engine engine;
  conf::Config config;
};

TEST_F(ScheduleTest, AdvertsStayOnTheirGridWhenTheLoopRunsLate) {
  applyInstances({fastInstance(1, 255)});  // the owner: master at once, t = 0
  ASSERT_EQ(engine.find("VI_1")->state(), State::master);
  EXPECT_EQ(sent(), 1u);
  fake.timers.advance(10ms);
  EXPECT_EQ(sent(), 2u);  // t = 10
  fake.timers.stall(13ms);
  fake.timers.advance(0ms);  // the t = 20 expiry runs 3 ms late
  EXPECT_EQ(sent(), 3u);
  fake.timers.advance(6ms);  // t = 29
  EXPECT_EQ(sent(), 3u);
  fake.timers.advance(1ms);  // t = 30 on the grid, not 23 + 10 = 33
  EXPECT_EQ(sent(), 4u);
  EXPECT_EQ(status(1)["advert_slots_missed"], 0);

  fake.timers.stall(35ms);   // t = 65: the slots 40, 50 and 60 passed
  fake.timers.advance(0ms);  // one advert for them all, no burst
  EXPECT_EQ(sent(), 5u);
  EXPECT_EQ(status(1)["advert_slots_missed"], 2);  // 50 and 60 (40 was sent late)
  fake.timers.advance(4ms);
  EXPECT_EQ(sent(), 5u);
  fake.timers.advance(1ms);  // t = 70
  EXPECT_EQ(sent(), 6u);
  fake.timers.advance(1000ms);
  EXPECT_EQ(sent(), 106u);  // exactly one per 10 ms
}

TEST_F(ScheduleTest, AnAdvertAnsweredAtOnceRestartsTheGridFromNow) {
  applyInstances({fastInstance(1, 255)});
  fake.timers.advance(4ms);
  socket().deliver(advertFrom("198.51.100.1", 1, 0));  // a master stepped down: answer at once (RFC 9568 6.4.3)
  EXPECT_EQ(sent(), 2u);
  fake.timers.advance(9ms);  // t = 13: not the old slot at 10
  EXPECT_EQ(sent(), 2u);
  fake.timers.advance(1ms);  // t = 14
  EXPECT_EQ(sent(), 3u);
}

TEST_F(ScheduleTest, PacketsReachOnlyTheInstanceOfTheirVrid) {
  std::vector<conf::VrrpInstance> many;
  for (int vrid = 1; vrid <= 200; ++vrid) many.push_back(fastInstance(vrid));
  applyInstances(many);
  socket().deliver(advertFrom("198.51.100.1", 137, 200));
  for (int vrid = 1; vrid <= 200; ++vrid) EXPECT_EQ(status(vrid)["adverts_received"], vrid == 137 ? 1 : 0) << vrid;
  EXPECT_EQ(status(137)["master_address"], "198.51.100.1");
  // A malformed packet for VRID 42 counts on VRID 42; an unknown VRID on the engine.
  auto bad = advertFrom("198.51.100.1", 42, 200);
  bad.ttl = 64;
  socket().deliver(bad);
  EXPECT_EQ(status(42)["drops"]["ttl"], 1);
  socket().deliver(advertFrom("198.51.100.1", 250, 200));
  EXPECT_EQ(engine.status()["unattributed_drops"]["vrid"], 1);
  socket().deliver({ip("198.51.100.1"), ip("224.0.0.18"), 255, {0x31}});  // too short for a VRID
  EXPECT_EQ(engine.status()["unattributed_drops"]["length"], 1);

  // A removed instance's VRID is free again; a new instance gets its packets.
  many.erase(many.begin() + 136);  // VRID 137
  applyInstances(many);
  socket().deliver(advertFrom("198.51.100.1", 137, 200));
  EXPECT_EQ(engine.status()["unattributed_drops"]["vrid"], 2);
  many.push_back(fastInstance(137));
  applyInstances(many);
  socket().deliver(advertFrom("198.51.100.1", 137, 200));
  EXPECT_EQ(status(137)["adverts_received"], 1);
}

TEST(VridTable, OneInstancePerVridFoundByByteOne) {
  int a = 0, b = 0;
  VridTable<int> table;
  EXPECT_TRUE(table.empty());
  EXPECT_TRUE(table.insert(51, &a));
  EXPECT_FALSE(table.insert(51, &b));  // taken
  EXPECT_EQ(table.at(51), &a);
  const uint8_t message[] = {0x31, 51, 100, 1};
  EXPECT_EQ(table.find(message), &a);
  EXPECT_EQ(table.find(std::span(message).first(1)), nullptr);
  table.erase(51, &b);  // not the holder: unchanged
  EXPECT_EQ(table.size(), 1u);
  table.erase(51, &a);
  EXPECT_EQ(table.find(message), nullptr);
  EXPECT_TRUE(table.empty());
}

TEST_F(ScheduleTest, MasterDownTimerIsNotRearmedPerAdvert) {
  applyInstances({fastInstance(1)});
  int starts_before = fake.timers.starts;
  for (int i = 0; i < 100; ++i) {  // a master at 10 ms for 1 s
    socket().deliver(advertFrom("198.51.100.1", 1, 200));
    fake.timers.advance(10ms);
  }
  EXPECT_EQ(engine.find("VI_1")->state(), State::backup);
  // Master_Down_Interval 30 ms: the timer object is re-armed when it expires
  // early (about every 20 ms), not once per advert.
  EXPECT_LE(fake.timers.starts - starts_before, 55);
  // Silence: master exactly Master_Down_Interval (30 ms, Skew_Time 0 cs) after the last advert.
  fake.timers.advance(19ms);  // t = last advert + 29 ms
  EXPECT_EQ(engine.find("VI_1")->state(), State::backup);
  fake.timers.advance(1ms);
  EXPECT_EQ(engine.find("VI_1")->state(), State::master);
}

TEST_F(ScheduleTest, QueuedAdvertsAreHeardBeforeMasterDownDecides) {
  applyInstances({fastInstance(1)});
  socket().deliver(advertFrom("198.51.100.1", 1, 200));  // t = 0: Master_Down at 30 ms
  socket().queue(advertFrom("198.51.100.1", 1, 200));    // arrived at t = 10, not read yet
  fake.timers.stall(40ms);                               // the loop stalls past the deadline
  fake.timers.advance(0ms);
  EXPECT_EQ(engine.find("VI_1")->state(), State::backup);
  EXPECT_EQ(socket().drains, 1);
  EXPECT_EQ(status(1)["master_down_late_adverts"], 1);
  EXPECT_EQ(status(1)["transitions"], 1);  // INIT -> BACKUP only
  fake.timers.advance(29ms);               // 30 ms after the queued advert was read (t = 40)
  EXPECT_EQ(engine.find("VI_1")->state(), State::backup);
  fake.timers.advance(1ms);
  EXPECT_EQ(engine.find("VI_1")->state(), State::master);  // nothing queued this time
  EXPECT_EQ(socket().drains, 2);
}

}  // namespace
}  // namespace vipd::vrrp

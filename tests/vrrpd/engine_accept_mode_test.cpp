// Accept_Mode through the engine: the guard follows the masters, with a fake filter.
#include <gtest/gtest.h>

#include "tests/fakes/fake_vrrp_ports.hpp"
#include "vrrpd/engine.hpp"

namespace vipd::vrrp {
namespace {

using namespace std::chrono_literals;

IpAddress ip(const char* t) { return *IpAddress::parse(t); }

// Records every guard applied; `fail` makes the next calls fail.
class FakeFilterPort : public FilterPort {
 public:
  Status guard(const std::vector<IpAddress>& guarded) override {
    if (fail) return Error::fromErrno(EPERM, "fake");
    applied.push_back(guarded);
    return Ok{};
  }
  std::vector<std::vector<IpAddress>> applied;
  bool fail = false;
};

conf::VrrpInstance instanceConfig(const char* name, int vrid, const char* vip, bool accept = false,
                                  int priority = 100) {
  conf::VrrpInstance c;
  c.name = name;
  c.interface = "eth0";
  c.vrid = vrid;
  c.priority = priority;
  c.accept = accept;
  c.advert_interval = 1s;
  c.source_address = ip("198.51.100.2");
  c.virtual_addresses = {*IpPrefix::parse(std::string(vip) + "/24")};
  return c;
}

class EngineAcceptModeTest : public ::testing::Test {
 protected:
  EngineAcceptModeTest() : engine(withFilter()) {}
  Ports withFilter() {
    Ports p = fake.ports();
    p.filter = &filter;
    return p;
  }
  void applyInstances(std::vector<conf::VrrpInstance> instances) {
    config.vrrp_instances = std::move(instances);
    engine.apply(config);
  }
  void deliver(int priority, const char* source, int vrid, const char* vip) {
    Advert a;
    a.vrid = static_cast<uint8_t>(vrid);
    a.priority = static_cast<uint8_t>(priority);
    a.interval = 100;
    a.addresses = {ip(vip)};
    auto bytes = encodeAdvert(a, ip(source), ip("224.0.0.18"));
    fake.packets.ports.at({"eth0", Family::v4})->deliver({ip(source), ip("224.0.0.18"), 255, bytes});
  }
  const std::vector<IpAddress>& lastGuard() { return filter.applied.back(); }

  fakes::FakeVrrpPorts fake;
  FakeFilterPort filter;
  Engine engine;
  conf::Config config;
};

TEST_F(EngineAcceptModeTest, FirstApplyClearsALeftoverGuard) {
  applyInstances({instanceConfig("VI_1", 51, "203.0.113.10")});
  ASSERT_EQ(filter.applied.size(), 1u);
  EXPECT_TRUE(lastGuard().empty());
}

TEST_F(EngineAcceptModeTest, GuardFollowsTheMasterStateOfNonAcceptingInstances) {
  applyInstances({instanceConfig("VI_1", 51, "203.0.113.10"), instanceConfig("VI_2", 52, "203.0.113.20", true),
                  instanceConfig("VI_3", 53, "203.0.113.30", false, 255)});
  fake.timers.advance(4s);  // all three masters
  ASSERT_EQ(engine.find("VI_1")->state(), State::master);
  ASSERT_EQ(engine.find("VI_3")->state(), State::master);
  EXPECT_EQ(lastGuard(), std::vector<IpAddress>{ip("203.0.113.10")});
  EXPECT_EQ(filter.applied.size(), 2u) << "changes of one loop iteration are applied once";
  EXPECT_EQ(engine.status()["accept_mode_guard"]["dropped_addresses"][0], "203.0.113.10");

  deliver(200, "198.51.100.1", 51, "203.0.113.10");  // VI_1 hears a better master
  EXPECT_EQ(engine.find("VI_1")->state(), State::backup);
  fake.timers.advance(0ms);
  EXPECT_TRUE(lastGuard().empty());
}

TEST_F(EngineAcceptModeTest, ReloadTurningAcceptOnLiftsTheGuardInPlace) {
  applyInstances({instanceConfig("VI_1", 51, "203.0.113.10")});
  fake.timers.advance(4s);
  ASSERT_EQ(lastGuard(), std::vector<IpAddress>{ip("203.0.113.10")});
  Instance* before = engine.find("VI_1");
  applyInstances({instanceConfig("VI_1", 51, "203.0.113.10", true)});
  fake.timers.advance(0ms);
  EXPECT_EQ(engine.find("VI_1"), before);
  EXPECT_EQ(engine.find("VI_1")->state(), State::master);
  EXPECT_TRUE(lastGuard().empty());
}

TEST_F(EngineAcceptModeTest, StopKeepsTheGuardWhileHandingOverAndRemovesItBeforeDone) {
  applyInstances({instanceConfig("VI_1", 51, "203.0.113.10")});
  fake.timers.advance(4s);
  bool done = false;
  engine.stop([&] {
    done = true;
    EXPECT_TRUE(lastGuard().empty());
  });
  fake.timers.advance(0ms);
  EXPECT_FALSE(done);
  EXPECT_EQ(lastGuard(), std::vector<IpAddress>{ip("203.0.113.10")}) << "the VIP is still here";
  deliver(90, "198.51.100.1", 51, "203.0.113.10");  // the new master is heard
  EXPECT_TRUE(done);
}

TEST_F(EngineAcceptModeTest, AFailedApplyIsCountedAndRetriedOnTheNextChange) {
  applyInstances({instanceConfig("VI_1", 51, "203.0.113.10")});
  filter.fail = true;
  fake.timers.advance(4s);
  EXPECT_EQ(engine.status()["accept_mode_guard"]["errors"], 1);
  filter.fail = false;
  deliver(200, "198.51.100.1", 51, "203.0.113.10");
  fake.timers.advance(0ms);
  EXPECT_TRUE(lastGuard().empty());
}

}  // namespace
}  // namespace vipd::vrrp

#include "daemon/real_server_gate.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <tuple>
#include <vector>

namespace vipd::daemon {
namespace {

using Told = std::tuple<std::string, std::string, bool>;

struct GateTest : ::testing::Test {
  GateTest() {
    conf::IpvsService web;
    web.name = "web";
    conf::RealServer plain, guest;
    plain.address = *Endpoint::parse("198.51.100.11:80");
    guest.address = *Endpoint::parse("198.51.100.12:80");
    guest.guest = "node4";
    web.real_servers = {plain, guest};
    ipvs.services = {web};
  }

  RealServerGate gate{[this](const std::string& service, const Endpoint& server, bool healthy) {
                        told.emplace_back(service, server.str(), healthy);
                      },
                      [this] { return now; }};
  conf::Ipvs ipvs;
  std::vector<Told> told;
  RealServerGate::Time now{std::chrono::hours(1)};
};

TEST_F(GateTest, AGuestServerIsOutUntilItsGuestRuns) {
  gate.configure(ipvs);
  EXPECT_EQ(told, (std::vector<Told>{{"web", "198.51.100.12:80", false}}));
  gate.guestRunning("node4", true);
  EXPECT_EQ(told.back(), Told("web", "198.51.100.12:80", true));
  gate.guestRunning("node4", false);
  EXPECT_EQ(told.back(), Told("web", "198.51.100.12:80", false));
  EXPECT_EQ(told.size(), 3u);
}

TEST_F(GateTest, ChecksAndGuestMustBothAgree) {
  gate.configure(ipvs);
  gate.guestRunning("node4", true);
  told.clear();
  gate.checkResult("web", *Endpoint::parse("198.51.100.12:80"), false);
  EXPECT_EQ(told, (std::vector<Told>{{"web", "198.51.100.12:80", false}}));
  gate.guestRunning("node4", false);  // still out: nothing new to tell
  gate.guestRunning("node4", true);   // checks still fail: still out
  EXPECT_EQ(told.size(), 1u);
  gate.checkResult("web", *Endpoint::parse("198.51.100.12:80"), true);
  EXPECT_EQ(told.back(), Told("web", "198.51.100.12:80", true));
}

TEST_F(GateTest, PlainServersFollowTheirChecksOnly) {
  gate.configure(ipvs);
  told.clear();
  gate.checkResult("web", *Endpoint::parse("198.51.100.11:80"), true);  // first sight, healthy: nothing to tell
  EXPECT_TRUE(told.empty());
  gate.checkResult("web", *Endpoint::parse("198.51.100.11:80"), false);
  gate.guestRunning("node4", true);
  EXPECT_EQ(told.front(), Told("web", "198.51.100.11:80", false));
}

TEST_F(GateTest, RepeatedReportsTellNothingNew) {
  gate.configure(ipvs);
  told.clear();
  const Endpoint plain = *Endpoint::parse("198.51.100.11:80");
  for (bool healthy : {true, true, false, false, true, true}) gate.checkResult("web", plain, healthy);
  EXPECT_EQ(told, (std::vector<Told>{{"web", "198.51.100.11:80", false}, {"web", "198.51.100.11:80", true}}));
}

TEST_F(GateTest, AServerThatStopsNamingAGuestComesBack) {
  gate.configure(ipvs);
  ipvs.services[0].real_servers[1].guest.clear();
  gate.configure(ipvs);
  EXPECT_EQ(told.back(), Told("web", "198.51.100.12:80", true));
}

using namespace std::chrono_literals;

// restart_after: the gate tells the shell when to wake it and asks for the
// restart of a guest whose server failed that long while it ran.
struct GateRestartTest : GateTest {
  GateRestartTest() {
    ipvs.services[0].real_servers[1].restart_after = 30s;
    gate.onRestart(
        [this](const std::string& guest, std::function<void()> done) {
          restarted.push_back(guest);
          pending.push_back(std::move(done));
        },
        [this](std::optional<RealServerGate::Time> at) { wake = at; });
    gate.configure(ipvs);
  }

  // What the shell's timer does: sleep until the wake time, then ask the
  // gate; each restart takes `restart_takes` to finish.
  void runUntil(RealServerGate::Time end) {
    while (true) {
      auto done_at = pending.empty() ? RealServerGate::Time::max() : restart_asked + restart_takes;
      auto next = std::min(wake.value_or(RealServerGate::Time::max()), done_at);
      if (next > end) break;
      now = next;
      if (next == done_at) {
        auto done = std::move(pending.front());
        pending.erase(pending.begin());
        done();
      } else {
        restart_asked = now;
        wake.reset();  // a timer that fired is no longer armed
        gate.restartsDue();
      }
    }
    now = end;
  }

  const Endpoint server = *Endpoint::parse("198.51.100.12:80");
  std::vector<std::string> restarted;
  std::vector<std::function<void()>> pending;  // restarts under way
  RealServerGate::Time restart_asked{};
  std::chrono::milliseconds restart_takes = 5s;
  std::optional<RealServerGate::Time> wake;
};

TEST_F(GateRestartTest, AGuestFailingItsChecksIsRestartedOncePerWindow) {
  auto t0 = now;
  gate.guestRunning("node4", true);
  gate.checkResult("web", server, false);
  EXPECT_EQ(wake, t0 + 30s);
  runUntil(t0 + 29s);
  EXPECT_TRUE(restarted.empty());
  runUntil(t0 + 30s);
  EXPECT_EQ(restarted, std::vector<std::string>{"node4"});
  EXPECT_EQ(wake, std::nullopt);  // while libvirt restarts it
  // Done at 35 s, still failing while it boots again: the next restart waits a whole window.
  runUntil(t0 + 35s);
  EXPECT_EQ(wake, t0 + 65s);
  runUntil(t0 + 64s);
  EXPECT_EQ(restarted.size(), 1u);
  runUntil(t0 + 101s);
  EXPECT_EQ(restarted.size(), 3u);  // at 65 s and 100 s
}

TEST_F(GateRestartTest, RecoveredChecksOrAStoppedGuestCancelTheRestart) {
  auto t0 = now;
  gate.guestRunning("node4", true);
  gate.checkResult("web", server, false);
  now = t0 + 20s;
  gate.checkResult("web", server, true);
  EXPECT_EQ(wake, std::nullopt);
  gate.checkResult("web", server, false);
  now = t0 + 25s;
  gate.guestRunning("node4", false);
  EXPECT_EQ(wake, std::nullopt);
  runUntil(t0 + 1h);
  EXPECT_TRUE(restarted.empty());
}

TEST_F(GateRestartTest, ServersWithoutRestartAfterOrAReloadThatDropsItNeverRestart) {
  gate.guestRunning("node4", true);
  gate.checkResult("web", *Endpoint::parse("198.51.100.11:80"), false);  // names no guest
  EXPECT_EQ(wake, std::nullopt);
  gate.checkResult("web", server, false);
  ipvs.services[0].real_servers[1].restart_after.reset();
  gate.configure(ipvs);
  EXPECT_EQ(wake, std::nullopt);
  runUntil(now + 1h);
  EXPECT_TRUE(restarted.empty());
}

}  // namespace
}  // namespace vipd::daemon

#include "healthcheck/monitor.hpp"

#include <gtest/gtest.h>

#include "conf/config.hpp"
#include "tests/fakes/healthcheck_fake_checker.hpp"
#include "tests/healthcheck/process_test_support.hpp"

namespace vipd::healthcheck {
namespace {

using namespace std::chrono_literals;
using vipd::testing::runUntil;

Endpoint ep(const char* text) { return *Endpoint::parse(text); }

conf::IpvsService service(std::string name, int quorum, std::vector<const char*> servers) {
  conf::IpvsService s;
  s.name = std::move(name);
  s.quorum = quorum;
  conf::HealthCheck check;
  check.type = conf::CheckType::tcp;
  check.interval = 10ms;
  check.timeout = 5ms;
  check.rise = 2;
  check.fall = 2;
  s.checks = {check};
  for (auto* server : servers) {
    conf::RealServer real_server;
    real_server.address = ep(server);
    s.real_servers.push_back(real_server);
  }
  return s;
}

class MonitorTest : public ::testing::Test {
 protected:
  MonitorTest() {
    config.ipvs.services.push_back(service("web", 1, {"127.0.0.1:80"}));
    config.ipvs.services.push_back(service("web-alt", 1, {"127.0.0.1:80", "127.0.0.2:80"}));
  }

  MonitorSinks sinks() {
    return {[this](const std::string& s, const Endpoint& e, bool healthy) {
              health[{s, e}] = healthy;
              ++health_calls;
            },
            [this](const std::string& s, bool quorum) { quorums[s] = quorum; }};
  }

  asio::io_context io;
  std::shared_ptr<fakes::FakeTargets> targets = std::make_shared<fakes::FakeTargets>();
  conf::Config config;
  std::map<ServerKey, bool> health;
  std::map<std::string, bool> quorums;
  int health_calls = 0;
  Monitor monitor{io, fakes::fakeCheckers(io, targets), sinks()};
};

TEST_F(MonitorTest, SharedChecksRunOnceAndFeedEveryService) {
  monitor.apply(config);
  EXPECT_EQ(targets->checkers_made, 2);
  EXPECT_EQ(health.size(), 3u);  // initial report: everything healthy
  EXPECT_TRUE(quorums.at("web"));

  targets->healthy[ep("127.0.0.1:80")] = false;
  ASSERT_TRUE(runUntil(
      io,
      [&] {
        return !health.at({"web", ep("127.0.0.1:80")});
      },
      2s));
  EXPECT_FALSE(health.at({"web-alt", ep("127.0.0.1:80")}));
  EXPECT_TRUE(health.at({"web-alt", ep("127.0.0.2:80")}));
  EXPECT_FALSE(quorums.at("web"));
  EXPECT_TRUE(quorums.at("web-alt"));

  const auto status = monitor.status();
  EXPECT_EQ(status["summary"], "2 checks, 1 failing, 1 services without quorum");
  EXPECT_EQ(status["transitions"]["real_servers"], 2);
  // Every probe started counts in the lateness histogram (start vs schedule).
  int probes = 0;
  for (const auto& [id, count] : targets->probes) probes += count;
  EXPECT_EQ(status["lateness"]["count"].get<int>(), probes);
  EXPECT_GE(status["lateness"]["p99_ms"].get<double>(), status["lateness"]["p50_ms"].get<double>());
  EXPECT_EQ(status["transitions"]["quorum"], 1);
  bool found = false;
  for (const auto& check : status["checks"]) {
    if (check["target"] != "127.0.0.1:80") continue;
    found = true;
    EXPECT_EQ(check["state"], "unhealthy");
    EXPECT_EQ(check["last"]["error"], "fake failure");
    EXPECT_GE(check["failures"].get<int>(), 2);
  }
  EXPECT_TRUE(found);

  targets->healthy[ep("127.0.0.1:80")] = true;
  ASSERT_TRUE(runUntil(
      io,
      [&] {
        return health.at({"web", ep("127.0.0.1:80")});
      },
      2s));
  EXPECT_TRUE(quorums.at("web"));
}

TEST_F(MonitorTest, ReloadKeepsFailedServersFailedAndCheckersRunning) {
  monitor.apply(config);
  targets->healthy[ep("127.0.0.1:80")] = false;
  ASSERT_TRUE(runUntil(
      io,
      [&] {
        return !health.at({"web", ep("127.0.0.1:80")});
      },
      2s));
  const int calls = health_calls;
  const int made = targets->checkers_made;

  config.ipvs.services[1].real_servers.push_back(config.ipvs.services[1].real_servers[1]);
  config.ipvs.services[1].real_servers.back().address = ep("127.0.0.3:80");
  monitor.apply(config);
  EXPECT_EQ(targets->checkers_made, made + 1);  // only the new server's check
  EXPECT_EQ(health_calls, calls + 1);           // only the new server announced
  EXPECT_FALSE(monitor.book().checks().begin()->second.threshold.healthy);

  const int probes_before = targets->probes.begin()->second;
  ASSERT_TRUE(runUntil(
      io, [&] { return targets->probes.begin()->second >= probes_before + 3; }, 2s));
  EXPECT_FALSE(health.at({"web", ep("127.0.0.1:80")}));
}

TEST_F(MonitorTest, ScriptUserChangeRemakesScriptCheckers) {
  conf::HealthCheck script;
  script.type = conf::CheckType::script;
  script.command = {"/bin/true"};
  script.interval = 10ms;
  config.ipvs.services[0].checks = {script};
  monitor.apply(config);
  const std::string id = makeCheckSpec(script, ep("127.0.0.1:80")).id;
  EXPECT_EQ(targets->users.at(id), "nobody");
  config.global.script_user = "daemon";
  monitor.apply(config);
  EXPECT_EQ(targets->users.at(id), "daemon");
}

// Probes due on the same step of the probe grid start in one handler, not one timer each.
TEST_F(MonitorTest, ProbesDueTogetherStartInOneHandler) {
  conf::Config many;
  std::vector<std::string> addresses;
  for (int i = 1; i <= 200; ++i) addresses.push_back("127.0.1." + std::to_string(i) + ":80");
  std::vector<const char*> servers;
  for (const auto& address : addresses) servers.push_back(address.c_str());
  many.ipvs.services.push_back(service("many", 1, servers));
  many.ipvs.services[0].checks[0].interval = 1s;  // no warmup: every first probe is due at once
  monitor.apply(many);
  io.run_one();  // the first wake-up
  EXPECT_EQ(targets->probes.size(), 200u);
}

TEST_F(MonitorTest, StopHaltsProbing) {
  monitor.apply(config);
  ASSERT_TRUE(runUntil(
      io, [&] { return targets->probes.size() == 2; }, 2s));
  bool stopped = false;
  monitor.stop([&] { stopped = true; });
  io.run_for(30ms);
  EXPECT_TRUE(stopped);
  const auto probes = targets->probes;
  io.run_for(50ms);
  EXPECT_EQ(targets->probes, probes);
}

}  // namespace
}  // namespace vipd::healthcheck

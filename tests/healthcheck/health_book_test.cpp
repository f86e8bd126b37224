#include "healthcheck/health_book.hpp"

#include <gtest/gtest.h>

#include "tests/healthcheck/plan_builders.hpp"

namespace vipd::healthcheck {
namespace {

using namespace std::chrono_literals;

using test::ep;
using test::realServer;

conf::HealthCheck tcpCheck(int rise = 2, int fall = 2) {
  conf::HealthCheck check;
  check.type = conf::CheckType::tcp;
  check.rise = rise;
  check.fall = fall;
  return check;
}

conf::IpvsService service(std::string name, int quorum, std::vector<const char*> servers) {
  conf::IpvsService s;
  s.name = std::move(name);
  s.quorum = quorum;
  s.checks = {tcpCheck()};
  for (auto* server : servers) s.real_servers.push_back(realServer(ep(server)));
  return s;
}

std::string idOf(const conf::HealthCheck& check, const char* server) { return makeCheckSpec(check, ep(server)).id; }

// A driven clock: every probe advances it by one interval.
struct Driver {
  HealthBook book;
  TimePoint now{std::chrono::seconds(100)};

  Events probe(const std::string& id, bool success) {
    now += 100ms;
    return book.record(id, ProbeResult{success, success ? "" : "connection refused", 3ms}, now);
  }
};

TEST(HealthBook, FirstPlanAnnouncesInitialStateHealthy) {
  Driver d;
  conf::Ipvs ipvs;
  ipvs.services.push_back(service("web", 3, {"127.0.0.1:80", "127.0.0.2:80"}));
  const ReloadDelta delta = d.book.reload(buildPlan(ipvs));
  EXPECT_EQ(delta.added.size(), 2u);
  EXPECT_TRUE(delta.kept.empty());
  ASSERT_EQ(delta.events.servers.size(), 2u);
  for (const auto& change : delta.events.servers) {
    EXPECT_TRUE(change.healthy);
    EXPECT_TRUE(change.initial);
  }
  ASSERT_EQ(delta.events.services.size(), 1u);
  EXPECT_FALSE(delta.events.services[0].has_quorum);  // 2 servers < quorum 3
  EXPECT_TRUE(delta.events.services[0].initial);
}

TEST(HealthBook, InitialStateDownWaitsForRise) {
  Driver d;
  conf::Ipvs ipvs;
  ipvs.services.push_back(service("web", 1, {"127.0.0.1:80"}));
  ipvs.services[0].checks[0].initial_down = true;
  ipvs.services[0].checks[0].rise = 3;
  const ReloadDelta delta = d.book.reload(buildPlan(ipvs));
  ASSERT_EQ(delta.events.servers.size(), 1u);
  EXPECT_FALSE(delta.events.servers[0].healthy);
  EXPECT_TRUE(delta.events.servers[0].initial);
  ASSERT_EQ(delta.events.services.size(), 1u);
  EXPECT_FALSE(delta.events.services[0].has_quorum);
  const std::string id = delta.added.at(0);
  EXPECT_NE(id, idOf(tcpCheck(3, 2), "127.0.0.1:80"));  // "down" is part of the identity
  EXPECT_TRUE(d.probe(id, true).servers.empty());
  EXPECT_TRUE(d.probe(id, true).servers.empty());
  const Events risen = d.probe(id, true);
  ASSERT_EQ(risen.servers.size(), 1u);
  EXPECT_TRUE(risen.servers[0].healthy);
  EXPECT_FALSE(risen.servers[0].initial);
  ASSERT_EQ(risen.services.size(), 1u);
  EXPECT_TRUE(risen.services[0].has_quorum);
  // A reload keeps the risen state: "down" applies to a check's start only.
  EXPECT_TRUE(d.book.reload(buildPlan(ipvs)).events.servers.empty());
}

TEST(HealthBook, QuorumTransitionsTable) {
  Driver d;
  conf::Ipvs ipvs;
  ipvs.services.push_back(service("web", 2, {"127.0.0.1:80", "127.0.0.2:80", "127.0.0.3:80"}));
  (void)d.book.reload(buildPlan(ipvs));
  const std::string a = idOf(tcpCheck(), "127.0.0.1:80");
  const std::string b = idOf(tcpCheck(), "127.0.0.2:80");

  struct Step {
    const std::string* check;
    bool success;
    int server_changes;  // real-server health events produced
    int quorum_events;   // service quorum events produced
    bool has_quorum;     // the book's view after the step
  };
  const Step steps[] = {
      {&a, false, 0, 0, true},                             // one failure < fall 2
      {&a, false, 1, 0, true},                             // a down: 2 of 3 healthy, quorum 2 holds
      {&b, false, 0, 0, true},  {&b, false, 1, 1, false},  // b down: 1 of 3, quorum lost
      {&b, false, 0, 0, false},                            // still down: no repeated event
      {&a, true, 0, 0, false},  {&a, true, 1, 1, true},    // a back after rise 2: quorum regained
  };
  int index = 0;
  for (const auto& step : steps) {
    const Events events = d.probe(*step.check, step.success);
    EXPECT_EQ(static_cast<int>(events.servers.size()), step.server_changes) << "step " << index;
    EXPECT_EQ(static_cast<int>(events.services.size()), step.quorum_events) << "step " << index;
    EXPECT_EQ(d.book.hasQuorum(d.book.plan().services[0]), step.has_quorum) << "step " << index;
    for (const auto& change : events.servers) EXPECT_FALSE(change.initial);
    ++index;
  }
  EXPECT_EQ(d.book.checks().at(a).transitions, 2u);
  EXPECT_EQ(d.book.checks().at(a).failures, 2u);
  EXPECT_EQ(d.book.checks().at(a).successes, 2u);
  EXPECT_EQ(d.book.checks().at(b).last->error, "connection refused");
  EXPECT_EQ(d.book.checks().at(b).last_probe_at, d.now - 200ms);
}

TEST(HealthBook, SharedCheckFeedsEveryService) {
  Driver d;
  conf::Ipvs ipvs;
  ipvs.services.push_back(service("web", 1, {"127.0.0.1:80"}));
  ipvs.services.push_back(service("web-alt", 1, {"127.0.0.1:80"}));
  (void)d.book.reload(buildPlan(ipvs));
  ASSERT_EQ(d.book.checks().size(), 1u);
  const std::string id = idOf(tcpCheck(), "127.0.0.1:80");
  (void)d.probe(id, false);
  const Events events = d.probe(id, false);
  ASSERT_EQ(events.checks.size(), 1u);
  EXPECT_FALSE(events.checks[0].healthy);
  ASSERT_EQ(events.servers.size(), 2u);
  EXPECT_EQ(events.servers[0].key.service, "web");
  EXPECT_EQ(events.servers[1].key.service, "web-alt");
  EXPECT_EQ(events.services.size(), 2u);
}

TEST(HealthBook, AllChecksOfAServerMustPass) {
  Driver d;
  conf::Ipvs ipvs;
  ipvs.services.push_back(service("web", 1, {"127.0.0.1:80"}));
  conf::HealthCheck http;
  http.type = conf::CheckType::http;
  http.rise = 1;
  http.fall = 1;
  ipvs.services[0].checks.push_back(http);
  (void)d.book.reload(buildPlan(ipvs));
  const std::string http_id = idOf(http, "127.0.0.1:80");
  const Events down = d.probe(http_id, false);
  ASSERT_EQ(down.servers.size(), 1u);
  EXPECT_FALSE(down.servers[0].healthy);
  EXPECT_FALSE(d.book.serverHealthy(d.book.plan().servers[0]));
}

TEST(HealthBook, UncheckedServerIsAlwaysHealthy) {
  Driver d;
  conf::Ipvs ipvs;
  ipvs.services.push_back(service("web", 1, {"127.0.0.1:80"}));
  ipvs.services[0].checks.clear();
  const ReloadDelta delta = d.book.reload(buildPlan(ipvs));
  EXPECT_TRUE(delta.added.empty());
  ASSERT_EQ(delta.events.servers.size(), 1u);
  EXPECT_TRUE(delta.events.servers[0].healthy);
  EXPECT_TRUE(delta.events.services[0].has_quorum);
}

TEST(HealthBook, ReloadKeepsStateOfUnchangedChecks) {
  Driver d;
  conf::Ipvs ipvs;
  ipvs.services.push_back(service("web", 1, {"127.0.0.1:80", "127.0.0.2:80"}));
  (void)d.book.reload(buildPlan(ipvs));
  const std::string a = idOf(tcpCheck(), "127.0.0.1:80");
  (void)d.probe(a, false);
  (void)d.probe(a, false);  // a is down
  const TimePoint last_probe = d.now;

  // Reload: same checks, a new server added, the warmup changed (not part of the identity).
  for (auto& check : ipvs.services[0].checks) check.warmup = 1s;
  ipvs.services[0].real_servers.push_back(realServer(ep("127.0.0.3:80")));
  const ReloadDelta delta = d.book.reload(buildPlan(ipvs));
  EXPECT_EQ(delta.kept.size(), 2u);
  EXPECT_EQ(delta.added, (std::vector<std::string>{idOf(tcpCheck(), "127.0.0.3:80")}));
  EXPECT_TRUE(delta.removed.empty());
  // Only the new server is announced; the failed one stays failed without an event.
  ASSERT_EQ(delta.events.servers.size(), 1u);
  EXPECT_EQ(delta.events.servers[0].key.server, ep("127.0.0.3:80"));
  EXPECT_TRUE(delta.events.services.empty());
  const CheckRecord& kept = d.book.checks().at(a);
  EXPECT_FALSE(kept.threshold.healthy);
  EXPECT_EQ(kept.failures, 2u);
  EXPECT_EQ(kept.last_probe_at, last_probe);
  EXPECT_EQ(kept.spec.params.warmup, 1s);
  EXPECT_FALSE(d.book.serverHealthy(d.book.plan().servers[0]));
}

TEST(HealthBook, ReloadWithChangedCheckStartsItAfresh) {
  Driver d;
  conf::Ipvs ipvs;
  ipvs.services.push_back(service("web", 1, {"127.0.0.1:80"}));
  (void)d.book.reload(buildPlan(ipvs));
  const std::string old_id = idOf(tcpCheck(), "127.0.0.1:80");
  (void)d.probe(old_id, false);
  (void)d.probe(old_id, false);

  ipvs.services[0].checks[0].fall = 5;
  const ReloadDelta delta = d.book.reload(buildPlan(ipvs));
  EXPECT_EQ(delta.removed, (std::vector<std::string>{old_id}));
  ASSERT_EQ(delta.added.size(), 1u);
  EXPECT_TRUE(delta.kept.empty());
  // The new check starts healthy, so the server comes back: a transition.
  ASSERT_EQ(delta.events.servers.size(), 1u);
  EXPECT_TRUE(delta.events.servers[0].healthy);
  EXPECT_FALSE(delta.events.servers[0].initial);
  EXPECT_FALSE(d.book.checks().contains(old_id));
}

TEST(HealthBook, RemovedServiceIsAnnouncedAgainWhenItReturns) {
  Driver d;
  conf::Ipvs ipvs;
  ipvs.services.push_back(service("web", 1, {"127.0.0.1:80"}));
  (void)d.book.reload(buildPlan(ipvs));
  (void)d.book.reload(buildPlan(conf::Ipvs{}));
  EXPECT_TRUE(d.book.checks().empty());
  const ReloadDelta delta = d.book.reload(buildPlan(ipvs));
  ASSERT_EQ(delta.events.services.size(), 1u);
  EXPECT_TRUE(delta.events.services[0].initial);
}

// The healthy counts kept per service survive a reload: after one server
// fell before the reload, a second one falling afterwards loses quorum 2 of 3.
TEST(HealthBook, QuorumCountsCarryOverAReload) {
  Driver d;
  conf::Ipvs ipvs;
  ipvs.services.push_back(service("web", 2, {"127.0.0.1:80", "127.0.0.2:80", "127.0.0.3:80"}));
  d.book.reload(buildPlan(ipvs));
  const std::string first = idOf(tcpCheck(), "127.0.0.1:80");
  const std::string second = idOf(tcpCheck(), "127.0.0.2:80");
  d.probe(first, false);
  EXPECT_EQ(d.probe(first, false).servers.size(), 1u);

  const ReloadDelta same = d.book.reload(buildPlan(ipvs));
  EXPECT_TRUE(same.events.servers.empty());
  EXPECT_TRUE(same.events.services.empty());

  d.probe(second, false);
  const Events lost = d.probe(second, false);
  ASSERT_EQ(lost.servers.size(), 1u);
  EXPECT_EQ(lost.servers[0].key.server, ep("127.0.0.2:80"));
  ASSERT_EQ(lost.services.size(), 1u);
  EXPECT_FALSE(lost.services[0].has_quorum);
  EXPECT_EQ(lost.services[0].healthy_servers, 1);
  EXPECT_EQ(d.book.healthyServers(d.book.plan().services[0]), 1);

  // One comes back: quorum again with 2.
  d.probe(first, true);
  const Events back = d.probe(first, true);
  ASSERT_EQ(back.services.size(), 1u);
  EXPECT_TRUE(back.services[0].has_quorum);
  EXPECT_EQ(back.services[0].healthy_servers, 2);
}

// Servers and services found at other positions after a reload (a service
// added in front, servers reordered) keep what was reported for them.
TEST(HealthBook, ReloadThatMovesServersAnnouncesOnlyWhatChanged) {
  Driver d;
  conf::Ipvs ipvs;
  ipvs.services.push_back(service("web", 2, {"127.0.0.1:80", "127.0.0.2:80"}));
  (void)d.book.reload(buildPlan(ipvs));
  const std::string a = idOf(tcpCheck(), "127.0.0.1:80");
  (void)d.probe(a, false);
  ASSERT_EQ(d.probe(a, false).services.size(), 1u) << "web lost its quorum";

  std::swap(ipvs.services[0].real_servers[0], ipvs.services[0].real_servers[1]);
  ipvs.services.insert(ipvs.services.begin(), service("mail", 1, {"127.0.0.9:25"}));
  const ReloadDelta delta = d.book.reload(buildPlan(ipvs));
  ASSERT_EQ(delta.events.servers.size(), 1u);
  EXPECT_EQ(delta.events.servers[0].key.server, ep("127.0.0.9:25"));
  EXPECT_TRUE(delta.events.servers[0].initial);
  ASSERT_EQ(delta.events.services.size(), 1u);
  EXPECT_EQ(delta.events.services[0].service, "mail");
  const ServicePlan& web = d.book.plan().services[1];
  EXPECT_EQ(web.name, "web");
  EXPECT_FALSE(d.book.hasQuorum(web));
  EXPECT_FALSE(d.book.serverHealthy(d.book.plan().servers[web.servers[1]])) << "127.0.0.1:80 stays down";
}

TEST(HealthBook, UnknownCheckIsIgnored) {
  Driver d;
  EXPECT_TRUE(d.probe("nope", false).servers.empty());
}

}  // namespace
}  // namespace vipd::healthcheck

#include <gtest/gtest.h>

#include "ipvs/desired_state.hpp"
#include "ipvs/reconciler.hpp"
#include "tests/fakes/fake_ipvs_kernel.hpp"

namespace vipd::ipvs {
namespace {

using namespace std::chrono_literals;
using testing::FakeIpvsKernel;

Endpoint ep(const char* text) { return *Endpoint::parse(text); }

conf::IpvsService web() {
  conf::IpvsService service;
  service.name = "web";
  service.address = ep("198.51.100.10:80");
  service.scheduler = "wlc";
  service.forwarding = conf::Forwarding::dr;
  for (const char* address : {"203.0.113.1:80", "203.0.113.2:80", "203.0.113.3:80"}) {
    conf::RealServer server;
    server.address = ep(address);
    server.weight = 1;
    service.real_servers.push_back(server);
  }
  return service;
}

conf::Ipvs config(std::vector<conf::IpvsService> services) {
  conf::Ipvs ipvs;
  ipvs.services = std::move(services);
  return ipvs;
}

ServiceKey webKey() { return ServiceKey::ofEndpoint(Protocol::tcp, ep("198.51.100.10:80")); }
DestinationKey dest(const char* text) { return DestinationKey{ep(text).address, ep(text).port}; }

std::vector<Op::Kind> kinds(const std::vector<Op>& ops) {
  std::vector<Op::Kind> out;
  for (const auto& op : ops) out.push_back(op.kind);
  return out;
}

// The engine's loop in miniature: desired from config, reconcile against a
// model of the kernel that starts as a fresh read.
struct Harness {
  FakeIpvsKernel kernel;
  Table actual;
  std::set<ServiceKey> owned;
  DrainClock drains;
  HealthView health;
  Clock::time_point now{};
  Duration drain_timeout = 5min;

  ApplyReport run(const conf::Ipvs& ipvs) {
    const Table desired = desiredState(ipvs, health).table();
    for (const auto& [key, state] : desired) owned.insert(key);
    kernel.clearLog();
    return reconcile(kernel, desired, actual, owned, drains, now, drain_timeout);
  }
  void restart() {
    actual = *readTable(kernel);
    owned.clear();
    drains.clear();
  }
};

using K = Op::Kind;

TEST(Reconciler, AddsServiceThenRealServersInOrder) {
  Harness h;
  const auto report = h.run(config({web()}));
  EXPECT_EQ(kinds(h.kernel.executed),
            (std::vector{K::addService, K::addDestination, K::addDestination, K::addDestination}));
  EXPECT_EQ(report.applied, 4u);
  EXPECT_EQ(report.failed, 0u);
  ASSERT_TRUE(h.kernel.table.contains(webKey()));
  EXPECT_EQ(h.kernel.table.at(webKey()).destinations.size(), 3u);
  EXPECT_EQ(h.kernel.table.at(webKey()).destinations.at(dest("203.0.113.2:80")).forwarding, Forwarding::dr);
}

TEST(Reconciler, RestartOverExistingRulesAdoptsThemWithZeroOps) {
  Harness h;
  h.run(config({web()}));
  h.restart();
  const auto report = h.run(config({web()}));
  EXPECT_TRUE(h.kernel.executed.empty());
  EXPECT_EQ(report.planned, 0u);
}

TEST(Reconciler, SecondRunWithoutRereadIsZeroOpsAndZeroReads) {
  Harness h;
  h.run(config({web()}));
  h.run(config({web()}));
  EXPECT_TRUE(h.kernel.executed.empty());
  EXPECT_EQ(h.kernel.reads, 0);
}

struct OneChange {
  const char* name;
  std::function<void(conf::IpvsService&)> change;
  Op::Kind kind;
  std::vector<Op::Kind> then = {};  // what a later pass still does (a drained server goes when idle)
};

class ReconcilerOneChange : public ::testing::TestWithParam<OneChange> {};

TEST_P(ReconcilerOneChange, IsExactlyOneOp) {
  Harness h;
  auto service = web();
  h.run(config({service}));
  GetParam().change(service);
  h.run(config({service}));
  ASSERT_EQ(h.kernel.executed.size(), 1u);
  EXPECT_EQ(h.kernel.executed[0].kind, GetParam().kind);
  // The kernel now matches the config: a further run (even after a restart) does nothing more.
  h.restart();
  h.run(config({service}));
  EXPECT_EQ(kinds(h.kernel.executed), GetParam().then);
  h.run(config({service}));
  EXPECT_TRUE(h.kernel.executed.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, ReconcilerOneChange,
    ::testing::Values(
        OneChange{"weight", [](auto& s) { s.real_servers[1].weight = 5; }, K::updateDestination},
        OneChange{"forwarding", [](auto& s) { s.real_servers[0].forwarding = conf::Forwarding::nat; },
                  K::updateDestination},
        OneChange{"threshold", [](auto& s) { s.real_servers[2].upper_threshold = 50; }, K::updateDestination},
        OneChange{"scheduler", [](auto& s) { s.scheduler = "rr"; }, K::updateService},
        OneChange{"persistence", [](auto& s) { s.persistence = 300s; }, K::updateService},
        OneChange{"sh_flags",
                  [](auto& s) {
                    s.scheduler = "sh";
                    s.scheduler_flags = {"fallback", "port"};
                  },
                  K::updateService},
        OneChange{"added_server",
                  [](auto& s) {
                    conf::RealServer server;
                    server.address = ep("203.0.113.4:80");
                    s.real_servers.push_back(server);
                  },
                  K::addDestination},
        OneChange{
            "removed_server", [](auto& s) { s.real_servers.pop_back(); }, K::drainDestination, {K::deleteDestination}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Reconciler, ServiceSettingsFromConfig) {
  auto service = web();
  service.scheduler = "mh";
  service.scheduler_flags = {"port"};
  service.persistence = 1800s;
  service.persistence_netmask = IpAddress::parse("255.255.255.0");
  const Service s = serviceFromConfig(service);
  EXPECT_EQ(s.scheduler, "mh");
  EXPECT_EQ(s.flags, kFlagPersistent | kFlagSchedPort);
  EXPECT_EQ(s.timeout, 1800u);
  EXPECT_EQ(s.netmask, 24);
}

TEST(Reconciler, RemovedServerDrainsThenGoesWhenIdle) {
  Harness h;
  auto service = web();
  h.run(config({service}));
  h.kernel.setActiveConnections(webKey(), dest("203.0.113.3:80"), 2);
  h.actual = *readTable(h.kernel);
  service.real_servers.pop_back();

  h.run(config({service}));
  ASSERT_EQ(kinds(h.kernel.executed), (std::vector{K::drainDestination}));
  EXPECT_EQ(h.kernel.table.at(webKey()).destinations.at(dest("203.0.113.3:80")).weight, 0);

  h.now += 10s;  // still busy: nothing to do
  h.run(config({service}));
  EXPECT_TRUE(h.kernel.executed.empty());

  h.kernel.setActiveConnections(webKey(), dest("203.0.113.3:80"), 0);
  h.actual = *readTable(h.kernel);
  h.run(config({service}));
  ASSERT_EQ(kinds(h.kernel.executed), (std::vector{K::deleteDestination}));
  EXPECT_FALSE(h.kernel.table.at(webKey()).destinations.contains(dest("203.0.113.3:80")));
}

TEST(Reconciler, BusyDrainedServerIsDeletedAtTheDrainTimeout) {
  Harness h;
  auto service = web();
  h.run(config({service}));
  h.kernel.setActiveConnections(webKey(), dest("203.0.113.3:80"), 7);
  h.actual = *readTable(h.kernel);
  service.real_servers.pop_back();
  h.run(config({service}));  // drain starts at t=0
  h.now += h.drain_timeout - 1s;
  h.run(config({service}));
  EXPECT_TRUE(h.kernel.executed.empty());
  h.now += 1s;
  h.run(config({service}));
  EXPECT_EQ(kinds(h.kernel.executed), (std::vector{K::deleteDestination}));
}

TEST(Reconciler, FwmarkAndIpv6Services) {
  Harness h;
  conf::IpvsService mark;
  mark.name = "mark";
  mark.fwmark = 42;
  mark.family = Family::v6;
  mark.scheduler = "sh";
  conf::RealServer server;
  server.address = ep("[2001:db8::10]:0");
  mark.real_servers.push_back(server);
  conf::IpvsService v6 = web();
  v6.name = "v6";
  v6.address = ep("[2001:db8::1]:443");
  v6.protocol = conf::Protocol::udp;
  v6.real_servers = {server};
  v6.real_servers[0].address = ep("[2001:db8::11]:443");
  h.run(config({mark, v6}));
  EXPECT_EQ(h.kernel.executed.size(), 4u);
  const auto markKey = ServiceKey::ofFwmark(Family::v6, 42);
  ASSERT_TRUE(h.kernel.table.contains(markKey));
  EXPECT_EQ(h.kernel.table.at(markKey).service.netmask, 128);
  EXPECT_TRUE(h.kernel.table.contains(ServiceKey::ofEndpoint(Protocol::udp, ep("[2001:db8::1]:443"))));
  h.restart();
  h.run(config({mark, v6}));
  EXPECT_TRUE(h.kernel.executed.empty());
}

TEST(Reconciler, ForeignRulesAreNeverTouched) {
  Harness h;
  const auto foreignKey = ServiceKey::ofEndpoint(Protocol::tcp, ep("198.51.100.99:25"));
  Service foreign;
  foreign.key = foreignKey;
  foreign.scheduler = "rr";
  h.kernel.table[foreignKey] = ServiceState{foreign, {}};
  Destination foreignDest;
  foreignDest.key = dest("203.0.113.99:25");
  h.kernel.table[foreignKey].destinations[foreignDest.key] = foreignDest;
  h.restart();

  h.run(config({web()}));
  h.run(config({}));  // web leaves the config: it is ours, so it goes; the foreign one stays
  ASSERT_EQ(kinds(h.kernel.executed), (std::vector{K::deleteService}));
  EXPECT_EQ(h.kernel.executed[0].service.key, webKey());
  EXPECT_TRUE(h.kernel.table.contains(foreignKey));
  EXPECT_EQ(h.kernel.table.at(foreignKey).destinations.size(), 1u);
}

TEST(Reconciler, ServiceRemovedWhileDownIsNotOwnedAfterRestart) {
  Harness h;
  h.run(config({web()}));
  h.restart();
  h.run(config({}));
  EXPECT_TRUE(h.kernel.executed.empty());
  EXPECT_TRUE(h.kernel.table.contains(webKey()));
}

TEST(Reconciler, OutdatedModelIsRereadOnceOnEexist) {
  Harness h;
  h.run(config({web()}));
  h.actual.clear();  // our model forgot everything; the kernel did not
  const auto report = h.run(config({web()}));
  EXPECT_EQ(report.rereads, 1u);
  EXPECT_GE(report.failed, 1u);
  EXPECT_EQ(h.actual.size(), 1u);
  // Only the first round's adds were tried: the re-diff found nothing to do.
  for (const auto& op : h.kernel.executed) EXPECT_NE(op.kind, K::deleteService);
  h.run(config({web()}));
  EXPECT_TRUE(h.kernel.executed.empty());
}

TEST(Reconciler, ServiceDeletedBehindOurBackIsRecreatedAfterEsrch) {
  Harness h;
  auto service = web();
  h.run(config({service}));
  h.kernel.table.clear();  // someone ran ipvsadm -C
  service.real_servers[0].weight = 9;
  const auto report = h.run(config({service}));
  EXPECT_EQ(report.rereads, 1u);
  ASSERT_TRUE(h.kernel.table.contains(webKey()));
  EXPECT_EQ(h.kernel.table.at(webKey()).destinations.size(), 3u);
  EXPECT_EQ(h.kernel.table.at(webKey()).destinations.at(dest("203.0.113.1:80")).weight, 9);
}

TEST(Reconciler, OtherErrorsAreCountedWithoutReread) {
  Harness h;
  h.kernel.fail_next_errno = EINVAL;
  const auto report = h.run(config({web()}));
  EXPECT_EQ(report.failed, 4u);                    // the service failed; its real servers then found no service
  EXPECT_EQ(report.rereads, 1u);                   // ESRCH from the real servers asks for one re-read
  EXPECT_TRUE(h.kernel.table.contains(webKey()));  // and the retry made it
  ASSERT_FALSE(report.errors.empty());
  EXPECT_EQ(report.errors[0].code.value(), EINVAL);
}

TEST(Reconciler, UnknownSchedulerFailsWithoutLooping) {
  Harness h;
  auto service = web();
  service.scheduler = "nosuch";
  const auto report = h.run(config({service}));
  EXPECT_EQ(report.rereads, 1u);
  EXPECT_EQ(report.applied, 0u);
  EXPECT_EQ(h.kernel.executed.size(), 8u);  // two rounds, then it stops
}

TEST(Reconciler, FailedServerIsRemovedOrInhibited) {
  Harness h;
  h.run(config({web()}));
  h.health.set("web", ep("203.0.113.2:80"), false);
  h.run(config({web()}));
  EXPECT_EQ(kinds(h.kernel.executed), (std::vector{K::drainDestination}));

  Harness inhibit;
  auto service = web();
  service.inhibit_on_failure = true;
  inhibit.run(config({service}));
  inhibit.health.set("web", ep("203.0.113.2:80"), false);
  inhibit.run(config({service}));
  ASSERT_EQ(kinds(inhibit.kernel.executed), (std::vector{K::updateDestination}));
  EXPECT_EQ(inhibit.kernel.executed[0].destination.weight, 0);
  inhibit.health.set("web", ep("203.0.113.2:80"), true);
  inhibit.run(config({service}));
  ASSERT_EQ(kinds(inhibit.kernel.executed), (std::vector{K::updateDestination}));
  EXPECT_EQ(inhibit.kernel.executed[0].destination.weight, 1);
}

TEST(Reconciler, BelowQuorumTheSorryServerServes) {
  Harness h;
  auto service = web();
  service.quorum = 2;
  service.sorry_server = ep("203.0.113.250:80");
  h.run(config({service}));
  EXPECT_FALSE(h.kernel.table.at(webKey()).destinations.contains(dest("203.0.113.250:80")));
  h.health.set("web", ep("203.0.113.1:80"), false);
  h.health.set("web", ep("203.0.113.2:80"), false);
  const auto desired = desiredState(config({service}), h.health);
  EXPECT_TRUE(desired.services.at(webKey()).sorry_active);
  h.run(config({service}));
  const auto& table = h.kernel.table.at(webKey()).destinations;
  EXPECT_EQ(table.at(dest("203.0.113.250:80")).weight, 1);
  EXPECT_EQ(table.at(dest("203.0.113.3:80")).weight, 0);  // healthy, kept idle
  h.health.set("web", ep("203.0.113.1:80"), true);
  h.run(config({service}));
  EXPECT_EQ(h.kernel.table.at(webKey()).destinations.at(dest("203.0.113.3:80")).weight, 1);
  EXPECT_EQ(h.kernel.table.at(webKey()).destinations.at(dest("203.0.113.250:80")).weight, 0);  // draining
}

}  // namespace
}  // namespace vipd::ipvs

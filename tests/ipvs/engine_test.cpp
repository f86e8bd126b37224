#include <gtest/gtest.h>

#include "ipvs/engine.hpp"
#include "tests/fakes/fake_ipvs_kernel.hpp"

namespace vipd::ipvs {
namespace {

using namespace std::chrono_literals;
using testing::FakeIpvsKernel;

Endpoint ep(const char* text) { return *Endpoint::parse(text); }

conf::Config makeConfig() {
  conf::Config config;
  conf::IpvsService web;
  web.name = "web";
  web.address = ep("198.51.100.10:80");
  web.scheduler = "wrr";
  for (const char* address : {"203.0.113.1:80", "203.0.113.2:80"}) {
    conf::RealServer server;
    server.address = ep(address);
    server.weight = 2;
    web.real_servers.push_back(server);
  }
  config.ipvs.services.push_back(web);
  return config;
}

const ServiceKey kWeb = ServiceKey::ofEndpoint(Protocol::tcp, *Endpoint::parse("198.51.100.10:80"));

struct EngineTest : ::testing::Test {
  asio::io_context io;
  FakeIpvsKernel* kernel = nullptr;
  std::unique_ptr<Engine> engine;

  void SetUp() override {
    auto fake = std::make_unique<FakeIpvsKernel>();
    kernel = fake.get();
    engine = std::make_unique<Engine>(io, std::move(fake));
  }
};

TEST_F(EngineTest, ApplyProgramsTheKernelAndReportsStatus) {
  engine->apply(makeConfig());
  ASSERT_TRUE(kernel->table.contains(kWeb));
  EXPECT_EQ(kernel->table.at(kWeb).service.scheduler, "wrr");
  EXPECT_EQ(engine->counters().ops_applied, 3u);

  const auto status = engine->status();
  EXPECT_EQ(status["summary"], "1 services, 2 real servers (2 healthy)");
  ASSERT_EQ(status["services"].size(), 1u);
  const auto& web = status["services"][0];
  EXPECT_EQ(web["name"], "web");
  EXPECT_EQ(web["owned"], true);
  EXPECT_EQ(web["address"], "198.51.100.10");
  EXPECT_EQ(web["port"], 80);
  ASSERT_EQ(web["real_servers"].size(), 2u);
  EXPECT_EQ(web["real_servers"][0]["forwarding"], "dr");
  EXPECT_EQ(web["real_servers"][0]["weight"], 2);
  EXPECT_EQ(web["real_servers"][0]["health"], "healthy");
  EXPECT_EQ(status["last_reconcile"]["ops"], 3);
}

TEST_F(EngineTest, ReloadOfTheSameConfigIssuesNoOpsAndNoReads) {
  engine->apply(makeConfig());
  kernel->clearLog();
  engine->apply(makeConfig());
  EXPECT_TRUE(kernel->executed.empty());
  EXPECT_EQ(kernel->reads, 0);
}

TEST_F(EngineTest, HealthChangeDrainsAndTickDeletesWhenIdle) {
  engine->apply(makeConfig());
  kernel->setActiveConnections(kWeb, DestinationKey{ep("203.0.113.2:80").address, 80}, 1);
  kernel->clearLog();
  engine->setHealth("web", ep("203.0.113.2:80"), false);
  ASSERT_EQ(kernel->executed.size(), 1u);
  EXPECT_EQ(kernel->executed[0].kind, Op::Kind::drainDestination);
  EXPECT_EQ(engine->status()["services"][0]["real_servers"][1]["health"], "failed");

  kernel->clearLog();
  engine->tick(Clock::now());  // still one active connection
  EXPECT_TRUE(kernel->executed.empty());
  kernel->setActiveConnections(kWeb, DestinationKey{ep("203.0.113.2:80").address, 80}, 0);
  engine->tick(Clock::now());
  ASSERT_EQ(kernel->executed.size(), 1u);
  EXPECT_EQ(kernel->executed[0].kind, Op::Kind::deleteDestination);
  EXPECT_EQ(kernel->table.at(kWeb).destinations.size(), 1u);
}

TEST_F(EngineTest, MissingIpvsIsReportedThenRecoveredByTick) {
  kernel->fail_reads_errno = EPROTONOSUPPORT;
  engine->apply(makeConfig());
  EXPECT_TRUE(kernel->table.empty());
  const auto status = engine->status();
  EXPECT_EQ(status["kernel_available"], false);
  EXPECT_NE(status["summary"].get<std::string>().find("kernel unavailable"), std::string::npos);
  EXPECT_GE(engine->counters().read_errors, 1u);

  kernel->fail_reads_errno.reset();
  engine->tick(Clock::now());
  EXPECT_TRUE(kernel->table.contains(kWeb));
}

TEST_F(EngineTest, StopLeavesRulesUnlessFlushOnStop) {
  engine->apply(makeConfig());
  bool done = false;
  engine->stop([&] { done = true; });
  EXPECT_TRUE(done);
  EXPECT_TRUE(kernel->table.contains(kWeb));
}

TEST_F(EngineTest, FlushOnStopRemovesOnlyOwnedServices) {
  Service foreign;
  foreign.key = ServiceKey::ofEndpoint(Protocol::udp, ep("198.51.100.99:53"));
  foreign.scheduler = "rr";
  kernel->table[foreign.key] = ServiceState{foreign, {}};
  auto config = makeConfig();
  config.ipvs.flush_on_stop = true;
  engine->apply(config);
  bool done = false;
  engine->stop([&] { done = true; });
  EXPECT_TRUE(done);
  EXPECT_FALSE(kernel->table.contains(kWeb));
  EXPECT_TRUE(kernel->table.contains(foreign.key));
}

TEST_F(EngineTest, SyncBackupAlwaysRunsAndMasterOutlivesMasterStateToFlush) {
  auto config = makeConfig();
  config.ipvs.sync = conf::IpvsSync{"eth1", 51, "VI_1"};
  engine->apply(config);
  const SyncDaemon backup{SyncState::backup, "eth1", 51}, master{SyncState::master, "eth1", 51};
  ASSERT_EQ(kernel->daemons, (std::vector{backup}));
  engine->setSyncRole(true);
  ASSERT_EQ(kernel->daemons, (std::vector{backup, master}));
  EXPECT_EQ(engine->status()["sync"]["daemons"].size(), 2u);
  // Leaving MASTER keeps the master daemon until the kernel flushed its buffer.
  engine->setSyncRole(false);
  EXPECT_EQ(kernel->daemons, (std::vector{backup, master}));
  engine->tick(Clock::now() + Engine::kSyncMasterLinger / 2);
  EXPECT_EQ(kernel->daemons, (std::vector{backup, master}));
  engine->tick(Clock::now() + Engine::kSyncMasterLinger + 1s);
  EXPECT_EQ(kernel->daemons, (std::vector{backup}));
  config.ipvs.sync.reset();
  engine->apply(config);
  EXPECT_TRUE(kernel->daemons.empty());
}

TEST_F(EngineTest, SyncMasterLeftByAnEarlierRunFlushesThenStopsAndOtherInterfacesAreReplaced) {
  const SyncDaemon old_master{SyncState::master, "eth1", 51};
  kernel->daemons = {old_master, SyncDaemon{SyncState::backup, "eth0", 7}};
  auto config = makeConfig();
  config.ipvs.sync = conf::IpvsSync{"eth1", 51, "VI_1"};
  engine->apply(config);
  const SyncDaemon backup{SyncState::backup, "eth1", 51};
  EXPECT_EQ(kernel->daemons, (std::vector{old_master, backup}));
  engine->tick(Clock::now() + Engine::kSyncMasterLinger + 1s);
  EXPECT_EQ(kernel->daemons, (std::vector{backup}));
}

TEST_F(EngineTest, ConfiguredTimeoutsAreSet) {
  auto config = makeConfig();
  config.ipvs.timeout_tcp = 600s;
  engine->apply(config);
  EXPECT_EQ(kernel->current_timeouts, (Timeouts{600, 120, 300}));
}

TEST_F(EngineTest, ConfiguredSysctlsAreWrittenOnlyWhenDifferent) {
  auto config = makeConfig();
  config.ipvs.expire_nodest_conn = true;
  config.ipvs.conn_reuse_mode = 1;  // already the kernel's value
  engine->apply(config);
  EXPECT_EQ(kernel->sysctls.at("expire_nodest_conn"), 1);
  EXPECT_EQ(kernel->sysctls.at("sloppy_tcp"), 0);  // unset: left alone
  EXPECT_EQ(kernel->sysctl_writes, 1);
  EXPECT_EQ(engine->status()["sysctls"]["wanted"], (nlohmann::json{{"conn_reuse_mode", 1}, {"expire_nodest_conn", 1}}));

  // A reload that turns it off writes it back; one that leaves a key out keeps the kernel's value.
  config.ipvs.expire_nodest_conn = false;
  config.ipvs.conn_reuse_mode.reset();
  config.ipvs.sloppy_tcp = true;
  engine->apply(config);
  EXPECT_EQ(kernel->sysctls.at("expire_nodest_conn"), 0);
  EXPECT_EQ(kernel->sysctls.at("sloppy_tcp"), 1);
  EXPECT_EQ(kernel->sysctls.at("conn_reuse_mode"), 1);
  EXPECT_EQ(kernel->sysctl_writes, 3);
}

TEST_F(EngineTest, SysctlFailureIsReportedNotFatal) {
  kernel->fail_sysctl_errno = EACCES;
  auto config = makeConfig();
  config.ipvs.expire_quiescent_template = true;
  engine->apply(config);
  EXPECT_TRUE(kernel->table.contains(kWeb));  // the table is programmed anyway
  EXPECT_EQ(engine->counters().sysctl_errors, 1u);
  const auto status = engine->status();
  EXPECT_NE(status["sysctls"]["error"].get<std::string>().find("expire_quiescent_template"), std::string::npos);
  EXPECT_NE(status["summary"].get<std::string>().find("sysctl failed"), std::string::npos);

  kernel->fail_sysctl_errno.reset();
  engine->apply(config);
  EXPECT_EQ(kernel->sysctls.at("expire_quiescent_template"), 1);
  EXPECT_EQ(engine->status()["sysctls"]["error"], "");
}

TEST_F(EngineTest, KernelErrorsAreCountedNotThrown) {
  auto config = makeConfig();
  config.ipvs.services[0].scheduler = "nosuch";
  EXPECT_NO_THROW(engine->apply(config));
  EXPECT_GT(engine->counters().op_errors, 0u);
  EXPECT_NE(engine->status()["summary"].get<std::string>().find("kernel errors"), std::string::npos);
}

}  // namespace
}  // namespace vipd::ipvs

namespace vipd::ipvs {
namespace {

conf::Config manyServices(int count) {
  conf::Config config;
  for (int i = 0; i < count; ++i) {
    conf::IpvsService s;
    s.name = "s" + std::to_string(i);
    s.address = *Endpoint::parse("198.51.100.1:" + std::to_string(1000 + i));
    s.scheduler = "rr";
    conf::RealServer server;
    server.address = *Endpoint::parse("203.0.113.1:80");
    s.real_servers.push_back(server);
    config.ipvs.services.push_back(s);
  }
  return config;
}

TEST(EngineCounters, StatusReadsOnlyTheServiceDumpAndTicksRefreshRealServersInSlices) {
  asio::io_context io;
  auto fake = std::make_unique<testing::FakeIpvsKernel>();
  auto* kernel = fake.get();
  Engine engine(io, std::move(fake));
  const int count = static_cast<int>(Engine::kCounterServicesPerTick) + 44;
  engine.apply(manyServices(count));
  ASSERT_EQ(kernel->table.size(), static_cast<std::size_t>(count));

  const ServiceKey first = kernel->table.begin()->first;
  const ServiceKey last = kernel->table.rbegin()->first;
  const DestinationKey rs{Endpoint::parse("203.0.113.1:80")->address, 80};
  kernel->setActiveConnections(first, rs, 7);
  kernel->setActiveConnections(last, rs, 9);

  kernel->clearLog();
  auto status = engine.status();
  EXPECT_EQ(kernel->reads, 1);  // one services dump, no real server dump
  EXPECT_EQ(status["services"].size(), static_cast<std::size_t>(count));
  EXPECT_EQ(status["services"][0]["real_servers"][0]["active_conns"], 0);  // not read yet

  kernel->clearLog();
  engine.tick(Clock::now());
  EXPECT_EQ(kernel->reads, static_cast<int>(Engine::kCounterServicesPerTick));
  status = engine.status();
  EXPECT_EQ(status["services"][0]["real_servers"][0]["active_conns"], 7);
  EXPECT_EQ(status["services"][count - 1]["real_servers"][0]["active_conns"], 0);  // next slice

  kernel->clearLog();
  engine.tick(Clock::now());
  EXPECT_EQ(kernel->reads, static_cast<int>(Engine::kCounterServicesPerTick));  // 44 left, then round again
  EXPECT_EQ(engine.status()["services"][count - 1]["real_servers"][0]["active_conns"], 9);
  EXPECT_TRUE(kernel->executed.empty());
}

conf::Config threeServices() {
  conf::Config config;
  for (int i = 0; i < 3; ++i) {
    conf::IpvsService service;
    service.name = "s" + std::to_string(i);
    service.address = ep(("198.51.100." + std::to_string(i + 1) + ":80").c_str());
    service.scheduler = "wrr";
    for (const char* address : {"203.0.113.1:80", "203.0.113.2:80"}) {
      conf::RealServer server;
      server.address = ep(address);
      service.real_servers.push_back(server);
    }
    config.ipvs.services.push_back(service);
  }
  return config;
}

// A one-service change rebuilds and diffs that service only: one desired
// state built, one op, no kernel read; the other services are not looked at.
TEST_F(EngineTest, OneServiceChangeRebuildsAndDiffsOnlyThatService) {
  engine->apply(threeServices());
  EXPECT_EQ(engine->desiredBuilds(), 3u);
  kernel->clearLog();

  engine->apply(threeServices());
  EXPECT_EQ(engine->desiredBuilds(), 3u);
  EXPECT_TRUE(kernel->executed.empty());

  auto changed = threeServices();
  changed.ipvs.services[1].real_servers[0].weight = 5;
  engine->apply(changed);
  EXPECT_EQ(engine->desiredBuilds(), 4u);
  ASSERT_EQ(kernel->executed.size(), 1u);
  EXPECT_EQ(kernel->executed[0].kind, Op::Kind::updateDestination);
  EXPECT_EQ(kernel->executed[0].service.key.address, ep("198.51.100.2:80").address);
  EXPECT_EQ(kernel->reads, 0);
  EXPECT_EQ(engine->lastReconcile().ops, 1u);

  // A rule changed behind vipd's back in an untouched service is not seen by
  // a diff of the changed service only (the model is trusted)...
  kernel->table.begin()->second.destinations.begin()->second.weight = 9;
  kernel->clearLog();
  engine->setHealth("s2", ep("203.0.113.2:80"), false);
  EXPECT_EQ(engine->desiredBuilds(), 5u);
  ASSERT_EQ(kernel->executed.size(), 1u);
  EXPECT_EQ(kernel->executed[0].kind, Op::Kind::drainDestination);
  EXPECT_EQ(kernel->executed[0].service.key.address, ep("198.51.100.3:80").address);

  // ...and removing a service deletes it alone.
  auto fewer = changed;
  fewer.ipvs.services.pop_back();
  kernel->clearLog();
  engine->apply(fewer);
  EXPECT_EQ(engine->desiredBuilds(), 5u);
  ASSERT_EQ(kernel->executed.size(), 1u);
  EXPECT_EQ(kernel->executed[0].kind, Op::Kind::deleteService);
  EXPECT_FALSE(kernel->table.contains(ServiceKey::ofEndpoint(Protocol::tcp, ep("198.51.100.3:80"))));
}

// With the loader's fingerprints an unchanged service is recognised by its
// fingerprint alone (its fields are not compared: equal fingerprints are
// trusted); a new fingerprint over equal fields rebuilds nothing.
TEST_F(EngineTest, FingerprintsDecideWhichServicesChanged) {
  auto config = threeServices();
  config.ipvs.service_fingerprints = {11, 12, 13};
  engine->apply(config);
  kernel->clearLog();

  auto changed = config;
  changed.ipvs.services[1].real_servers[0].weight = 5;
  changed.ipvs.service_fingerprints[1] = 22;
  engine->apply(changed);
  EXPECT_EQ(engine->desiredBuilds(), 4u);
  ASSERT_EQ(kernel->executed.size(), 1u);
  EXPECT_EQ(kernel->executed[0].service.key.address, ep("198.51.100.2:80").address);

  auto same_fingerprint = changed;
  same_fingerprint.ipvs.services[0].real_servers[0].weight = 7;
  kernel->clearLog();
  engine->apply(same_fingerprint);
  EXPECT_EQ(engine->desiredBuilds(), 4u);
  EXPECT_TRUE(kernel->executed.empty());

  auto reformatted = changed;
  reformatted.ipvs.service_fingerprints = {31, 32, 33};
  engine->apply(reformatted);
  EXPECT_EQ(engine->desiredBuilds(), 4u);
  EXPECT_TRUE(kernel->executed.empty());

  // Without fingerprints the fields decide again.
  auto unfingerprinted = same_fingerprint;
  unfingerprinted.ipvs.service_fingerprints.clear();
  engine->apply(unfingerprinted);
  EXPECT_EQ(engine->desiredBuilds(), 5u);
  ASSERT_EQ(kernel->executed.size(), 1u);
  EXPECT_EQ(kernel->executed[0].service.key.address, ep("198.51.100.1:80").address);
}

// Services listed in another order are the same services: nothing rebuilt,
// nothing done; a swap of one service for another in one apply is one delete
// and one add (with its real servers).
TEST_F(EngineTest, ReorderedOrSwappedServicesAreMatchedByKey) {
  engine->apply(threeServices());
  kernel->clearLog();
  auto reordered = threeServices();
  std::swap(reordered.ipvs.services[0], reordered.ipvs.services[2]);
  engine->apply(reordered);
  EXPECT_EQ(engine->desiredBuilds(), 3u);
  EXPECT_TRUE(kernel->executed.empty());

  auto swapped = reordered;
  swapped.ipvs.services[1].name = "new";
  swapped.ipvs.services[1].address = ep("198.51.100.9:80");
  engine->apply(swapped);
  EXPECT_EQ(engine->desiredBuilds(), 4u);  // the new one (the gone one is only erased)
  ASSERT_EQ(kernel->executed.size(), 4u);
  EXPECT_EQ(kernel->executed[0].kind, Op::Kind::addService);
  EXPECT_EQ(kernel->executed[3].kind, Op::Kind::deleteService);
  EXPECT_EQ(kernel->table.size(), 3u);
}

// With fingerprints, a service replaced by another at its place is one
// delete and one add; a service that moved to another place is the same service.
TEST_F(EngineTest, FingerprintedReloadMatchesMovedAndReplacedServices) {
  auto config = threeServices();
  config.ipvs.service_fingerprints = {11, 12, 13};
  engine->apply(config);
  kernel->clearLog();

  auto swapped = config;
  swapped.ipvs.services[1].name = "new";
  swapped.ipvs.services[1].address = ep("198.51.100.9:80");
  swapped.ipvs.service_fingerprints[1] = 19;
  engine->apply(swapped);
  EXPECT_EQ(engine->desiredBuilds(), 4u);
  ASSERT_EQ(kernel->executed.size(), 4u);
  EXPECT_EQ(kernel->executed[0].kind, Op::Kind::addService);
  EXPECT_EQ(kernel->executed[0].service.key.address, ep("198.51.100.9:80").address);
  EXPECT_EQ(kernel->executed[3].kind, Op::Kind::deleteService);
  EXPECT_EQ(kernel->executed[3].service.key.address, ep("198.51.100.2:80").address);
  EXPECT_EQ(kernel->table.size(), 3u);

  auto moved = swapped;
  std::swap(moved.ipvs.services[0], moved.ipvs.services[1]);
  std::swap(moved.ipvs.service_fingerprints[0], moved.ipvs.service_fingerprints[1]);
  kernel->clearLog();
  engine->apply(moved);
  EXPECT_EQ(engine->desiredBuilds(), 4u);
  EXPECT_TRUE(kernel->executed.empty());
  EXPECT_EQ(kernel->table.size(), 3u);
}

// A change the kernel refused is diffed again on the next reconcile, even
// when that one is about another service.
TEST_F(EngineTest, RefusedChangeIsRetriedWithTheNextReconcile) {
  engine->apply(threeServices());
  auto changed = threeServices();
  changed.ipvs.services[0].real_servers[0].weight = 5;
  kernel->fail_next_errno = EINVAL;
  engine->apply(changed);
  EXPECT_EQ(engine->counters().op_errors, 1u);
  kernel->clearLog();
  changed.ipvs.services[2].real_servers[0].weight = 7;
  engine->apply(changed);
  ASSERT_EQ(kernel->executed.size(), 2u);
  EXPECT_EQ(kernel->table.at(ServiceKey::ofEndpoint(Protocol::tcp, ep("198.51.100.1:80")))
                .destinations.at(DestinationKey{ep("203.0.113.1:80").address, 80})
                .weight,
            5);
}

// After a stop (flush_on_stop), an apply of the same config programs it again.
TEST_F(EngineTest, ApplyAfterFlushOnStopReprogramsEverything) {
  auto config = threeServices();
  config.ipvs.flush_on_stop = true;
  engine->apply(config);
  engine->stop({});
  EXPECT_TRUE(kernel->table.empty());
  engine->apply(config);
  EXPECT_EQ(kernel->table.size(), 3u);
}

}  // namespace
}  // namespace vipd::ipvs

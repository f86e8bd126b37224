// Runs inside the test VM (tests/vm/vm-run.sh) against the real kernel's
// IPVS. Fails, not skips, where the IPVS family is missing: it is registered
// to run only in the VM. Reads back with vipd's own dump and with ipvsadm.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "ipvs/engine.hpp"
#include "ipvs/netlink_kernel.hpp"
#include "tests/support/without_threads.hpp"

namespace vipd::ipvs {
namespace {

using namespace std::chrono_literals;

std::string run(const std::string& command) {
  std::string output;
  if (FILE* pipe = ::popen((command + " 2>&1").c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) output.append(buf, n);
    ::pclose(pipe);
  }
  return output;
}

Endpoint ep(const std::string& text) { return *Endpoint::parse(text); }

// ipvsadm -Ln, as service line -> (scheduler, real server -> "Forward Weight").
struct IpvsadmService {
  std::string scheduler;
  std::string options;  // the rest of the service line (persistent, mask, flags)
  std::map<std::string, std::string> servers;
};

std::map<std::string, IpvsadmService> ipvsadmList() {
  std::map<std::string, IpvsadmService> services;
  std::istringstream lines(run("ipvsadm -Ln"));
  std::string line;
  IpvsadmService* current = nullptr;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::vector<std::string> w;
    for (std::string word; words >> word;) w.push_back(word);
    if (w.size() >= 3 && (w[0] == "TCP" || w[0] == "UDP" || w[0] == "SCTP" || w[0] == "FWM")) {
      std::size_t at = 2;
      std::string key = w[0] + " " + w[1];
      if (w[0] == "FWM" && w[2] == "IPv6") key += " IPv6", ++at;
      current = &services[key];
      current->scheduler = w[at];
      for (std::size_t i = at + 1; i < w.size(); ++i) current->options += (current->options.empty() ? "" : " ") + w[i];
    } else if (current && w.size() >= 4 && w[0] == "->" && w[1] != "RemoteAddress:Port") {
      current->servers[w[1]] = w[2] + " " + w[3];
    }
  }
  return services;
}

std::string ipvsadmKey(const ServiceKey& key) {
  if (key.isFwmark()) return "FWM " + std::to_string(key.fwmark) + (key.family == Family::v6 ? " IPv6" : "");
  std::string proto = key.protocol == Protocol::tcp ? "TCP" : key.protocol == Protocol::udp ? "UDP" : "SCTP";
  return proto + " " + Endpoint{key.address, key.port}.str();
}

std::string ipvsadmForward(Forwarding f) {
  return f == Forwarding::dr ? "Route" : f == Forwarding::nat ? "Masq" : f == Forwarding::tun ? "Tunnel" : "Local";
}

conf::RealServer server(const std::string& address, int weight, conf::Forwarding forwarding) {
  conf::RealServer rs;
  rs.address = ep(address);
  rs.weight = weight;
  rs.forwarding = forwarding;
  return rs;
}

// Every scheduler, IPv4 and IPv6, each service with dr, nat and tun real
// servers; plus fwmark services of both families, persistence and sh/mh flags.
conf::Config everything() {
  conf::Config config;
  const std::vector<std::string> schedulers = {"rr", "wrr", "lc",   "wlc",   "sed", "nq", "mh",
                                               "sh", "dh",  "lblc", "lblcr", "fo",  "ovf"};
  int n = 0;
  for (const auto& scheduler : schedulers) {
    for (bool v6 : {false, true}) {
      ++n;
      conf::IpvsService s;
      s.name = scheduler + (v6 ? "6" : "4");
      s.address = ep(v6 ? "[2001:db8::" + std::to_string(n) + "]:80" : "198.51.100." + std::to_string(n) + ":80");
      s.protocol = n % 3 == 0 ? conf::Protocol::udp : n % 3 == 1 ? conf::Protocol::tcp : conf::Protocol::sctp;
      s.scheduler = scheduler;
      if (scheduler == "sh" || scheduler == "mh") s.scheduler_flags = {"fallback", "port"};
      if (scheduler == "wlc") {
        s.persistence = 300s;
        s.persistence_netmask = IpAddress::parse(v6 ? "ffff:ffff:ffff:ffff::" : "255.255.255.0");
      }
      const std::string base = v6 ? "[2001:db8:1::" : "203.0.113.";
      const std::string tail = v6 ? "]:8080" : ":8080";
      s.real_servers = {server(base + std::to_string(n * 3 % 250 + 1) + tail, 1, conf::Forwarding::dr),
                        server(base + std::to_string(n * 3 % 250 + 2) + tail, 2, conf::Forwarding::nat),
                        server(base + std::to_string(n * 3 % 250 + 3) + tail, 3, conf::Forwarding::tun)};
      s.real_servers[1].upper_threshold = 100;
      s.real_servers[1].lower_threshold = 10;
      config.ipvs.services.push_back(s);
    }
  }
  for (bool v6 : {false, true}) {
    conf::IpvsService mark;
    mark.name = v6 ? "mark6" : "mark4";
    mark.fwmark = v6 ? 66 : 44;
    mark.family = v6 ? Family::v6 : Family::v4;
    mark.scheduler = "rr";
    mark.real_servers = {server(v6 ? "[2001:db8:2::1]:0" : "203.0.113.251:0", 1, conf::Forwarding::dr)};
    config.ipvs.services.push_back(mark);
  }
  return config;
}

class KernelVmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    run("ipvsadm -C");
    auto info = NetlinkKernel().info();
    ASSERT_TRUE(info.ok()) << "IPVS generic netlink family unavailable: " << info.error().message();
  }
  void TearDown() override { run("ipvsadm -C"); }

  std::unique_ptr<Engine> engine(NetlinkKernel** raw = nullptr) {
    auto kernel = std::make_unique<NetlinkKernel>();
    if (raw) *raw = kernel.get();
    return std::make_unique<Engine>(io, std::move(kernel));
  }

  asio::io_context io;
};

TEST_F(KernelVmTest, InfoTimeoutsAndErrnos) {
  NetlinkKernel kernel;
  auto info = kernel.info();
  ASSERT_TRUE(info.ok());
  EXPECT_GE(info->version, 0x010200u);
  EXPECT_GT(info->conn_table_size, 0u);

  ASSERT_TRUE(kernel.setTimeouts(Timeouts{600, 60, 200}).ok());
  auto timeouts = kernel.timeouts();
  ASSERT_TRUE(timeouts.ok());
  EXPECT_EQ(*timeouts, (Timeouts{600, 60, 200}));
  EXPECT_NE(run("ipvsadm -L --timeout").find("600 60 200"), std::string::npos);

  Service service;
  service.key = ServiceKey::ofEndpoint(Protocol::tcp, ep("198.51.100.50:80"));
  service.scheduler = "rr";
  ASSERT_TRUE(kernel.execute(Op{Op::Kind::addService, service, {}}).ok());
  auto again = kernel.execute(Op{Op::Kind::addService, service, {}});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code.value(), EEXIST);
  Destination missing;
  missing.key = DestinationKey{ep("203.0.113.50:80").address, 80};
  auto noDest = kernel.execute(Op{Op::Kind::deleteDestination, service, missing});
  ASSERT_FALSE(noDest.ok());
  EXPECT_EQ(noDest.error().code.value(), ENOENT);
  Service absent = service;
  absent.key.port = 81;
  auto noService = kernel.execute(Op{Op::Kind::updateService, absent, {}});
  ASSERT_FALSE(noService.ok());
  EXPECT_EQ(noService.error().code.value(), ESRCH);
  service.scheduler = "nosuch";
  auto badScheduler = kernel.execute(Op{Op::Kind::updateService, service, {}});
  EXPECT_FALSE(badScheduler.ok());
}

TEST_F(KernelVmTest, EverySchedulerForwardingAndFamilyReadsBackBothWays) {
  const conf::Config config = everything();
  auto e = engine();
  e->apply(config);
  EXPECT_EQ(e->counters().op_errors, 0u);

  NetlinkKernel reader;
  auto table = readTable(reader);
  ASSERT_TRUE(table.ok()) << table.error().message();
  const Table desired = desiredState(config.ipvs, HealthView{}).table();
  ASSERT_EQ(table->size(), desired.size());
  for (const auto& [key, want] : desired) {
    ASSERT_TRUE(table->contains(key)) << key.str();
    const auto& have = table->at(key);
    EXPECT_TRUE(have.service.sameSettings(want.service)) << key.str() << " scheduler " << have.service.scheduler;
    ASSERT_EQ(have.destinations.size(), want.destinations.size()) << key.str();
    for (const auto& [dkey, d] : want.destinations) {
      ASSERT_TRUE(have.destinations.contains(dkey)) << key.str() << " " << dkey.str();
      EXPECT_TRUE(have.destinations.at(dkey).sameSettings(d)) << key.str() << " " << dkey.str();
    }
  }

  const auto listed = ipvsadmList();
  ASSERT_EQ(listed.size(), config.ipvs.services.size()) << run("ipvsadm -Ln");
  for (const auto& s : config.ipvs.services) {
    const Service service = serviceFromConfig(s);
    const auto it = listed.find(ipvsadmKey(service.key));
    ASSERT_NE(it, listed.end()) << ipvsadmKey(service.key) << "\n" << run("ipvsadm -Ln");
    EXPECT_EQ(it->second.scheduler, s.scheduler);
    if (s.persistence > 0s) {
      EXPECT_NE(it->second.options.find("persistent 300"), std::string::npos) << it->first;
    }
    if (s.persistence_netmask) {
      const bool v6 = service.key.family == Family::v6;
      EXPECT_NE(it->second.options.find(v6 ? "mask 64" : "mask 255.255.255.0"), std::string::npos)
          << it->first << ": " << it->second.options;
    }
    ASSERT_EQ(it->second.servers.size(), s.real_servers.size()) << it->first;
    for (const auto& rs : s.real_servers) {
      const auto server = it->second.servers.find(rs.address.str());
      ASSERT_NE(server, it->second.servers.end()) << it->first << " " << rs.address.str();
      EXPECT_EQ(server->second, ipvsadmForward(forwardingFromConfig(rs.forwarding.value_or(s.forwarding))) + " " +
                                    std::to_string(rs.weight));
    }
  }
}

TEST_F(KernelVmTest, RestartIssuesZeroOpsAndOneChangeIssuesOneOp) {
  conf::Config config = everything();
  engine()->apply(config);

  auto restarted = engine();  // a new process: fresh socket, empty memory
  restarted->apply(config);
  EXPECT_EQ(restarted->lastReconcile().ops, 0u);
  EXPECT_EQ(restarted->counters().ops_applied, 0u);

  config.ipvs.services[3].real_servers[1].weight = 7;
  restarted->apply(config);
  EXPECT_EQ(restarted->lastReconcile().ops, 1u);
  EXPECT_EQ(restarted->counters().op_errors, 0u);
  const auto listed = ipvsadmList();
  const auto key = ipvsadmKey(serviceFromConfig(config.ipvs.services[3]).key);
  EXPECT_EQ(listed.at(key).servers.at(config.ipvs.services[3].real_servers[1].address.str()), "Masq 7");
}

TEST_F(KernelVmTest, ForeignRulesSurviveAndRemovedServersDrain) {
  ASSERT_EQ(run("ipvsadm -A -t 198.51.100.200:25 -s rr && ipvsadm -a -t 198.51.100.200:25 -r 203.0.113.200:25 -g "
                "&& echo ok"),
            "ok\n");
  conf::Config config = everything();
  auto e = engine();
  e->apply(config);
  config.ipvs.services[0].real_servers.pop_back();
  const std::string removed = everything().ipvs.services[0].real_servers.back().address.str();
  const std::string key = ipvsadmKey(serviceFromConfig(config.ipvs.services[0]).key);
  config.ipvs.services.pop_back();  // mark6 leaves the config: it is ours, so it goes
  e->apply(config);
  auto listed = ipvsadmList();
  EXPECT_EQ(listed.count("FWM 66 IPv6"), 0u);
  EXPECT_EQ(listed.at(key).servers.at(removed), "Tunnel 0");  // drained first
  e->tick(Clock::now());                                      // no connection: deleted
  listed = ipvsadmList();
  EXPECT_EQ(listed.at(key).servers.count(removed), 0u);
  ASSERT_EQ(listed.count("TCP 198.51.100.200:25"), 1u);
  EXPECT_EQ(listed.at("TCP 198.51.100.200:25").servers.at("203.0.113.200:25"), "Route 1");

  conf::Config flush = config;
  flush.ipvs.flush_on_stop = true;
  e->apply(flush);
  e->stop({});
  listed = ipvsadmList();
  EXPECT_EQ(listed.size(), 1u) << run("ipvsadm -Ln");
  EXPECT_EQ(listed.count("TCP 198.51.100.200:25"), 1u);
}

TEST_F(KernelVmTest, SyncBackupAlwaysRunsAndMasterJoinsIt) {
  conf::Config config;
  config.ipvs.sync = conf::IpvsSync{"lo", 51, "VI_1"};
  auto e = engine();
  e->apply(config);
  NetlinkKernel reader;
  auto daemons = reader.syncDaemons();
  ASSERT_TRUE(daemons.ok()) << daemons.error().message();
  ASSERT_EQ(daemons->size(), 1u);
  EXPECT_EQ((*daemons)[0], (SyncDaemon{SyncState::backup, "lo", 51}));
  e->setSyncRole(true);
  e->setSyncRole(false);
  daemons = reader.syncDaemons();
  ASSERT_TRUE(daemons.ok());
  ASSERT_EQ(daemons->size(), 2u);
  const auto listing = run("ipvsadm -L --daemon");
  EXPECT_NE(listing.find("master sync daemon (mcast=lo, syncid=51"), std::string::npos) << listing;
  EXPECT_NE(listing.find("backup sync daemon (mcast=lo, syncid=51"), std::string::npos) << listing;
  ASSERT_TRUE(reader.stopSyncDaemon(SyncState::master).ok());
  ASSERT_TRUE(reader.stopSyncDaemon(SyncState::backup).ok());
}

// Failures inside a batch (only the batch's last request asks for an ack)
// land on exactly the ops that failed, across batch boundaries too.
TEST_F(KernelVmTest, BatchedChangesReportEachFailureOnItsOp) {
  Service a, b;
  a.key = ServiceKey::ofEndpoint(Protocol::tcp, ep("198.51.100.60:80"));
  a.scheduler = "rr";
  b = a;
  b.key.port = 81;
  Destination real;
  real.key = DestinationKey{ep("203.0.113.60:80").address, 80};
  real.forwarding = Forwarding::dr;
  real.weight = 1;
  Destination absent = real;
  absent.key.port = 81;
  const std::vector<Op> ops = {
      {Op::Kind::addService, a, {}},
      {Op::Kind::addService, a, {}},  // EEXIST
      {Op::Kind::addDestination, a, real},
      {Op::Kind::deleteDestination, a, absent},  // ENOENT
      {Op::Kind::addService, b, {}},
      {Op::Kind::updateDestination, b, real},  // ENOENT
      {Op::Kind::addDestination, b, real},
  };
  const std::vector<int> expected = {0, EEXIST, 0, ENOENT, 0, ENOENT, 0};
  for (std::size_t window : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{128}}) {
    run("ipvsadm -C");
    NetlinkKernel kernel(window);
    const auto results = kernel.executeAll(ops);
    ASSERT_EQ(results.size(), ops.size());
    for (std::size_t i = 0; i < ops.size(); ++i)
      EXPECT_EQ(results[i].ok() ? 0 : results[i].error().code.value(), expected[i])
          << "window " << window << ", op " << i;
    const auto listed = ipvsadmList();
    ASSERT_EQ(listed.size(), 2u) << run("ipvsadm -Ln");
    EXPECT_EQ(listed.at("TCP 198.51.100.60:80").servers.at("203.0.113.60:80"), "Route 1");
    EXPECT_EQ(listed.at("TCP 198.51.100.60:81").servers.at("203.0.113.60:80"), "Route 1");
    // The socket stays usable after a batch with failures.
    EXPECT_TRUE(kernel.info().ok());
  }
}

// Where no second thread can be started (EAGAIN: here uid 65534 under
// RLIMIT_NPROC 1, with CAP_NET_ADMIN kept), the batches go to the kernel in
// turn from the calling thread: the same results, no exception.
TEST_F(KernelVmTest, BatchesGoInTurnWhenNoThreadCanStart) {
  run("ipvsadm -C");
  Service a;
  a.key = ServiceKey::ofEndpoint(Protocol::tcp, ep("198.51.100.61:80"));
  a.scheduler = "rr";
  Destination real;
  real.key = DestinationKey{ep("203.0.113.61:80").address, 80};
  real.forwarding = Forwarding::dr;
  real.weight = 1;
  std::vector<Op> ops = {{Op::Kind::addService, a, {}}, {Op::Kind::addService, a, {}}};  // the second: EEXIST
  for (int port = 1; port <= 5; ++port) {
    real.key.port = static_cast<uint16_t>(port);
    ops.push_back({Op::Kind::addDestination, a, real});
  }
  const auto status = test::waitStatusWithoutThreads(
      [&] {
        NetlinkKernel kernel(2);  // 7 ops: 4 batches
        const auto results = kernel.executeAll(ops);
        bool as_expected = results.size() == ops.size();
        for (std::size_t i = 0; as_expected && i < results.size(); ++i)
          as_expected = i == 1 ? !results[i].ok() && results[i].error().code.value() == EEXIST : results[i].ok();
        return as_expected;
      },
      /*keep_net_admin=*/true);
  ASSERT_TRUE(status) << "fork or waitpid failed";
  ASSERT_TRUE(WIFEXITED(*status)) << "killed by signal " << WTERMSIG(*status);
  EXPECT_EQ(WEXITSTATUS(*status), 0) << test::kWithoutThreadsExits;
  const auto listed = ipvsadmList();
  ASSERT_EQ(listed.count("TCP 198.51.100.61:80"), 1u) << run("ipvsadm -Ln");
  EXPECT_EQ(listed.at("TCP 198.51.100.61:80").servers.size(), 5u) << run("ipvsadm -Ln");
}

std::string procSysctl(const std::string& name) {
  std::string value = run("cat /proc/sys/net/ipv4/vs/" + name);
  while (!value.empty() && value.back() == '\n') value.pop_back();
  return value;
}

TEST_F(KernelVmTest, ConfiguredSysctlsTakeTheirValues) {
  const std::vector<std::string> names = {"expire_nodest_conn", "sloppy_tcp", "expire_quiescent_template",
                                          "conn_reuse_mode"};
  std::map<std::string, std::string> before;
  for (const auto& name : names) before[name] = procSysctl(name);
  ASSERT_EQ(before["conn_reuse_mode"], "1") << "not the kernel's default";

  conf::Config config = everything();
  config.ipvs.expire_nodest_conn = true;
  config.ipvs.sloppy_tcp = true;
  config.ipvs.expire_quiescent_template = true;
  config.ipvs.conn_reuse_mode = 2;
  auto e = engine();
  e->apply(config);
  EXPECT_EQ(procSysctl("expire_nodest_conn"), "1");
  EXPECT_EQ(procSysctl("sloppy_tcp"), "1");
  EXPECT_EQ(procSysctl("expire_quiescent_template"), "1");
  EXPECT_EQ(procSysctl("conn_reuse_mode"), "2");
  EXPECT_EQ(e->counters().sysctl_errors, 0u);

  // Reload: one key changed, the others unset (kept as they are).
  conf::Config reload = everything();
  reload.ipvs.conn_reuse_mode = 0;
  e->apply(reload);
  EXPECT_EQ(procSysctl("conn_reuse_mode"), "0");
  EXPECT_EQ(procSysctl("expire_nodest_conn"), "1");
  EXPECT_EQ(e->counters().sysctl_errors, 0u);

  for (const auto& name : names) run("echo " + before[name] + " > /proc/sys/net/ipv4/vs/" + name);
}

// Cold start figure for the report (not a benchmark): services x 10 real servers.
TEST_F(KernelVmTest, ColdStartRate) {
  conf::Config config;
  for (int i = 0; i < 200; ++i) {
    conf::IpvsService s;
    s.name = "s" + std::to_string(i);
    s.address = ep("198.51.100." + std::to_string(i % 250 + 1) + ":" + std::to_string(1000 + i));
    s.scheduler = "wrr";
    for (int r = 0; r < 10; ++r)
      s.real_servers.push_back(server("203.0.113." + std::to_string(r + 1) + ":80", 1, conf::Forwarding::dr));
    config.ipvs.services.push_back(s);
  }
  auto e = engine();
  const auto started = std::chrono::steady_clock::now();
  e->apply(config);
  const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(e->counters().ops_applied, 2200u);
  EXPECT_EQ(e->counters().op_errors, 0u);
  std::printf("cold start: 200 services x 10 real servers = %llu ops in %.3f s (%.0f ops/s; reconcile %.0f ops/s)\n",
              static_cast<unsigned long long>(e->counters().ops_applied), elapsed,
              static_cast<double>(e->counters().ops_applied) / elapsed, e->lastReconcile().opsPerSecond());
  config.ipvs.services[100].real_servers[5].weight = 3;
  e->apply(config);
  std::printf("one-change reload: %zu op in %lld us\n", e->lastReconcile().ops,
              static_cast<long long>(e->lastReconcile().duration.count()));
  EXPECT_EQ(e->lastReconcile().ops, 1u);
}

}  // namespace
}  // namespace vipd::ipvs

namespace vipd::ipvs {
namespace {

// A stop right after a start can reach the kernel before its sync thread
// first ran; the kernel then answers nothing (-EINTR skips the ack). The stop
// must still return at once and leave no daemon behind.
TEST(KernelVmSync, StopRightAfterStartReturnsAtOnce) {
  NetlinkKernel kernel;
  double worst = 0;
  for (int i = 0; i < 12; ++i) {
    const SyncState state = i % 2 ? SyncState::master : SyncState::backup;
    ASSERT_TRUE(kernel.startSyncDaemon(SyncDaemon{state, "lo", 7}).ok());
    const auto started = std::chrono::steady_clock::now();
    const Status stop = kernel.stopSyncDaemon(state);
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    worst = std::max(worst, took);
    EXPECT_TRUE(stop.ok()) << i << ": " << stop.error().message();
    EXPECT_LT(took, 1.0) << "stop " << i << " took " << took << " s";
    auto daemons = kernel.syncDaemons();
    ASSERT_TRUE(daemons.ok()) << daemons.error().message();
    EXPECT_TRUE(daemons->empty()) << i;
  }
  std::printf("sync daemon stop right after start: worst %.3f s\n", worst);
  const Status none = kernel.stopSyncDaemon(SyncState::master);  // errors still come back
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code.value(), ESRCH);
}

}  // namespace
}  // namespace vipd::ipvs

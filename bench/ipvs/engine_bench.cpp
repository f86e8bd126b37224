// ipvs_engine_bench: ENGINE CPU ONLY, FAKE KERNEL. Times ipvs::Engine::apply()
// and its phases on generated configs (N services x R real servers, wrr, DR),
// with tests/fakes' in-memory kernel: no netlink, no IPVS, no syscalls. It
// measures what vipd spends around the kernel, never the kernel itself (that
// is bench/ipvs/run.sh in the VM).
//
//   ipvs_engine_bench [SERVICES [REALS [REPEATS]]]   default 10000 10 5
//
// Phases, each timed on its own outside the engine (same functions the
// engine calls): desired state build (desiredState + table), diff against an
// empty table (cold) and against the programmed table (no change), apply to
// the model (applyToTable per op). Then through the engine: cold apply(),
// a no-change apply(), a one-weight-change apply() (the engine's own
// lastReconcile() duration and op count), and one setHealth().
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "conf/load.hpp"
#include "ipvs/desired_state.hpp"
#include "ipvs/engine.hpp"
#include "ipvs/reconciler.hpp"
#include "tests/fakes/fake_ipvs_kernel.hpp"

namespace {

using namespace vipd;
using BenchClock = std::chrono::steady_clock;

double msSince(BenchClock::time_point start) {
  return std::chrono::duration<double, std::milli>(BenchClock::now() - start).count();
}

// The same text as bench/ipvs/gen.sh's vipd.toml: services 198.51.100.(i%250+1):(1000+i/250),
// real servers 203.0.113.j:80; `changed` gives service SERVICES/2's first real server weight 5.
std::string configText(int services, int reals, int changed) {
  std::string text = "[global]\nrouter_id = \"bench\"\n";
  for (int i = 0; i < services; ++i) {
    text += "\n[[ipvs.service]]\nname = \"s" + std::to_string(i) + "\"\naddress = \"198.51.100." +
            std::to_string(i % 250 + 1) + ":" + std::to_string(1000 + i / 250) +
            "\"\nscheduler = \"wrr\"\nforwarding = \"dr\"\n";
    for (int j = 1; j <= reals; ++j)
      text += "\n[[ipvs.service.real_server]]\naddress = \"203.0.113." + std::to_string(j) +
              ":80\"\nweight = " + (i == changed && j == 1 ? "5" : "1") + "\n";
  }
  return text;
}

// Loaded as vipd loads its file (with the loader's service fingerprints).
conf::Config load(const std::string& text) {
  auto loaded = conf::loadString(text, "bench.toml", conf::LoadOptions{.check_files = false, .vnc_ports_taken = {}});
  if (!loaded.config) {
    std::fprintf(stderr, "config: %s\n", loaded.errors.empty() ? "?" : loaded.errors[0].str().c_str());
    std::exit(1);
  }
  return std::move(*loaded.config);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int services = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int reals = argc > 2 ? std::atoi(argv[2]) : 10;
  const int repeats = argc > 3 ? std::max(1, std::atoi(argv[3])) : 5;
  std::printf("ipvs_engine_bench: engine CPU only, fake kernel (no netlink, no IPVS)\n");
  std::printf("%d services x %d real servers (%d rules), median of %d\n", services, reals, services + services * reals,
              repeats);

  const auto load_started = BenchClock::now();
  const conf::Config config = load(configText(services, reals, -1));
  const double load_ms = msSince(load_started);
  const conf::Config changed = load(configText(services, reals, services / 2));
  std::printf("config load (conf::loadString)   %9.2f  (%s fingerprints)\n", load_ms,
              config.ipvs.service_fingerprints.empty() ? "without" : "with");
  const std::string changed_name = changed.ipvs.services[static_cast<std::size_t>(services / 2)].name;
  const Endpoint changed_server = changed.ipvs.services[static_cast<std::size_t>(services / 2)].real_servers[0].address;

  std::vector<double> build, diff_cold, diff_same, model, cold, same, one, one_engine, health, status, dump;
  std::size_t cold_ops = 0, one_ops = 0, health_ops = 0, status_bytes = 0;
  for (int r = 0; r < repeats; ++r) {
    // Phases, outside the engine.
    const ipvs::HealthView view;
    auto t = BenchClock::now();
    const ipvs::Table desired = ipvs::desiredState(config.ipvs, view).table();
    build.push_back(msSince(t));
    const ipvs::Table empty;
    const std::set<ipvs::ServiceKey> owned;
    const ipvs::DrainClock drains;
    t = BenchClock::now();
    const auto ops = ipvs::diff({desired, empty, owned, drains, ipvs::Clock::now(), std::chrono::minutes(5)});
    diff_cold.push_back(msSince(t));
    ipvs::Table programmed;
    t = BenchClock::now();
    for (const auto& op : ops) ipvs::applyToTable(programmed, op);
    model.push_back(msSince(t));
    t = BenchClock::now();
    const auto none = ipvs::diff({desired, programmed, owned, drains, ipvs::Clock::now(), std::chrono::minutes(5)});
    diff_same.push_back(msSince(t));
    if (!none.empty()) std::printf("unexpected: %zu ops against the programmed table\n", none.size());

    // Through the engine.
    asio::io_context io;
    auto fake = std::make_unique<ipvs::testing::FakeIpvsKernel>();
    auto* kernel = fake.get();
    ipvs::Engine engine(io, std::move(fake));
    t = BenchClock::now();
    engine.apply(config);
    cold.push_back(msSince(t));
    cold_ops = engine.lastReconcile().ops;
    kernel->clearLog();
    t = BenchClock::now();
    engine.apply(config);
    same.push_back(msSince(t));
    if (!kernel->executed.empty()) std::printf("unexpected: %zu ops on a no-change apply\n", kernel->executed.size());
    t = BenchClock::now();
    engine.apply(changed);
    one.push_back(msSince(t));
    one_engine.push_back(static_cast<double>(engine.lastReconcile().duration.count()) / 1000.0);
    one_ops = kernel->executed.size();
    kernel->clearLog();
    t = BenchClock::now();
    engine.setHealth(changed_name, changed_server, false);
    health.push_back(msSince(t));
    health_ops = kernel->executed.size();
    t = BenchClock::now();
    const auto json = engine.status();
    status.push_back(msSince(t));
    t = BenchClock::now();
    status_bytes = json.dump().size();
    dump.push_back(msSince(t));
  }
  std::printf("phase (outside the engine)           ms\n");
  std::printf("  desired state build              %9.2f\n", median(build));
  std::printf("  diff, cold (against empty)       %9.2f  (%zu ops)\n", median(diff_cold), cold_ops);
  std::printf("  apply to model (applyToTable)    %9.2f\n", median(model));
  std::printf("  diff, no change                  %9.2f\n", median(diff_same));
  std::printf("engine                               ms\n");
  std::printf("  cold apply()                     %9.2f  (%zu ops to the fake kernel)\n", median(cold), cold_ops);
  std::printf("  no-change apply()                %9.2f\n", median(same));
  std::printf("  one-weight-change apply()        %9.2f  (%zu ops; lastReconcile %.3f ms)\n", median(one), one_ops,
              median(one_engine));
  std::printf("  one setHealth(failed)            %9.2f  (%zu ops)\n", median(health), health_ops);
  std::printf("  status() (vipctl ipvs --json)    %9.2f\n", median(status));
  std::printf("  its dump() to text               %9.2f  (%zu bytes)\n", median(dump), status_bytes);
  return 0;
}

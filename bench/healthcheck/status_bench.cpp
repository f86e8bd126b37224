// status_bench: how long Monitor::status() and its JSON dump take for N
// checks (the `vipctl checks` call blocks the loop for that long).
//   status_bench N [REPEATS]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "conf/config.hpp"
#include "healthcheck/monitor.hpp"

namespace {

using namespace vipd;

// Never answers: the monitor only needs checkers to exist.
class IdleChecker : public healthcheck::Checker {
 public:
  void probe(std::function<void(healthcheck::ProbeResult)>) override {}
  void cancel() override {}
};

conf::Config config(int servers) {
  conf::Config config;
  for (int s = 0; s < 10; ++s) {
    conf::IpvsService service;
    service.name = "s" + std::to_string(s);
    conf::HealthCheck check;
    check.interval = std::chrono::hours(1);
    check.warmup = std::chrono::hours(1);
    service.checks = {check};
    for (int i = s; i < servers; i += 10) {
      conf::RealServer real_server;
      real_server.address =
          *Endpoint::parse("127.1." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + ":80");
      service.real_servers.push_back(real_server);
    }
    config.ipvs.services.push_back(service);
  }
  return config;
}

double msSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int servers = argc > 1 ? std::atoi(argv[1]) : 10000;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  asio::io_context io;
  healthcheck::Monitor monitor(
      io, [](const healthcheck::CheckSpec&, const std::string&) { return std::make_unique<IdleChecker>(); }, {});
  monitor.apply(config(servers));
  for (int i = 0; i < repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const nlohmann::json status = monitor.status();
    const double built = msSince(start);
    const std::string text = status.dump();
    std::printf("%d checks: status() %.1f ms, dump %.1f ms (%zu bytes)\n", servers, built, msSince(start) - built,
                text.size());
  }
}

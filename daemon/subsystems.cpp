#include "daemon/subsystems.hpp"

#include "healthcheck/monitor.hpp"
#include "healthcheck/process_runner.hpp"
#include "ipvs/engine.hpp"
#include "ipvs/netlink_kernel.hpp"
#include "vrrpd/engine.hpp"
#include "vrrpd/linux/linux_ports.hpp"

namespace vipd::daemon {

namespace {

// The VRRP engine with the real ports it uses, which must outlive it.
struct LinuxPortsHolder {
  explicit LinuxPortsHolder(asio::io_context& io) : linux_ports(io) {}
  vrrp::LinuxPorts linux_ports;
};

class LinuxVrrpEngine : private LinuxPortsHolder, public vrrp::Engine {
public:
  explicit LinuxVrrpEngine(asio::io_context& io) : LinuxPortsHolder(io), vrrp::Engine(linux_ports.ports()) {}
};

// The health checks with the process runner their script checks use.
struct ProcessRunnerHolder {
  explicit ProcessRunnerHolder(asio::io_context& io) : runner(io) {}
  process::ProcessRunner runner;
};

class LinuxHealthMonitor : private ProcessRunnerHolder, public healthcheck::Monitor {
public:
  LinuxHealthMonitor(asio::io_context& io, healthcheck::MonitorSinks sinks)
      : ProcessRunnerHolder(io), healthcheck::Monitor(io, healthcheck::realCheckers(io, runner), std::move(sinks)) {}
};

}  // namespace

std::vector<std::unique_ptr<Subsystem>> makeSubsystems(asio::io_context& io) {
  auto ipvs = std::make_unique<ipvs::Engine>(io, std::make_unique<ipvs::NetlinkKernel>());
  auto* ipvs_engine = ipvs.get();

  healthcheck::MonitorSinks sinks;
  sinks.onRealServerHealth = [ipvs_engine](const std::string& service, const Endpoint& server, bool healthy) {
    ipvs_engine->setHealth(service, server, healthy);
  };
  auto checks = std::make_unique<LinuxHealthMonitor>(io, std::move(sinks));

  auto vrrp = std::make_unique<LinuxVrrpEngine>(io);
  vrrp->onStateChange([ipvs_engine](const std::string& instance, vrrp::State state) {
    if (ipvs_engine->syncFollows(instance)) ipvs_engine->setSyncRole(state == vrrp::State::master);
  });

  // Stopped in reverse order: VRRP first, so a master hands over at once.
  std::vector<std::unique_ptr<Subsystem>> subsystems;
  subsystems.push_back(std::move(ipvs));
  subsystems.push_back(std::move(checks));
  subsystems.push_back(std::move(vrrp));
  return subsystems;
}

}  // namespace vipd::daemon

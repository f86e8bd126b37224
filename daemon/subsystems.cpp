#include "daemon/subsystems.hpp"

#include "common/log.hpp"
#include "common/nftables_script.hpp"
#include "conf/config.hpp"
#include "daemon/real_server_gate.hpp"

#include "healthcheck/monitor.hpp"
#include "healthcheck/process_runner.hpp"
#include "ipvs/engine.hpp"
#include "ipvs/nat_reply_guard.hpp"
#include "ipvs/netlink_kernel.hpp"
#include "virt/host_vnc_ports.hpp"
#include "virt/manager.hpp"
#include "virt/vnc_ports.hpp"
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

// IPVS, and the drop of NAT replies it did not translate, which stays with
// the rules when vipd stops (unless flush_on_stop).
class IpvsSubsystem : public Subsystem {
 public:
  explicit IpvsSubsystem(asio::io_context& io) : engine_(io, std::make_unique<ipvs::NetlinkKernel>()) {}

  ipvs::Engine& engine() { return engine_; }

  std::string name() const override { return engine_.name(); }
  std::string summary() const override { return engine_.summary(); }

  void apply(const conf::Config& config) override {
    engine_.apply(config);
    flush_on_stop_ = config.ipvs.flush_on_stop;
    guard(ipvs::natReplySources(config.ipvs));
  }

  nlohmann::json status() const override {
    auto status = engine_.status();
    status["nat_reply_guard"] = {{"sources", guarded_}, {"error", guard_error_}};
    return status;
  }

  void stop(std::function<void()> done) override {
    if (flush_on_stop_) guard({});
    engine_.stop(std::move(done));
  }

 private:
  // Also run with no sources, to remove what an earlier run left; a failure
  // to remove is not worth a warning (e.g. a kernel without nf_tables).
  void guard(const std::vector<ipvs::ReplySource>& sources) {
    auto script = ipvs::natReplyGuardScript(sources);
    if (script == script_) return;
    auto run = nft_.run(script);
    guard_error_ = run ? "" : run.error().message();
    script_ = run ? script : "";  // retried at the next apply
    if (!run && !sources.empty()) log::warning("ipvs: drop_untranslated_replies: " + guard_error_);
    if (run && sources.size() != guarded_)
      log::info("ipvs: dropping untranslated replies of " + std::to_string(sources.size()) + " NAT servers");
    if (run) guarded_ = sources.size();
  }

  ipvs::Engine engine_;
  NftablesScript nft_;
  std::string script_;
  std::size_t guarded_ = 0;
  std::string guard_error_;
  bool flush_on_stop_ = false;
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

// KVM guests and bridges. It stays idle (no libvirt connection) until a
// config declares a guest or a bridge, and keeps the real-server gate told
// which servers are guests and which guests run.
class VirtSubsystem : public Subsystem {
 public:
  VirtSubsystem(asio::io_context& io, std::shared_ptr<RealServerGate> gate)
      : manager_(io), gate_(std::move(gate)), restart_timer_(io) {
    manager_.onGuestRunningChanged(
        [gate = gate_](const std::string& guest, bool running) { gate->guestRunning(guest, running); });
    // restart_after: the gate decides, the restart takes the `vipctl virt restart` path.
    gate_->onRestart(
        [this](const std::string& guest, std::function<void()> done) {
          manager_.command("restart", guest, [guest, done](const nlohmann::json& answer) {
            if (!answer.value("ok", false))
              log::warning("virt: restart " + guest + ": " + answer.value("error", std::string()));
            done();
          });
        },
        [this](std::optional<RealServerGate::Time> at) { armRestartTimer(at); });
  }

  ~VirtSubsystem() override { gate_->onRestart({}, {}); }

  std::string name() const override { return manager_.name(); }
  const virt::Manager& manager() const { return manager_; }

  void apply(const conf::Config& config) override {
    gate_->configure(config.ipvs);
    active_ = active_ || !config.virt.guests.empty() || !config.virt.bridges.empty();
    if (active_) manager_.apply(config);
  }

  nlohmann::json status() const override {
    if (!active_)
      return {{"summary", "no guests or bridges configured"},
              {"guests", nlohmann::json::array()},
              {"bridges", nlohmann::json::array()}};
    return manager_.status();
  }

  // {"command": "virt", "action": "start|stop|restart", "guest": NAME}; without an action, the status.
  nlohmann::json request(const nlohmann::json& request) override {
    if (!request.contains("action")) return status();
    if (!request["action"].is_string() || !request.contains("guest") || !request["guest"].is_string())
      return {{"ok", false}, {"error", "virt requests need \"action\" and \"guest\" strings"}};
    return manager_.command(request["action"].get<std::string>(), request["guest"].get<std::string>());
  }

  void stop(std::function<void()> done) override {
    restart_timer_.cancel();
    gate_->onRestart({}, {});
    if (!active_) return done();
    manager_.stop(std::move(done));
  }

 private:
  void armRestartTimer(std::optional<RealServerGate::Time> at) {
    restart_timer_.cancel();
    if (!at) return;
    restart_timer_.expires_at(*at);
    restart_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) gate_->restartsDue();
    });
  }

  virt::Manager manager_;
  std::shared_ptr<RealServerGate> gate_;
  asio::steady_timer restart_timer_;
  bool active_ = false;
};

}  // namespace

std::vector<std::unique_ptr<Subsystem>> makeSubsystems(asio::io_context& io, conf::LoadOptions* reload) {
  auto ipvs = std::make_unique<IpvsSubsystem>(io);
  auto* ipvs_engine = &ipvs->engine();

  // Check results and guest states meet in the gate, which tells IPVS.
  auto gate =
      std::make_shared<RealServerGate>([ipvs_engine](const std::string& service, const Endpoint& server, bool healthy) {
        ipvs_engine->setHealth(service, server, healthy);
      });
  auto virt = std::make_unique<VirtSubsystem>(io, gate);
  if (reload && reload->vnc_ports_taken) {
    reload->vnc_ports_taken = [manager = &virt->manager()](const conf::Virt&, const std::set<int>& ports) {
      return virt::vncPortsTakenByOthers(ports, virt::tcpPortBound,
                                         [manager] { return manager->runningGuestVncPorts(); });
    };
  }

  auto vrrp = std::make_unique<LinuxVrrpEngine>(io);
  auto* vrrp_engine = vrrp.get();

  healthcheck::MonitorSinks sinks;
  sinks.onRealServerHealth = [gate](const std::string& service, const Endpoint& server, bool healthy) {
    gate->checkResult(service, server, healthy);
  };
  sinks.onServiceQuorum = [vrrp_engine](const std::string& service, bool has_quorum) {
    vrrp_engine->setServiceQuorum(service, has_quorum);
  };
  auto checks = std::make_unique<LinuxHealthMonitor>(io, std::move(sinks));

  vrrp->onStateChange([ipvs_engine](const std::string& instance, vrrp::State state) {
    if (ipvs_engine->syncFollows(instance)) ipvs_engine->setSyncRole(state == vrrp::State::master);
  });

  // Applied in this order (virt first: it configures the gate); stopped in
  // reverse, VRRP first, so a master hands over at once.
  std::vector<std::unique_ptr<Subsystem>> subsystems;
  subsystems.push_back(std::move(virt));
  subsystems.push_back(std::move(ipvs));
  subsystems.push_back(std::move(checks));
  subsystems.push_back(std::move(vrrp));
  return subsystems;
}

}  // namespace vipd::daemon

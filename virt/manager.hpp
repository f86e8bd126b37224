#pragma once
// The "virt" subsystem: keeps the [[virt.guest]] guests and [[virt.bridge]]
// bridges true. apply() hands the config to a worker thread where every
// blocking libvirt / rtnetlink call happens; results come back to the
// io_context as snapshots. A pass runs on apply, on every libvirt lifecycle
// event, on operator commands and every poll_interval (which also reconnects
// to a libvirtd that went away). Nothing here ever stops the rest of vipd:
// failures are reported in status() and logged. Guests keep running when
// vipd stops.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "common/asio.hpp"
#include "common/subsystem.hpp"
#include "conf/config.hpp"
#include "virt/bridge_controller.hpp"
#include "virt/guest_controller.hpp"

namespace vipd::virt {

struct ManagerOptions {
  std::chrono::milliseconds poll_interval{2000};
  ControllerOptions controller;
};

class Manager final : public Subsystem {
 public:
  using HypervisorFactory = std::function<std::unique_ptr<Hypervisor>(const std::string& uri)>;
  using BridgeLinksFactory = std::function<Result<std::unique_ptr<BridgeLinks>>()>;

  // Production: libvirt at the config's [virt] uri, bridges over rtnetlink.
  explicit Manager(asio::io_context& io, ManagerOptions options = {});
  Manager(asio::io_context& io, ManagerOptions options, HypervisorFactory hypervisors, BridgeLinksFactory links);
  ~Manager() override;

  std::string name() const override { return "virt"; }
  void apply(const conf::Config& config) override;
  nlohmann::json status() const override;
  void stop(std::function<void()> done) override;

  // `vipctl virt start|stop|restart NAME`. The reply ({"ok": bool, "error"?})
  // comes on the io_context once libvirt answered.
  void command(const std::string& action, const std::string& guest, std::function<void(nlohmann::json)> reply);
  // The same, answered at once: {"ok": true, "queued": true} or {"ok": false, "error"}.
  nlohmann::json command(const std::string& action, const std::string& guest);

  // For IPVS: whether a guest is running, as of the last pass, and a callback
  // on every change (called on the io_context).
  bool guestRunning(const std::string& guest) const;
  using RunningChanged = std::function<void(const std::string& guest, bool running)>;
  void onGuestRunningChanged(RunningChanged callback) { running_changed_ = std::move(callback); }

  // The VNC ports vipd's running guests hold, as of the last pass (for the
  // host check of fixed ports at reload: no libvirt call on the io_context).
  std::set<int> runningGuestVncPorts() const;

  // Passes completed so far (tests wait on it).
  uint64_t passes() const { return passes_; }

 private:
  struct Worker;  // touched on the worker thread only

  void requestPass();
  void passDone(Snapshot guests, std::vector<BridgeStatus> bridges);
  void armTimer();

  asio::io_context& io_;
  ManagerOptions options_;
  asio::thread_pool pool_{1};
  std::unique_ptr<Worker> worker_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  asio::steady_timer timer_;

  conf::Virt desired_;
  bool applied_ = false;
  bool stopped_ = false;
  bool pass_running_ = false;
  bool pass_again_ = false;
  uint64_t passes_ = 0;
  Snapshot guests_;
  std::vector<BridgeStatus> bridges_;
  std::map<std::string, bool> running_;
  RunningChanged running_changed_;
};

}  // namespace vipd::virt

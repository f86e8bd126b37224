#pragma once
// The VRRP subsystem: owns every instance, the shared sockets (one per
// interface and family, demultiplexed by VRID), track scripts, tracked
// links and sync groups. apply() reconciles instances by name: unchanged
// ones are left exactly as they are.
//
// Sync groups (keepalived's vrrp_sync_group): a member that goes Backup or
// Fault pushes the group's masters to Backup (they send priority 0 so the
// other node's members take over after Skew_Time); a member whose own
// election says master while another member would not be master waits in
// Backup (waiting_for_sync_group); when the last member's election says
// master, all become master together.
//
// stop() hands over gracefully: masters send priority 0 and keep their VIPs
// until the new master is heard (Instance::handOver); done runs when every
// instance has released its VIPs.
//
// Accept_Mode: the VIPs of masters that are neither owner nor in Accept_Mode
// are guarded in the packet filter (core/accept_mode.hpp). The guard follows
// state changes, coalesced per loop iteration; the first apply() clears what
// a crashed run left, and stop() removes it before `done`.
#include <array>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/subsystem.hpp"
#include "conf/config.hpp"
#include "vrrpd/instance.hpp"
#include "vrrpd/ports.hpp"
#include "vrrpd/script_tracker.hpp"
#include "vrrpd/vrid_table.hpp"

namespace vipd::vrrp {

class Engine : public Subsystem {
 public:
  using StateChangeHandler = std::function<void(const std::string& instance, State state)>;

  explicit Engine(Ports ports);
  ~Engine() override;

  std::string name() const override { return "vrrp"; }
  void apply(const conf::Config& config) override;
  nlohmann::json status() const override;
  void stop(std::function<void()> done) override;

  // Observers of every state change (e.g. the IPVS sync daemon follows one instance).
  void onStateChange(StateChangeHandler handler) { observers_.push_back(std::move(handler)); }

  Instance* find(const std::string& name);

  // From the health checks: an IPVS service has (or lacks) its quorum of
  // healthy real servers. Instances with it in track_services follow.
  void setServiceQuorum(const std::string& service, bool has_quorum);

 private:
  using SocketKey = std::pair<std::string, Family>;
  // A shared socket and the instances on it by VRID.
  struct Socket {
    std::unique_ptr<PacketPort> port;
    VridTable<Instance> instances;
  };

  Socket* socketFor(const SocketKey& key);
  void closeUnusedSockets();
  void onPacket(Socket& socket, const ReceivedPacket& packet);
  void removeInstance(std::map<std::string, std::unique_ptr<Instance>>::iterator it);
  void applySyncHolds();
  void onInstanceStateChange(Instance& instance, State old_state, State new_state);
  void onLinkChange(const std::string& interface, bool up);
  void refreshTracking(Instance& instance);
  void refreshTrackingAll();
  void applyScripts(const conf::Config& config);
  void applySyncGroups(const conf::Config& config);
  std::vector<Instance*> syncPeers(const Instance& instance);
  bool syncHold(const Instance& instance);
  std::vector<IpAddress> wantedGuard() const;
  void refreshGuard();
  void applyGuard();

  Ports ports_;
  std::string script_user_;
  std::map<std::string, std::unique_ptr<Instance>> instances_;
  std::map<std::string, std::unique_ptr<ScriptTracker>> scripts_;
  std::map<SocketKey, Socket> sockets_;  // map nodes are stable: handlers keep a Socket*
  ParsedAdvert scratch_;                 // the receive path parses into it (no allocation per packet)
  std::map<std::string, bool> links_up_;
  std::map<std::string, bool> service_quorum_;  // unknown services count as having quorum
  std::map<std::string, std::string> sync_group_of_;  // instance -> group
  std::map<std::string, std::vector<std::string>> sync_groups_;
  std::vector<StateChangeHandler> observers_;
  std::map<std::string, std::string> failed_;  // instance -> why it could not start
  std::array<uint64_t, kDropReasonCount> unattributed_drops_{};
  std::unique_ptr<Timer> guard_timer_;              // coalesces guard changes of one loop iteration
  std::optional<std::vector<IpAddress>> guarded_;  // in the filter now; unknown before the first apply
  uint64_t guard_errors_ = 0;
  bool watching_links_ = false;
  bool propagating_ = false;
  bool stopped_ = false;
};

}  // namespace vipd::vrrp

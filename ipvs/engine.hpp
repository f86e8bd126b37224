#pragma once
// The "ipvs" subsystem: keeps the kernel's IPVS table equal to the config
// (plus real-server health), on apply(), on health changes, and on a periodic
// tick that moves drains forward. Keeps a model of the kernel table updated
// op by op, so a reload diffs without re-reading the kernel; re-reads only
// after EEXIST / ENOENT / ESRCH, or the real servers of draining services.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/asio.hpp"
#include "common/subsystem.hpp"
#include "conf/config.hpp"
#include "ipvs/desired_state.hpp"
#include "ipvs/kernel.hpp"
#include "ipvs/reconciler.hpp"

namespace vipd::ipvs {

struct EngineCounters {
  uint64_t reconciles = 0;
  uint64_t ops_applied = 0;
  uint64_t op_errors = 0;
  uint64_t rereads = 0;
  uint64_t read_errors = 0;
  uint64_t sync_errors = 0;
  uint64_t sysctl_errors = 0;
};

struct LastReconcile {
  std::size_t ops = 0;
  std::chrono::microseconds duration{0};
  double opsPerSecond() const;
};

class Engine final : public Subsystem {
 public:
  static constexpr Duration kDefaultTickInterval = std::chrono::seconds(2);
  // Real servers' counters (connections, rates) are read for at most this
  // many services per tick, round robin: status() reads no real server, and
  // no tick costs more than this many dumps, whatever the table's size.
  static constexpr std::size_t kCounterServicesPerTick = 256;
  // The kernel sends a partly filled sync buffer once it is 2 s old, checking
  // every second.
  static constexpr Duration kSyncMasterLinger = std::chrono::seconds(4);

  Engine(asio::io_context& io, std::unique_ptr<Kernel> kernel, Duration tick_interval = kDefaultTickInterval);

  std::string name() const override { return "ipvs"; }
  void apply(const conf::Config& config) override;
  nlohmann::json status() const override;
  // Counts from the model alone: no kernel read, no JSON (vipctl status asks often).
  std::string summary() const override;
  void stop(std::function<void()> done) override;

  // For the health-check subsystem: a real server of a service became (un)healthy.
  void setHealth(const std::string& service, const Endpoint& server, bool healthy);
  // For the daemon: the followed VRRP instance is MASTER (true) or not.
  void setSyncRole(bool master);
  // Whether [ipvs.sync] follows this VRRP instance.
  bool syncFollows(const std::string& instance) const {
    return config_.sync && config_.sync->follow_instance == instance;
  }
  // One step of the periodic work (the timer calls it; tests call it directly).
  void tick(Clock::time_point now);

  const EngineCounters& counters() const { return counters_; }
  const LastReconcile& lastReconcile() const { return last_; }
  const Table& model() const { return actual_; }
  // How many services' desired state was (re)built since construction; a
  // one-service change adds one (tests pin the incremental behaviour with it).
  uint64_t desiredBuilds() const { return desired_builds_; }

 private:
  bool load();
  // A real server's health word for status ("healthy", "failed", "draining",
  // "sorry", "foreign") and its configured weight (-1 when not configured).
  std::pair<std::string, int> destinationHealth(const ServiceKey& key, const Destination& d) const;
  std::string summaryText(std::size_t servers, std::size_t healthy, std::size_t draining) const;
  // Services whose config changed, added or gone in one apply(), and the
  // names whose remembered health may be stale.
  struct ServiceChanges {
    std::set<ServiceKey> keys;
    std::set<std::string> names;
  };
  struct Configured;
  void updateServices(const conf::Ipvs& ipvs);
  std::optional<std::vector<std::size_t>> changedPositions(const conf::Ipvs& ipvs) const;
  void updateAt(const conf::Ipvs& ipvs, const std::vector<std::size_t>& positions, ServiceChanges& changes);
  void updateAll(const conf::Ipvs& ipvs, ServiceChanges& changes);
  Configured& take(const conf::IpvsService& service, uint64_t fingerprint, ServiceChanges& changes);
  void forget(const ServiceKey& key, ServiceChanges& changes);
  void rebuildDesired(const ServiceKey& key);
  void reconcileNow(Clock::time_point now, Clock::time_point started);
  void refreshDraining();
  void refreshCounters(std::size_t services);
  void applyTimeouts();
  void applySysctls();
  void applySyncDaemon(Clock::time_point now);
  void armTimer();

  asio::steady_timer timer_;
  std::unique_ptr<Kernel> kernel_;
  Duration tick_interval_;
  bool timer_armed_ = false;
  bool stopped_ = false;

  // A configured service: its config as last applied (compared on the next
  // apply, or only its loader's fingerprint when both have one) and what its
  // desired state says beyond the table.
  struct Configured {
    conf::IpvsService config;
    uint64_t fingerprint = 0;  // 0: none
    std::size_t healthy = 0;
    bool sorry_active = false;
    uint64_t generation = 0;  // the apply() that last listed it
  };

  conf::Ipvs config_;  // the settings; services are in configured_ (never copied whole)
  std::map<ServiceKey, Configured> configured_;
  std::map<std::string, ServiceKey> by_name_;
  std::vector<Configured*> order_;  // configured_ in the last config's order (map nodes are stable)
  uint64_t generation_ = 0;
  Table desired_;               // what the config and health ask, kept service by service
  std::set<ServiceKey> dirty_;  // services changed since the last reconcile
  bool diff_all_ = true;        // after a full read of the kernel: diff every service
  uint64_t desired_builds_ = 0;
  HealthView health_;
  bool loaded_ = false;  // actual_ holds a read of the kernel
  Table actual_;
  std::set<ServiceKey> owned_;
  DrainClock drains_;
  std::optional<bool> sync_master_;       // unset until the daemon tells; backup meanwhile
  std::vector<SyncDaemon> sync_daemons_;  // running with the configured interface and sync id
  std::optional<Clock::time_point> master_linger_until_ = Clock::now() + kSyncMasterLinger;
  std::optional<ServiceKey> counters_cursor_;  // the next service whose real servers' counters are read

  EngineCounters counters_;
  LastReconcile last_;
  std::string last_error_;
  std::string sysctl_error_;  // the failures of the last applySysctls(), "" when none
};

}  // namespace vipd::ipvs

#include "ipvs/engine.hpp"

#include <algorithm>

#include "common/log.hpp"
#include "ipvs/sysctls.hpp"

namespace vipd::ipvs {

namespace {

constexpr std::size_t kMaxErrorsLogged = 5;

uint32_t seconds(const std::optional<Duration>& d) {
  return d ? static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::seconds>(*d).count()) : 0;
}

}  // namespace

double LastReconcile::opsPerSecond() const {
  if (duration.count() == 0) return 0;
  return static_cast<double>(ops) * 1e6 / static_cast<double>(duration.count());
}

Engine::Engine(asio::io_context& io, std::unique_ptr<Kernel> kernel, Duration tick_interval)
    : timer_(io), kernel_(std::move(kernel)), tick_interval_(tick_interval) {}

bool Engine::load() {
  auto table = readTable(*kernel_);
  if (!table) {
    ++counters_.read_errors;
    if (last_error_ != table.error().message())
      log::warning("ipvs: cannot read the kernel table: " + table.error().message());
    last_error_ = table.error().message();
    return false;
  }
  actual_ = std::move(*table);
  loaded_ = true;
  diff_all_ = true;
  last_error_.clear();
  return true;
}

void Engine::apply(const conf::Config& config) {
  const auto started = Clock::now();
  stopped_ = false;
  // The settings only: the services are compared one by one, never copied whole.
  config_.flush_on_stop = config.ipvs.flush_on_stop;
  config_.drain_timeout = config.ipvs.drain_timeout;
  config_.timeout_tcp = config.ipvs.timeout_tcp;
  config_.timeout_tcpfin = config.ipvs.timeout_tcpfin;
  config_.timeout_udp = config.ipvs.timeout_udp;
  config_.expire_nodest_conn = config.ipvs.expire_nodest_conn;
  config_.sloppy_tcp = config.ipvs.sloppy_tcp;
  config_.expire_quiescent_template = config.ipvs.expire_quiescent_template;
  config_.conn_reuse_mode = config.ipvs.conn_reuse_mode;
  config_.sync = config.ipvs.sync;
  updateServices(config.ipvs);
  if (loaded_ || load()) {
    reconcileNow(Clock::now(), started);
    applyTimeouts();
    applySysctls();
  }
  applySyncDaemon(Clock::now());
  armTimer();
}

void Engine::rebuildDesired(const ServiceKey& key) {
  dirty_.insert(key);
  auto it = configured_.find(key);
  if (it == configured_.end()) {
    desired_.erase(key);
    return;
  }
  DesiredService built = desiredService(it->second.config, health_);
  ++desired_builds_;
  it->second.healthy = built.healthy;
  it->second.sorry_active = built.sorry_active;
  desired_[key] = std::move(built.state);
}

void Engine::reconcileNow(Clock::time_point now, Clock::time_point started) {
  const std::set<ServiceKey> scope = std::move(dirty_);
  dirty_.clear();
  const bool all = diff_all_;
  diff_all_ = false;
  const ApplyReport report =
      reconcile(*kernel_, desired_, actual_, owned_, drains_, now, config_.drain_timeout, all ? nullptr : &scope);
  ++counters_.reconciles;
  counters_.ops_applied += report.applied;
  counters_.op_errors += report.failed;
  counters_.rereads += report.rereads;
  last_.ops = report.planned;
  last_.duration = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
  for (std::size_t i = 0; i < report.errors.size() && i < kMaxErrorsLogged; ++i)
    log::warning("ipvs: " + report.errors[i].message());
  if (report.errors.size() > kMaxErrorsLogged)
    log::warning("ipvs: and " + std::to_string(report.errors.size() - kMaxErrorsLogged) + " more kernel errors");
  if (report.planned > 0)
    log::info("ipvs: reconciled, " + std::to_string(report.applied) + " of " + std::to_string(report.planned) +
              " changes applied in " + std::to_string(last_.duration.count()) + " us");
  // A service whose change the kernel refused is diffed again next time.
  for (const auto& key : report.failed_services) dirty_.insert(key);
  // A service we owned that is gone from both the config and the kernel is no longer ours.
  const auto gone = [&](const ServiceKey& key) { return !desired_.contains(key) && !actual_.contains(key); };
  if (all || report.rereads > 0) {
    std::erase_if(owned_, gone);
  } else {
    for (const auto& key : scope)
      if (gone(key)) owned_.erase(key);
  }
}

void Engine::refreshDraining() {
  std::set<ServiceKey> services;
  for (const auto& [ref, since] : drains_) services.insert(ref.first);
  for (const auto& key : services) {
    auto destinations = kernel_->destinations(key);
    if (!destinations) {
      ++counters_.read_errors;
      load();
      return;
    }
    dirty_.insert(key);
    auto& state = actual_[key];
    state.destinations.clear();
    for (auto& destination : *destinations) state.destinations.emplace(destination.key, std::move(destination));
  }
}

// Copies the kernel's counters of the real servers of the next `services`
// services (round robin) into the model; settings stay as the model has them.
void Engine::refreshCounters(std::size_t services) {
  if (actual_.empty()) return;
  auto it = counters_cursor_ ? actual_.lower_bound(*counters_cursor_) : actual_.begin();
  for (std::size_t n = 0; n < services && n < actual_.size(); ++n) {
    if (it == actual_.end()) it = actual_.begin();
    auto read = kernel_->destinations(it->first);
    if (!read) {
      ++counters_.read_errors;
      return;
    }
    for (const auto& fresh : *read) {
      auto known = it->second.destinations.find(fresh.key);
      if (known == it->second.destinations.end()) continue;
      known->second.active_conns = fresh.active_conns;
      known->second.inactive_conns = fresh.inactive_conns;
      known->second.persistent_conns = fresh.persistent_conns;
      known->second.stats = fresh.stats;
    }
    ++it;
  }
  counters_cursor_ = it == actual_.end() ? std::nullopt : std::optional<ServiceKey>(it->first);
}

void Engine::tick(Clock::time_point now) {
  if (stopped_) return;
  if (!loaded_) {
    if (!load()) return;
    reconcileNow(now, Clock::now());
    applyTimeouts();
    applySysctls();
    applySyncDaemon(now);
    return;
  }
  if (!drains_.empty()) {
    refreshDraining();
    reconcileNow(now, Clock::now());
  }
  refreshCounters(kCounterServicesPerTick);
  if (master_linger_until_ && now >= *master_linger_until_) {
    master_linger_until_.reset();
    applySyncDaemon(now);
  }
}

void Engine::armTimer() {
  if (timer_armed_ || stopped_) return;
  timer_armed_ = true;
  timer_.expires_after(tick_interval_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    timer_armed_ = false;
    if (ec || stopped_) return;
    tick(Clock::now());
    armTimer();
  });
}

void Engine::setHealth(const std::string& service, const Endpoint& server, bool healthy) {
  const auto started = Clock::now();
  if (!health_.set(service, server, healthy)) return;
  log::info("ipvs: " + service + " " + server.str() + (healthy ? " healthy" : " failed"));
  auto key = by_name_.find(service);
  if (key == by_name_.end()) return;  // not (yet) configured: remembered for when it is
  rebuildDesired(key->second);
  if (loaded_ && !stopped_) reconcileNow(Clock::now(), started);
}

void Engine::applyTimeouts() {
  const Timeouts wanted{seconds(config_.timeout_tcp), seconds(config_.timeout_tcpfin), seconds(config_.timeout_udp)};
  if (wanted == Timeouts{}) return;
  auto current = kernel_->timeouts();
  if (current && (!wanted.tcp || wanted.tcp == current->tcp) &&
      (!wanted.tcp_fin || wanted.tcp_fin == current->tcp_fin) && (!wanted.udp || wanted.udp == current->udp))
    return;
  if (auto set = kernel_->setTimeouts(wanted); !set) {
    ++counters_.op_errors;
    log::warning("ipvs: set timeouts: " + set.error().message());
  }
}

// Writes only the sysctls whose value differs; a failure is logged when it
// first appears (not again on every reload) and never stops the engine.
void Engine::applySysctls() {
  std::string errors;
  for (const auto& [name, value] : wantedSysctls(config_)) {
    auto current = kernel_->sysctl(name);
    if (current && *current == value) continue;
    if (auto set = kernel_->setSysctl(name, value); !set) {
      ++counters_.sysctl_errors;
      errors += (errors.empty() ? "" : "; ") + set.error().message();
      continue;
    }
    log::info("ipvs: net.ipv4.vs." + name + " = " + std::to_string(value));
  }
  if (!errors.empty() && errors != sysctl_error_) log::warning("ipvs: sysctl: " + errors);
  sysctl_error_ = std::move(errors);
}

void Engine::setSyncRole(bool master) {
  if (sync_master_ == master) return;
  const auto now = Clock::now();
  if (sync_master_ == true) master_linger_until_ = now + kSyncMasterLinger;
  sync_master_ = master;
  applySyncDaemon(now);
}

// The backup daemon always runs, so a node that becomes master still learns
// the connections the old master synced last. The master daemon runs while
// the followed VRRP instance is MASTER and kSyncMasterLinger longer: stopping
// it discards the kernel's unsent sync buffer (up to 2 s of connections).
// A master daemon found running at start-up (a restarted vipd) gets the same
// grace.
void Engine::applySyncDaemon(Clock::time_point now) {
  if (stopped_) return;
  if (!config_.sync) {
    for (const auto& daemon : sync_daemons_)
      if (auto stop = kernel_->stopSyncDaemon(daemon.state); !stop) ++counters_.sync_errors;
    sync_daemons_.clear();
    return;
  }
  const auto& sync = *config_.sync;
  const auto sync_id = static_cast<uint32_t>(sync.sync_id);
  const bool master = sync_master_.value_or(false);
  const bool keep_master = master || (master_linger_until_ && now < *master_linger_until_);
  std::vector<SyncDaemon> wanted{{SyncState::backup, sync.interface, sync_id}};
  if (master) wanted.push_back({SyncState::master, sync.interface, sync_id});

  auto running = kernel_->syncDaemons();
  if (!running) {
    ++counters_.sync_errors;
    return;
  }
  sync_daemons_.clear();
  for (const auto& daemon : *running) {
    const bool configured = daemon.interface == sync.interface && daemon.sync_id == sync_id;
    if (configured && (daemon.state == SyncState::backup || keep_master)) {
      sync_daemons_.push_back(daemon);
    } else if (auto stop = kernel_->stopSyncDaemon(daemon.state); !stop) {
      ++counters_.sync_errors;
      log::warning("ipvs: stop sync daemon: " + stop.error().message());
    }
  }
  for (const auto& daemon : wanted) {
    if (std::find(sync_daemons_.begin(), sync_daemons_.end(), daemon) != sync_daemons_.end()) continue;
    if (auto start = kernel_->startSyncDaemon(daemon); !start) {
      ++counters_.sync_errors;
      log::warning("ipvs: start sync daemon (" + std::string(syncStateName(daemon.state)) + " on " + daemon.interface +
                   "): " + start.error().message());
      continue;
    }
    log::info("ipvs: sync daemon " + std::string(syncStateName(daemon.state)) + " on " + daemon.interface);
    sync_daemons_.push_back(daemon);
  }
}

void Engine::stop(std::function<void()> done) {
  stopped_ = true;
  diff_all_ = true;  // an apply() after a stop compares every service again
  timer_.cancel();
  if (config_.flush_on_stop && loaded_) {
    std::vector<Op> deletes;
    for (const auto& [key, state] : actual_)
      if (owned_.contains(key)) deletes.push_back(Op{Op::Kind::deleteService, state.service, {}});
    const auto results = kernel_->executeAll(deletes);
    for (std::size_t i = 0; i < deletes.size(); ++i) {
      if (results[i].ok()) {
        actual_.erase(deletes[i].service.key);
      } else {
        ++counters_.op_errors;
        log::warning("ipvs: " + results[i].error().message());
      }
    }
    std::erase_if(sync_daemons_, [&](const SyncDaemon& daemon) { return kernel_->stopSyncDaemon(daemon.state).ok(); });
    log::info("ipvs: removed " + std::to_string(deletes.size()) + " services on stop (flush_on_stop)");
  }
  if (done) done();
}

}  // namespace vipd::ipvs

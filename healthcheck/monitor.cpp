#include "healthcheck/monitor.hpp"

#include "common/log.hpp"
#include "conf/config.hpp"
#include "healthcheck/schedule.hpp"

namespace vipd::healthcheck {

namespace {

std::string healthWord(bool healthy) { return healthy ? "healthy" : "unhealthy"; }

int64_t millis(Duration d) { return d.count(); }

}  // namespace

Monitor::Monitor(asio::io_context& io, CheckerFactory checkers, MonitorSinks sinks)
    : io_(io), checkers_(std::move(checkers)), sinks_(std::move(sinks)), wake_(io) {}

Monitor::~Monitor() {
  for (auto& [id, running] : running_) running.checker->cancel();
}

void Monitor::apply(const conf::Config& config) {
  const bool resuming = stopped_;
  stopped_ = false;
  const bool user_changed = config.global.script_user != script_user_;
  script_user_ = config.global.script_user;
  ReloadDelta delta = book_.reload(buildPlan(config.ipvs));
  for (const auto& id : delta.removed) {
    Running& running = running_.at(id);
    running.checker->cancel();
    unschedule(running);
    running_.erase(id);
  }
  std::map<Duration, std::size_t> checks_by_interval;
  for (const auto& [id, record] : book_.checks()) ++checks_by_interval[record.spec.params.interval];
  const auto gridOf = [&](const CheckRecord& record) {
    const Duration interval = record.spec.params.interval;
    return probeGrid(interval, checks_by_interval[interval]);
  };
  const auto now = std::chrono::steady_clock::now();
  std::uniform_real_distribution<double> fraction(0.0, 1.0);
  for (const auto& id : delta.added) {
    Running& running = running_[id];
    running.record = book_.find(id);
    running.grid = gridOf(*running.record);
    running.checker = checkers_(running.record->spec, script_user_);
    schedule(running, firstProbeAt(now, running.record->spec.params.warmup, fraction(random_)), now);
  }
  for (const auto& id : delta.kept) {
    Running& running = running_.at(id);
    running.record = book_.find(id);
    running.grid = gridOf(*running.record);
    const CheckSpec& spec = running.record->spec;
    if (user_changed && spec.params.type == conf::CheckType::script) {
      running.checker->cancel();
      running.checker = checkers_(spec, script_user_);
      if (running.in_flight) {
        running.in_flight = false;
        schedule(running, now, now);
      }
    } else if (resuming) {
      schedule(running, now, now);
    }
  }
  log::info("checks: " + std::to_string(book_.checks().size()) + " checks (" + std::to_string(delta.added.size()) +
            " new, " + std::to_string(delta.kept.size()) + " kept, " + std::to_string(delta.removed.size()) +
            " removed)");
  publish(delta.events);
}

void Monitor::schedule(Running& running, TimePoint exact, TimePoint now) {
  unschedule(running);
  running.exact = exact;
  const TimePoint at = onProbeGrid(exact, now, running.grid);
  running.due = at;
  running.waiting = true;
  waiting_[at].push_back(&running);
  if (at < wake_at_) wakeAt(at);
}

void Monitor::unschedule(Running& running) {
  if (!running.waiting) return;
  running.waiting = false;
  auto step = waiting_.find(running.due);
  std::erase(step->second, &running);
  if (step->second.empty()) waiting_.erase(step);  // wake_ may still fire for it: it then finds nothing due
}

void Monitor::wakeAt(TimePoint at) {
  wake_at_ = at;
  wake_.expires_at(at);  // a wait pending for a later time ends with operation_aborted
  wake_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    wake_at_ = TimePoint::max();
    probeWhatIsDue();
  });
}

void Monitor::probeWhatIsDue() {
  if (stopped_) return;
  const auto now = std::chrono::steady_clock::now();
  while (!waiting_.empty() && waiting_.begin()->first <= now) {
    const std::vector<Running*> due = std::move(waiting_.begin()->second);
    waiting_.erase(waiting_.begin());
    for (Running* running : due) {
      running->waiting = false;
      probe(*running, now);  // checkers never answer inline: nothing here changes waiting_
    }
  }
  if (!waiting_.empty()) wakeAt(waiting_.begin()->first);
}

void Monitor::probe(Running& running, TimePoint now) {
  running.started = now;
  lateness_.record(running.started,
                   std::chrono::duration_cast<LatenessHistogram::Micros>(running.started - running.due));
  running.in_flight = true;
  running.checker->probe([this, &running](ProbeResult result) { onResult(running, result); });
}

void Monitor::onResult(Running& running, const ProbeResult& result) {
  running.in_flight = false;
  const auto now = running.started + result.latency;  // no clock read: it is a system call in the bench VM
  const Events events = book_.record(*running.record, result, now);
  if (!stopped_) schedule(running, nextProbeAt(running.exact, now, running.record->spec.params.interval), now);
  if (!events.checks.empty()) publish(events);
}

void Monitor::publish(const Events& events) {
  for (const auto& change : events.checks) {
    ++check_transitions_;
    const CheckRecord& record = book_.checks().at(change.check_id);
    std::string line = "check " + record.spec.label() + " -> " + healthWord(change.healthy);
    if (!change.healthy && record.last) line += " (" + record.last->error + ")";
    (change.healthy ? log::notice : log::warning)(line);
  }
  for (const auto& change : events.servers) {
    auto line = [&] {
      return "real server " + change.key.server.str() + " of service " + change.key.service + " -> " +
             healthWord(change.healthy);
    };
    // Every real server has an initial report: at 100,000 of them the lines alone took a second under emulation.
    if (change.initial) {
      if (log::enabled(log::Level::debug)) log::debug(line() + " (initial)");
    } else {
      ++server_transitions_;
      (change.healthy ? log::notice : log::warning)(line());
    }
    if (sinks_.onRealServerHealth) sinks_.onRealServerHealth(change.key.service, change.key.server, change.healthy);
  }
  for (const auto& change : events.services) {
    const std::string line = "service " + change.service + (change.has_quorum ? " has" : " lost") + " quorum (" +
                             std::to_string(change.healthy_servers) + " healthy real servers)";
    if (change.initial) {
      (change.has_quorum ? log::debug : log::warning)(line + " (initial)");
    } else {
      ++quorum_transitions_;
      (change.has_quorum ? log::notice : log::warning)(line);
    }
    if (sinks_.onServiceQuorum) sinks_.onServiceQuorum(change.service, change.has_quorum);
  }
}

nlohmann::json Monitor::status() const {
  const auto now = std::chrono::steady_clock::now();
  nlohmann::json checks = nlohmann::json::array();
  int failing = 0;
  // Built field by field: nlohmann's initializer lists copy every value once
  // more, which doubled the time the loop is blocked at 10,000 checks.
  checks.get_ref<nlohmann::json::array_t&>().reserve(book_.checks().size());
  for (const auto& [id, record] : book_.checks()) {
    if (!record.threshold.healthy) ++failing;
    nlohmann::json& row = checks.emplace_back(nlohmann::json::object());
    row["id"] = id;
    row["label"] = record.spec.label();
    row["target"] = record.spec.target.str();
    row["state"] = healthWord(record.threshold.healthy);
    nlohmann::json& last = row["last"];
    if (record.last) {
      last["success"] = record.last->success;
      last["error"] = record.last->error;
      last["latency_ms"] = millis(record.last->latency);
      last["age_ms"] = std::chrono::duration_cast<Duration>(now - *record.last_probe_at).count();
    }
    row["successes"] = record.successes;
    row["failures"] = record.failures;
    row["transitions"] = record.transitions;
    row["consecutive_successes"] = record.threshold.consecutive_successes;
    row["consecutive_failures"] = record.threshold.consecutive_failures;
    row["interval_ms"] = millis(record.spec.params.interval);
    row["timeout_ms"] = millis(record.spec.params.timeout);
    row["rise"] = record.spec.params.rise;
    row["fall"] = record.spec.params.fall;
  }
  nlohmann::json services = nlohmann::json::array();
  int without_quorum = 0;
  for (const auto& service : book_.plan().services) {
    nlohmann::json servers = nlohmann::json::array();
    for (std::size_t index : service.servers) {
      const ServerPlan& server = book_.plan().servers[index];
      servers.push_back({{"address", server.key.server.str()},
                         {"state", healthWord(book_.serverHealthy(server))},
                         {"checks", server.check_ids}});
    }
    const bool quorum = book_.hasQuorum(service);
    if (!quorum) ++without_quorum;
    services.push_back({{"name", service.name},
                        {"quorum", service.quorum},
                        {"healthy_servers", book_.healthyServers(service)},
                        {"has_quorum", quorum},
                        {"real_servers", servers}});
  }
  std::string summary = std::to_string(book_.checks().size()) + " checks, " + std::to_string(failing) + " failing";
  if (without_quorum > 0) summary += ", " + std::to_string(without_quorum) + " services without quorum";
  return {{"summary", summary},
          {"checks", checks},
          {"services", services},
          {"lateness", lateness_.toJson()},
          {"transitions",
           {{"checks", check_transitions_}, {"real_servers", server_transitions_}, {"quorum", quorum_transitions_}}}};
}

void Monitor::stop(std::function<void()> done) {
  stopped_ = true;
  for (auto& [id, running] : running_) {
    running.checker->cancel();
    running.in_flight = false;
    running.waiting = false;
  }
  waiting_.clear();
  wake_.cancel();
  wake_at_ = TimePoint::max();
  asio::post(io_, std::move(done));
}

}  // namespace vipd::healthcheck

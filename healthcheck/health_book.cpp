#include "healthcheck/health_book.hpp"

#include <algorithm>
#include <set>

namespace vipd::healthcheck {

ReloadDelta HealthBook::reload(CheckPlan plan) {
  ReloadDelta delta;
  std::map<std::string, CheckRecord> records;
  for (auto& [id, spec] : plan.checks) {
    auto old = records_.find(id);
    if (old != records_.end()) {
      CheckRecord record = std::move(old->second);
      record.spec = spec;  // same identity; the warmup may differ
      records.emplace(id, std::move(record));
      delta.kept.push_back(id);
    } else {
      ThresholdState start;
      start.healthy = !spec.params.initial_down;  // initial_state = "down": out until the first rise
      records.emplace(id, CheckRecord{spec, start, {}, {}, 0, 0, 0});
      delta.added.push_back(id);
    }
  }
  for (const auto& [id, record] : records_) {
    if (!records.contains(id)) delta.removed.push_back(id);
  }
  records_ = std::move(records);
  plan_ = std::move(plan);

  // Forget what was reported about servers and services that left the plan,
  // so one that comes back later is announced again.
  std::set<ServerKey> servers;
  for (const auto& server : plan_.servers) servers.insert(server.key);
  std::erase_if(reported_server_health_, [&](const auto& entry) { return !servers.contains(entry.first); });
  std::set<std::string> services;
  for (const auto& service : plan_.services) services.insert(service.name);
  std::erase_if(reported_quorum_, [&](const auto& entry) { return !services.contains(entry.first); });

  delta.events = diffDerivedState();
  return delta;
}

Events HealthBook::record(const std::string& check_id, const ProbeResult& result, TimePoint at) {
  auto it = records_.find(check_id);
  if (it == records_.end()) return {};
  CheckRecord& record = it->second;
  record.last = result;
  record.last_probe_at = at;
  ++(result.success ? record.successes : record.failures);
  if (!recordProbe(record.threshold, result.success, {record.spec.params.rise, record.spec.params.fall})) return {};
  ++record.transitions;
  Events events = diffDerivedState();
  events.checks.insert(events.checks.begin(), CheckTransition{check_id, record.threshold.healthy});
  return events;
}

bool HealthBook::serverHealthy(const ServerPlan& server) const {
  return std::all_of(server.check_ids.begin(), server.check_ids.end(), [&](const std::string& id) {
    auto it = records_.find(id);
    return it != records_.end() && it->second.threshold.healthy;
  });
}

int HealthBook::healthyServers(const ServicePlan& service) const {
  return static_cast<int>(std::count_if(service.servers.begin(), service.servers.end(),
                                        [&](std::size_t i) { return serverHealthy(plan_.servers[i]); }));
}

Events HealthBook::diffDerivedState() {
  Events events;
  for (const auto& server : plan_.servers) {
    const bool healthy = serverHealthy(server);
    auto [it, inserted] = reported_server_health_.try_emplace(server.key, healthy);
    if (inserted) {
      events.servers.push_back({server.key, healthy, true});
    } else if (it->second != healthy) {
      it->second = healthy;
      events.servers.push_back({server.key, healthy, false});
    }
  }
  for (const auto& service : plan_.services) {
    const int healthy = healthyServers(service);
    const bool quorum = healthy >= service.quorum;
    auto [it, inserted] = reported_quorum_.try_emplace(service.name, quorum);
    if (inserted) {
      events.services.push_back({service.name, quorum, healthy, true});
    } else if (it->second != quorum) {
      it->second = quorum;
      events.services.push_back({service.name, quorum, healthy, false});
    }
  }
  return events;
}

}  // namespace vipd::healthcheck

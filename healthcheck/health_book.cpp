#include "healthcheck/health_book.hpp"

#include <algorithm>
#include <type_traits>
#include <utility>

namespace vipd::healthcheck {

namespace {

// What the previous plan reported for a key of the new one. A reload of the
// same file lists the keys in the same order, so the same position is tried
// first (a map of 110,000 string keys was half of a reload's CPU); the
// previous keys are mapped only at the first miss.
template <typename Item, typename KeyOf>
class PreviouslyReported {
 public:
  using Key = std::remove_cvref_t<std::invoke_result_t<KeyOf, const Item&>>;

  PreviouslyReported(const std::vector<Item>& items, const std::vector<bool>& reported, KeyOf key_of)
      : items_(items), reported_(reported), key_of_(key_of) {}

  std::optional<bool> find(std::size_t index, const Key& key) {
    if (index < items_.size() && key_of_(items_[index]) == key) return reported_[index];
    if (by_key_.empty())
      for (std::size_t i = 0; i < items_.size(); ++i) by_key_.emplace(key_of_(items_[i]), i);
    auto found = by_key_.find(key);
    if (found == by_key_.end()) return std::nullopt;
    return reported_[found->second];
  }

 private:
  const std::vector<Item>& items_;
  const std::vector<bool>& reported_;  // parallel to items_
  KeyOf key_of_;
  std::map<Key, std::size_t> by_key_;  // filled at the first miss
};

}  // namespace

ReloadDelta HealthBook::reload(CheckPlan plan) {
  ReloadDelta delta;
  std::map<std::string, CheckRecord> records;
  for (auto& [id, spec] : plan.checks) {
    auto old = records_.find(id);
    if (old != records_.end()) {
      CheckRecord record = std::move(old->second);
      record.spec = spec;  // same identity; the warmup may differ
      record.servers.clear();
      records.emplace(id, std::move(record));
      delta.kept.push_back(id);
    } else {
      ThresholdState start;
      start.healthy = !spec.params.initial_down;  // initial_state = "down": out until the first rise
      records.emplace(id, CheckRecord{spec, start, {}, {}, 0, 0, 0, {}});
      delta.added.push_back(id);
    }
  }
  for (const auto& [id, record] : records_) {
    if (!records.contains(id)) delta.removed.push_back(id);
  }
  records_ = std::move(records);
  const CheckPlan previous = std::exchange(plan_, std::move(plan));
  for (std::size_t i = 0; i < plan_.servers.size(); ++i) {
    for (const auto& id : plan_.servers[i].check_ids) {
      auto it = records_.find(id);
      if (it != records_.end()) it->second.servers.push_back(i);
    }
  }
  delta.events = diffAfterReload(previous, std::move(server_reported_), std::move(quorum_reported_));
  return delta;
}

CheckRecord* HealthBook::find(const std::string& check_id) {
  auto it = records_.find(check_id);
  return it == records_.end() ? nullptr : &it->second;
}

Events HealthBook::record(const std::string& check_id, const ProbeResult& result, TimePoint at) {
  CheckRecord* found = find(check_id);
  return found ? record(*found, result, at) : Events{};
}

Events HealthBook::record(CheckRecord& record, const ProbeResult& result, TimePoint at) {
  record.last = result;
  record.last_probe_at = at;
  ++(result.success ? record.successes : record.failures);
  if (!recordProbe(record.threshold, result.success, {record.spec.params.rise, record.spec.params.fall})) return {};
  ++record.transitions;
  Events events;
  events.checks.push_back(CheckTransition{record.spec.id, record.threshold.healthy});
  appendServerChanges(record, events);
  return events;
}

void HealthBook::appendServerChanges(const CheckRecord& record, Events& events) {
  std::vector<std::size_t> touched_services;
  for (std::size_t index : record.servers) {
    const bool healthy = serverHealthy(plan_.servers[index]);
    if (server_reported_[index] == healthy) continue;
    server_reported_[index] = healthy;
    events.servers.push_back({plan_.servers[index].key, healthy, false});
    const std::size_t service = service_of_server_[index];
    service_healthy_[service] += healthy ? 1 : -1;
    touched_services.push_back(service);
  }
  std::sort(touched_services.begin(), touched_services.end());
  touched_services.erase(std::unique(touched_services.begin(), touched_services.end()), touched_services.end());
  for (std::size_t index : touched_services) {
    const ServicePlan& service = plan_.services[index];
    const bool quorum = service_healthy_[index] >= service.quorum;
    if (quorum_reported_[index] == quorum) continue;
    quorum_reported_[index] = quorum;
    events.services.push_back({service.name, quorum, service_healthy_[index], false});
  }
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

Events HealthBook::diffAfterReload(const CheckPlan& previous, std::vector<bool> previous_servers,
                                   std::vector<bool> previous_quorum) {
  // Carried over by key, so that an unchanged real server or service is not announced again.
  PreviouslyReported reported_servers(previous.servers, previous_servers, [](const ServerPlan& s) -> const ServerKey& {
    return s.key;
  });
  PreviouslyReported reported_quorum(previous.services, previous_quorum,
                                     [](const ServicePlan& s) -> const std::string& { return s.name; });
  Events events;
  server_reported_.assign(plan_.servers.size(), false);
  service_of_server_.assign(plan_.servers.size(), 0);
  for (std::size_t i = 0; i < plan_.servers.size(); ++i) {
    const ServerPlan& server = plan_.servers[i];
    const bool healthy = serverHealthy(server);
    server_reported_[i] = healthy;
    const auto old = reported_servers.find(i, server.key);
    if (!old) {
      events.servers.push_back({server.key, healthy, true});
    } else if (*old != healthy) {
      events.servers.push_back({server.key, healthy, false});
    }
  }
  service_healthy_.assign(plan_.services.size(), 0);
  quorum_reported_.assign(plan_.services.size(), false);
  for (std::size_t s = 0; s < plan_.services.size(); ++s) {
    const ServicePlan& service = plan_.services[s];
    for (std::size_t i : service.servers) {
      service_of_server_[i] = s;
      if (server_reported_[i]) ++service_healthy_[s];
    }
    const bool quorum = service_healthy_[s] >= service.quorum;
    quorum_reported_[s] = quorum;
    const auto old = reported_quorum.find(s, service.name);
    if (!old) {
      events.services.push_back({service.name, quorum, service_healthy_[s], true});
    } else if (*old != quorum) {
      events.services.push_back({service.name, quorum, service_healthy_[s], false});
    }
  }
  return events;
}

}  // namespace vipd::healthcheck

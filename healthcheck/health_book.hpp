#pragma once
// The health state of every check, real server and service, and the events
// that changes to it produce. Pure: fed probe results with their time and new
// plans on reload; tested with a driven clock.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/duration.hpp"
#include "healthcheck/check_plan.hpp"
#include "healthcheck/threshold.hpp"

namespace vipd::healthcheck {

using TimePoint = std::chrono::steady_clock::time_point;

struct ProbeResult {
  bool success = false;
  std::string error;  // why it failed; empty on success
  Duration latency{0};
};

struct CheckRecord {
  CheckSpec spec;
  ThresholdState threshold;
  std::optional<ProbeResult> last;
  std::optional<TimePoint> last_probe_at;
  uint64_t successes = 0;
  uint64_t failures = 0;
  uint64_t transitions = 0;
  std::vector<std::size_t> servers;  // the plan's real servers (indexes) that use this check, ascending
};

struct CheckTransition {
  std::string check_id;
  bool healthy = false;
};

// `initial`: the first report for a real server or service new to the plan
// (not a transition: it tells consumers the starting state).
struct ServerHealthChange {
  ServerKey key;
  bool healthy = false;
  bool initial = false;
};

struct QuorumChange {
  std::string service;
  bool has_quorum = false;
  int healthy_servers = 0;
  bool initial = false;
};

struct Events {
  std::vector<CheckTransition> checks;
  std::vector<ServerHealthChange> servers;
  std::vector<QuorumChange> services;
};

struct ReloadDelta {
  std::vector<std::string> added;    // checks to start
  std::vector<std::string> removed;  // checks to stop
  std::vector<std::string> kept;     // same id as before: state and schedule carry over
  Events events;
};

class HealthBook {
 public:
  // Maps the new plan onto the current state by check id.
  ReloadDelta reload(CheckPlan plan);

  // One probe result of a check in the plan; unknown ids are ignored.
  Events record(const std::string& check_id, const ProbeResult& result, TimePoint at);
  // The same without the lookup, for a record of this book (stable until the next reload).
  // Costs O(servers using the check) on a transition, O(1) otherwise.
  Events record(CheckRecord& record, const ProbeResult& result, TimePoint at);
  CheckRecord* find(const std::string& check_id);

  const CheckPlan& plan() const { return plan_; }
  const std::map<std::string, CheckRecord>& checks() const { return records_; }
  bool serverHealthy(const ServerPlan& server) const;
  int healthyServers(const ServicePlan& service) const;
  bool hasQuorum(const ServicePlan& service) const { return healthyServers(service) >= service.quorum; }

 private:
  // After a reload: every real server's and service's state against what was
  // reported under the previous plan (by key), and the indexes rebuilt.
  // The previous vectors are taken (by value): they are this book's, rebuilt here.
  Events diffAfterReload(const CheckPlan& previous, std::vector<bool> previous_servers,
                         std::vector<bool> previous_quorum);
  void appendServerChanges(const CheckRecord& record, Events& events);

  CheckPlan plan_;
  std::map<std::string, CheckRecord> records_;
  // Parallel to plan_.servers / plan_.services: what was last reported.
  std::vector<bool> server_reported_;
  std::vector<std::size_t> service_of_server_;
  std::vector<int> service_healthy_;  // healthy real servers per service, as reported
  std::vector<bool> quorum_reported_;
};

}  // namespace vipd::healthcheck

// Engine::status(): the snapshot behind `vipctl ipvs --json`.
#include <map>

#include "ipvs/engine.hpp"
#include "ipvs/sysctls.hpp"

namespace vipd::ipvs {

namespace {

nlohmann::json statsJson(const Stats& s) {
  return {{"conns", s.conns},       {"inpkts", s.inpkts}, {"outpkts", s.outpkts}, {"inbytes", s.inbytes},
          {"outbytes", s.outbytes}, {"cps", s.cps},       {"inpps", s.inpps},     {"outpps", s.outpps},
          {"inbps", s.inbps},       {"outbps", s.outbps}};
}

// ipvsadm's names: sh and mh give their scheduler flags meanings.
nlohmann::json flagsJson(uint32_t flags, const std::string& scheduler) {
  const bool named = scheduler == "sh" || scheduler == "mh";
  nlohmann::json list = nlohmann::json::array();
  if (flags & kFlagPersistent) list.push_back("persistent");
  if (flags & kFlagOnePacket) list.push_back("ops");
  if (flags & kFlagSchedFallback) list.push_back(named ? scheduler + "-fallback" : "sched-flag-1");
  if (flags & kFlagSchedPort) list.push_back(named ? scheduler + "-port" : "sched-flag-2");
  return list;
}

}  // namespace

std::pair<std::string, int> Engine::destinationHealth(const ServiceKey& key, const Destination& d) const {
  const auto found = configured_.find(key);
  std::string health = owned_.contains(key) ? "draining" : "foreign";
  int config_weight = -1;
  if (found == configured_.end()) return {health, config_weight};
  const conf::IpvsService& conf = found->second.config;
  const Endpoint endpoint{d.key.address, d.key.port};
  for (const auto& server : conf.real_servers) {
    if (server.address != endpoint) continue;
    health = health_.healthy(conf.name, endpoint) ? "healthy" : "failed";
    config_weight = server.weight;
  }
  if (conf.sorry_server == endpoint && config_weight < 0) health = d.weight > 0 ? "sorry" : "draining";
  return {health, config_weight};
}

std::string Engine::summaryText(std::size_t servers, std::size_t healthy, std::size_t draining) const {
  if (!loaded_) return "kernel unavailable: " + last_error_;
  std::string text = std::to_string(actual_.size()) + " services, " + std::to_string(servers) + " real servers (" +
                     std::to_string(healthy) + " healthy" +
                     (draining ? ", " + std::to_string(draining) + " draining" : "") + ")";
  if (counters_.op_errors) text += ", " + std::to_string(counters_.op_errors) + " kernel errors";
  if (!sysctl_error_.empty()) text += ", sysctl failed: " + sysctl_error_;
  return text;
}

std::string Engine::summary() const {
  std::size_t servers = 0, healthy = 0, draining = 0;
  for (const auto& [key, state] : actual_) {
    for (const auto& [dkey, d] : state.destinations) {
      const std::string health = destinationHealth(key, d).first;
      ++servers;
      healthy += health == "healthy";
      draining += health == "draining";
    }
  }
  return summaryText(servers, healthy, draining);
}

nlohmann::json Engine::status() const {
  // The model, with every service's counters from one dump of the services;
  // real servers' counters as the last ticks read them (refreshCounters).
  std::map<ServiceKey, Stats> service_stats;
  bool fresh = false;
  if (loaded_) {
    if (auto read = kernel_->services()) {
      fresh = true;
      for (const auto& service : *read) service_stats.emplace(service.key, service.stats);
    }
  }
  const Table& table = actual_;

  nlohmann::json services = nlohmann::json::array();
  std::size_t servers = 0, healthy = 0, draining = 0;
  for (const auto& [key, state] : table) {
    const auto found = configured_.find(key);
    const conf::IpvsService* conf = found != configured_.end() ? &found->second.config : nullptr;
    const auto stats = service_stats.find(key);
    const bool owned = owned_.contains(key);
    nlohmann::json entry = {
        {"name", conf ? conf->name : ""},
        {"owned", owned},
        {"family", key.family == Family::v6 ? "inet6" : "inet"},
        {"protocol", key.isFwmark() ? "" : std::string(protocolName(key.protocol))},
        {"address", key.isFwmark() ? "" : key.address.str()},
        {"port", key.port},
        {"fwmark", key.fwmark},
        {"scheduler", state.service.scheduler},
        {"flags", flagsJson(state.service.flags, state.service.scheduler)},
        {"persistence_s", state.service.timeout},
        {"netmask", state.service.netmask},
        {"sorry_active", found != configured_.end() && found->second.sorry_active},
        {"stats", statsJson(stats != service_stats.end() ? stats->second : state.service.stats)},
    };
    nlohmann::json dests = nlohmann::json::array();
    for (const auto& [dkey, d] : state.destinations) {
      const auto [health, config_weight] = destinationHealth(key, d);
      ++servers;
      if (health == "healthy") ++healthy;
      if (health == "draining") ++draining;
      dests.push_back({{"address", dkey.address.str()},
                       {"port", dkey.port},
                       {"forwarding", std::string(forwardingName(d.forwarding))},
                       {"weight", d.weight},
                       {"config_weight", config_weight},
                       {"upper_threshold", d.upper_threshold},
                       {"lower_threshold", d.lower_threshold},
                       {"health", health},
                       {"active_conns", d.active_conns},
                       {"inactive_conns", d.inactive_conns},
                       {"persistent_conns", d.persistent_conns},
                       {"stats", statsJson(d.stats)}});
    }
    entry["real_servers"] = std::move(dests);
    services.push_back(std::move(entry));
  }

  const std::string summary = summaryText(servers, healthy, draining);
  nlohmann::json sysctls = nlohmann::json::object();
  for (const auto& [name, value] : wantedSysctls(config_)) sysctls[name] = value;
  nlohmann::json sync = {{"configured", config_.sync.has_value()},
                         {"role", sync_master_.value_or(false) ? "master" : "backup"}};
  sync["daemons"] = nlohmann::json::array();
  for (const auto& daemon : sync_daemons_)
    sync["daemons"].push_back({{"state", std::string(syncStateName(daemon.state))},
                               {"interface", daemon.interface},
                               {"sync_id", daemon.sync_id}});
  return {{"summary", summary},
          {"kernel_available", loaded_},
          {"fresh", fresh},
          {"real_server_counters",
           {{"services_per_tick", kCounterServicesPerTick},
            {"tick_ms", std::chrono::duration_cast<std::chrono::milliseconds>(tick_interval_).count()}}},
          {"error", last_error_},
          {"services", std::move(services)},
          {"sync", std::move(sync)},
          {"counters",
           {{"reconciles", counters_.reconciles},
            {"ops_applied", counters_.ops_applied},
            {"op_errors", counters_.op_errors},
            {"rereads", counters_.rereads},
            {"read_errors", counters_.read_errors},
            {"sync_errors", counters_.sync_errors},
            {"sysctl_errors", counters_.sysctl_errors}}},
          {"sysctls", {{"wanted", std::move(sysctls)}, {"error", sysctl_error_}}},
          {"last_reconcile",
           {{"ops", last_.ops}, {"duration_us", last_.duration.count()}, {"ops_per_s", last_.opsPerSecond()}}}};
}

}  // namespace vipd::ipvs

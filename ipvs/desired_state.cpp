#include "ipvs/desired_state.hpp"

#include <algorithm>
#include <bit>
#include <iterator>
#include <set>

namespace vipd::ipvs {

bool HealthView::set(const std::string& service, const Endpoint& server, bool healthy) {
  auto [it, inserted] = healthy_.try_emplace({service, server}, true);
  const bool changed = it->second != healthy;
  it->second = healthy;
  return changed;
}

bool HealthView::healthy(const std::string& service, const Endpoint& server) const {
  auto it = healthy_.find({service, server});
  return it == healthy_.end() || it->second;
}

void HealthView::retainOnly(const conf::Ipvs& config) {
  std::set<std::pair<std::string, Endpoint>> known;
  for (const auto& service : config.services)
    for (const auto& server : service.real_servers) known.insert({service.name, server.address});
  std::erase_if(healthy_, [&](const auto& entry) { return !known.contains(entry.first); });
}

void HealthView::retainOnly(const std::string& service, const conf::IpvsService* config) {
  auto it = healthy_.lower_bound({service, Endpoint{}});
  while (it != healthy_.begin() && std::prev(it)->first.first == service) --it;
  while (it != healthy_.end() && it->first.first == service) {
    const Endpoint& server = it->first.second;
    const bool known = config && std::any_of(config->real_servers.begin(), config->real_servers.end(),
                                             [&](const conf::RealServer& r) { return r.address == server; });
    it = known ? std::next(it) : healthy_.erase(it);
  }
}

Table DesiredState::table() const {
  Table table;
  for (const auto& [key, desired] : services) table.emplace(key, desired.state);
  return table;
}

Forwarding forwardingFromConfig(conf::Forwarding forwarding) {
  switch (forwarding) {
    case conf::Forwarding::nat:
      return Forwarding::nat;
    case conf::Forwarding::tun:
      return Forwarding::tun;
    case conf::Forwarding::dr:
      break;
  }
  return Forwarding::dr;
}

Protocol protocolFromConfig(conf::Protocol protocol) {
  switch (protocol) {
    case conf::Protocol::udp:
      return Protocol::udp;
    case conf::Protocol::sctp:
      return Protocol::sctp;
    case conf::Protocol::tcp:
      break;
  }
  return Protocol::tcp;
}

namespace {

uint8_t prefixOfMask(const IpAddress& mask) {
  int length = 0;
  for (std::size_t i = 0; i < mask.size(); ++i) {
    const int ones = std::countl_one(mask.bytes[i]);
    length += ones;
    if (ones < 8) break;
  }
  return static_cast<uint8_t>(length);
}

}  // namespace

Service serviceFromConfig(const conf::IpvsService& config) {
  Service service;
  if (config.fwmark) {
    service.key = ServiceKey::ofFwmark(config.family, *config.fwmark);
  } else if (config.address) {
    service.key = ServiceKey::ofEndpoint(protocolFromConfig(config.protocol), *config.address);
  }
  service.scheduler = config.scheduler;
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(config.persistence).count();
  if (seconds > 0) {
    service.flags |= kFlagPersistent;
    service.timeout = static_cast<uint32_t>(seconds);
  }
  for (const auto& flag : config.scheduler_flags) {
    if (flag == "fallback") service.flags |= kFlagSchedFallback;
    if (flag == "port") service.flags |= kFlagSchedPort;
  }
  service.netmask =
      config.persistence_netmask ? prefixOfMask(*config.persistence_netmask) : hostPrefixLength(service.key.family);
  return service;
}

DesiredService desiredService(const conf::IpvsService& configured, const HealthView& health) {
  DesiredService entry;
  entry.name = configured.name;
  entry.state.service = serviceFromConfig(configured);
  for (const auto& server : configured.real_servers)
    if (health.healthy(configured.name, server.address)) ++entry.healthy;
  entry.sorry_active = configured.sorry_server && static_cast<int>(entry.healthy) < configured.quorum;

  for (const auto& server : configured.real_servers) {
    const bool healthy = health.healthy(configured.name, server.address);
    if (!healthy && !configured.inhibit_on_failure) continue;
    Destination destination;
    destination.key = DestinationKey{server.address.address, server.address.port};
    destination.forwarding = forwardingFromConfig(server.forwarding.value_or(configured.forwarding));
    destination.weight = healthy && !entry.sorry_active ? server.weight : 0;
    destination.upper_threshold = server.upper_threshold;
    destination.lower_threshold = server.lower_threshold;
    entry.state.destinations[destination.key] = destination;
  }
  if (entry.sorry_active) {
    Destination sorry;
    sorry.key = DestinationKey{configured.sorry_server->address, configured.sorry_server->port};
    sorry.forwarding = forwardingFromConfig(configured.forwarding);
    sorry.weight = 1;
    entry.state.destinations[sorry.key] = sorry;
  }
  return entry;
}

DesiredState desiredState(const conf::Ipvs& config, const HealthView& health) {
  DesiredState desired;
  for (const auto& configured : config.services) {
    DesiredService entry = desiredService(configured, health);
    const ServiceKey key = entry.state.service.key;
    desired.services.emplace(key, std::move(entry));
  }
  return desired;
}

}  // namespace vipd::ipvs

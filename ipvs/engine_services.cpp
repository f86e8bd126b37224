// Engine::updateServices(): which configured services an apply() added,
// changed or removed. Only those get their desired state rebuilt and diffed.
#include "ipvs/engine.hpp"

namespace vipd::ipvs {

namespace {

// Unchanged: the same fingerprint, or else equal fields (the entry then takes
// the new fingerprint: the text changed, not the service).
template <typename Entry>
bool unchanged(Entry& entry, const conf::IpvsService& service, uint64_t fingerprint) {
  if (fingerprint != 0 && entry.fingerprint == fingerprint) return true;
  if (!(entry.config == service)) return false;
  entry.fingerprint = fingerprint;
  return true;
}

}  // namespace

void Engine::updateServices(const conf::Ipvs& ipvs) {
  ++generation_;
  ServiceChanges changes;
  if (auto positions = changedPositions(ipvs))
    updateAt(ipvs, *positions, changes);
  else
    updateAll(ipvs, changes);
  for (const auto& key : changes.keys)
    if (auto it = configured_.find(key); it != configured_.end()) {
      by_name_[it->second.config.name] = key;
      owned_.insert(key);
    }
  for (const auto& name : changes.names) {
    auto key = by_name_.find(name);
    health_.retainOnly(name, key == by_name_.end() ? nullptr : &configured_.at(key->second).config);
  }
  for (const auto& key : changes.keys) rebuildDesired(key);
}

// The positions whose fingerprint differs from the one the service at that
// place holds (0 when the last config had none), when this config is
// fingerprinted, lists as many services as the last one, and the last one
// listed each configured service once. Otherwise nullopt: compare all.
std::optional<std::vector<std::size_t>> Engine::changedPositions(const conf::Ipvs& ipvs) const {
  const auto& fingerprints = ipvs.service_fingerprints;
  if (fingerprints.size() != ipvs.services.size() || fingerprints.size() != order_.size() ||
      configured_.size() != order_.size())
    return std::nullopt;
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < fingerprints.size(); ++i)
    if (fingerprints[i] == 0 || fingerprints[i] != order_[i]->fingerprint) positions.push_back(i);
  return positions;
}

// Only the given positions: every other one holds the same service as last
// time. A service that was at a given position and is listed at none of them
// is gone (it was listed once, there).
void Engine::updateAt(const conf::Ipvs& ipvs, const std::vector<std::size_t>& positions, ServiceChanges& changes) {
  std::vector<ServiceKey> replaced;
  replaced.reserve(positions.size());
  for (std::size_t i : positions) replaced.push_back(serviceFromConfig(order_[i]->config).key);
  for (std::size_t i : positions) {
    Configured& entry = take(ipvs.services[i], ipvs.service_fingerprints[i], changes);
    entry.generation = generation_;
    order_[i] = &entry;
  }
  for (const auto& key : replaced)
    if (auto it = configured_.find(key); it != configured_.end() && it->second.generation != generation_)
      forget(key, changes);
}

void Engine::updateAll(const conf::Ipvs& ipvs, ServiceChanges& changes) {
  const auto& services = ipvs.services;
  const bool fingerprinted = ipvs.service_fingerprints.size() == services.size();
  // The service at the same place as last time, unchanged (its key follows
  // from its config), costs one comparison and no lookup.
  const bool same_order = order_.size() == services.size();
  std::vector<Configured*> order;
  order.reserve(services.size());
  std::size_t listed = 0;  // distinct configured services seen (a duplicate key counts once)
  for (std::size_t i = 0; i < services.size(); ++i) {
    const uint64_t fingerprint = fingerprinted ? ipvs.service_fingerprints[i] : 0;
    Configured& entry = same_order && unchanged(*order_[i], services[i], fingerprint)
                            ? *order_[i]
                            : take(services[i], fingerprint, changes);
    if (entry.generation != generation_) ++listed;
    entry.generation = generation_;
    order.push_back(&entry);
  }
  order_ = std::move(order);
  if (configured_.size() == listed) return;
  std::vector<ServiceKey> gone;
  for (const auto& [key, entry] : configured_)
    if (entry.generation != generation_) gone.push_back(key);
  for (const auto& key : gone) forget(key, changes);
}

// The configured entry of this service, added or updated when it differs.
Engine::Configured& Engine::take(const conf::IpvsService& service, uint64_t fingerprint, ServiceChanges& changes) {
  const ServiceKey key = serviceFromConfig(service).key;
  auto [it, added] = configured_.try_emplace(key);
  Configured& entry = it->second;
  if (!added && unchanged(entry, service, fingerprint)) return entry;
  if (!added) {
    changes.names.insert(entry.config.name);
    if (auto old = by_name_.find(entry.config.name); old != by_name_.end() && old->second == key) by_name_.erase(old);
  }
  changes.names.insert(service.name);
  entry.config = service;
  entry.fingerprint = fingerprint;
  changes.keys.insert(key);
  return entry;
}

void Engine::forget(const ServiceKey& key, ServiceChanges& changes) {
  auto it = configured_.find(key);
  changes.names.insert(it->second.config.name);
  if (auto old = by_name_.find(it->second.config.name); old != by_name_.end() && old->second == key)
    by_name_.erase(old);
  changes.keys.insert(key);
  configured_.erase(it);
}

}  // namespace vipd::ipvs

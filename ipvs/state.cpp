#include "ipvs/state.hpp"

namespace vipd::ipvs {

namespace {

Destination settingsOnly(const Destination& destination) {
  Destination copy;
  copy.key = destination.key;
  copy.forwarding = destination.forwarding;
  copy.weight = destination.weight;
  copy.upper_threshold = destination.upper_threshold;
  copy.lower_threshold = destination.lower_threshold;
  return copy;
}

}  // namespace

void applyToTable(Table& table, const Op& op) {
  const ServiceKey& key = op.service.key;
  switch (op.kind) {
    case Op::Kind::addService: {
      Service service = op.service;
      service.stats = {};
      table[key] = ServiceState{service, {}};
      return;
    }
    case Op::Kind::updateService: {
      auto it = table.find(key);
      if (it == table.end()) return;
      Service& service = it->second.service;
      service.scheduler = op.service.scheduler;
      service.flags = op.service.flags;
      service.timeout = op.service.timeout;
      service.netmask = op.service.netmask;
      return;
    }
    case Op::Kind::deleteService:
      table.erase(key);
      return;
    default:
      break;
  }
  auto it = table.find(key);
  if (it == table.end()) return;
  auto& destinations = it->second.destinations;
  const DestinationKey& dkey = op.destination.key;
  switch (op.kind) {
    case Op::Kind::addDestination:
      destinations[dkey] = settingsOnly(op.destination);
      break;
    case Op::Kind::updateDestination:
    case Op::Kind::drainDestination:
      if (auto d = destinations.find(dkey); d != destinations.end()) {
        d->second.forwarding = op.destination.forwarding;
        d->second.weight = op.kind == Op::Kind::drainDestination ? 0 : op.destination.weight;
        d->second.upper_threshold = op.destination.upper_threshold;
        d->second.lower_threshold = op.destination.lower_threshold;
      }
      break;
    case Op::Kind::deleteDestination:
      destinations.erase(dkey);
      break;
    default:
      break;
  }
}

}  // namespace vipd::ipvs

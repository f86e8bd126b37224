#include "ipvs/reconciler.hpp"

namespace vipd::ipvs {

namespace {

bool drainExpired(const DiffInput& in, const DestinationRef& ref) {
  auto it = in.drains.find(ref);
  return it != in.drains.end() && in.now - it->second >= in.drain_timeout;
}

}  // namespace

std::vector<Op> diff(const DiffInput& in) {
  std::vector<Op> adds, updates, destChanges, drains, destDeletes, deletes;
  for (const auto& [key, want] : in.desired) {
    auto have = in.actual.find(key);
    if (have == in.actual.end()) {
      adds.push_back(Op{Op::Kind::addService, want.service, {}});
      for (const auto& [dkey, dest] : want.destinations)
        destChanges.push_back(Op{Op::Kind::addDestination, want.service, dest});
      continue;
    }
    if (!want.service.sameSettings(have->second.service))
      updates.push_back(Op{Op::Kind::updateService, want.service, {}});
    const auto& current = have->second.destinations;
    for (const auto& [dkey, dest] : want.destinations) {
      auto found = current.find(dkey);
      if (found == current.end())
        destChanges.push_back(Op{Op::Kind::addDestination, want.service, dest});
      else if (!dest.sameSettings(found->second))
        destChanges.push_back(Op{Op::Kind::updateDestination, want.service, dest});
    }
    for (const auto& [dkey, dest] : current) {
      if (want.destinations.contains(dkey)) continue;
      if (dest.weight != 0)
        drains.push_back(Op{Op::Kind::drainDestination, want.service, dest});
      else if (dest.active_conns == 0 || drainExpired(in, {key, dkey}))
        destDeletes.push_back(Op{Op::Kind::deleteDestination, want.service, dest});
    }
  }
  for (const auto& [key, have] : in.actual)
    if (!in.desired.contains(key) && in.owned.contains(key))
      deletes.push_back(Op{Op::Kind::deleteService, have.service, {}});

  std::vector<Op> ops;
  ops.reserve(adds.size() + updates.size() + destChanges.size() + drains.size() + destDeletes.size() + deletes.size());
  for (auto* group : {&adds, &updates, &destChanges, &drains, &destDeletes, &deletes})
    ops.insert(ops.end(), std::make_move_iterator(group->begin()), std::make_move_iterator(group->end()));
  return ops;
}

void trackDrains(DrainClock& drains, const Table& desired, const Table& actual, Clock::time_point now) {
  DrainClock next;
  for (const auto& [key, want] : desired) {
    auto have = actual.find(key);
    if (have == actual.end()) continue;
    for (const auto& [dkey, dest] : have->second.destinations) {
      if (want.destinations.contains(dkey)) continue;
      const DestinationRef ref{key, dkey};
      auto started = drains.find(ref);
      next[ref] = started == drains.end() ? now : started->second;
    }
  }
  drains = std::move(next);
}

Result<Table> readTable(Kernel& kernel) {
  auto services = kernel.services();
  if (!services) return services.error();
  Table table;
  for (auto& service : *services) {
    auto destinations = kernel.destinations(service.key);
    if (!destinations) return destinations.error();
    ServiceState state{std::move(service), {}};
    for (auto& destination : *destinations) state.destinations.emplace(destination.key, std::move(destination));
    table.emplace(state.service.key, std::move(state));
  }
  return table;
}

namespace {

// The kernel says EEXIST (already there), ENOENT (no such real server) or
// ESRCH (no such service) when our picture of its table is out of date.
bool needsReread(const Error& error) {
  const int err = error.code.value();
  return error.code.category() == std::system_category() && (err == EEXIST || err == ENOENT || err == ESRCH);
}

// Applies one round; returns whether an EEXIST / ENOENT asks for a re-read.
bool applyRound(Kernel& kernel, const std::vector<Op>& ops, Table& actual, ApplyReport& report) {
  report.planned += ops.size();
  if (ops.empty()) return false;
  const auto results = kernel.executeAll(ops);
  bool reread = false;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (results[i].ok()) {
      applyToTable(actual, ops[i]);
      ++report.applied;
    } else {
      ++report.failed;
      report.errors.push_back(results[i].error());
      reread = reread || needsReread(results[i].error());
    }
  }
  return reread;
}

}  // namespace

ApplyReport reconcile(Kernel& kernel, const Table& desired, Table& actual, const std::set<ServiceKey>& owned,
                      DrainClock& drains, Clock::time_point now, Duration drain_timeout) {
  ApplyReport report;
  const bool reread = applyRound(kernel, diff({desired, actual, owned, drains, now, drain_timeout}), actual, report);
  if (reread) {
    ++report.rereads;
    auto fresh = readTable(kernel);
    if (!fresh) {
      report.errors.push_back(fresh.error());
    } else {
      actual = std::move(*fresh);
      trackDrains(drains, desired, actual, now);
      applyRound(kernel, diff({desired, actual, owned, drains, now, drain_timeout}), actual, report);
    }
  }
  trackDrains(drains, desired, actual, now);
  return report;
}

}  // namespace vipd::ipvs

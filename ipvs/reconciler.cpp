#include "ipvs/reconciler.hpp"

#include <array>
#include <iterator>

namespace vipd::ipvs {

namespace {

bool drainExpired(const DiffInput& in, const DestinationRef& ref) {
  auto it = in.drains.find(ref);
  return it != in.drains.end() && in.now - it->second >= in.drain_timeout;
}

const ServiceState* find(const Table& table, const ServiceKey& key) {
  auto it = table.find(key);
  return it == table.end() ? nullptr : &it->second;
}

// The ops of the diff, by group; one service at a time.
struct DiffGroups {
  const DiffInput& in;
  std::vector<Op> adds, updates, destChanges, drains, destDeletes, deletes;

  void service(const ServiceKey& key, const ServiceState* want, const ServiceState* have) {
    if (!want) {
      if (have && in.owned.contains(key)) deletes.push_back(Op{Op::Kind::deleteService, have->service, {}});
      return;
    }
    if (!have) {
      adds.push_back(Op{Op::Kind::addService, want->service, {}});
      for (const auto& [dkey, dest] : want->destinations)
        destChanges.push_back(Op{Op::Kind::addDestination, want->service, dest});
      return;
    }
    if (!want->service.sameSettings(have->service))
      updates.push_back(Op{Op::Kind::updateService, want->service, {}});
    const auto& current = have->destinations;
    for (const auto& [dkey, dest] : want->destinations) {
      auto found = current.find(dkey);
      if (found == current.end())
        destChanges.push_back(Op{Op::Kind::addDestination, want->service, dest});
      else if (!dest.sameSettings(found->second))
        destChanges.push_back(Op{Op::Kind::updateDestination, want->service, dest});
    }
    for (const auto& [dkey, dest] : current) {
      if (want->destinations.contains(dkey)) continue;
      if (dest.weight != 0)
        drains.push_back(Op{Op::Kind::drainDestination, want->service, dest});
      else if (dest.active_conns == 0 || drainExpired(in, {key, dkey}))
        destDeletes.push_back(Op{Op::Kind::deleteDestination, want->service, dest});
    }
  }

  // In the order they must reach the kernel.
  std::array<std::vector<Op>*, 6> inOrder() { return {&adds, &updates, &destChanges, &drains, &destDeletes, &deletes}; }

  std::vector<Op> ops() {
    std::vector<Op> ops;
    std::size_t count = 0;
    for (auto* group : inOrder()) count += group->size();
    ops.reserve(count);
    for (auto* group : inOrder())
      ops.insert(ops.end(), std::make_move_iterator(group->begin()), std::make_move_iterator(group->end()));
    return ops;
  }
};

// A cold start adds every real server: room for them at once, not by doubling (page faults cost under emulation).
void reserveForColdStart(DiffGroups& groups) {
  if (!groups.in.actual.empty()) return;
  std::size_t destinations = 0;
  for (const auto& [key, want] : groups.in.desired) destinations += want.destinations.size();
  groups.adds.reserve(groups.in.desired.size());
  groups.destChanges.reserve(destinations);
}

DiffGroups diffGroups(const DiffInput& in) {
  DiffGroups groups{in, {}, {}, {}, {}, {}, {}};
  reserveForColdStart(groups);
  for (const auto& [key, want] : in.desired) groups.service(key, &want, find(in.actual, key));
  for (const auto& [key, have] : in.actual)
    if (!in.desired.contains(key)) groups.service(key, nullptr, &have);
  return groups;
}

DiffGroups diffGroups(const DiffInput& in, const std::set<ServiceKey>& scope) {
  DiffGroups groups{in, {}, {}, {}, {}, {}, {}};
  for (const auto& key : scope) groups.service(key, find(in.desired, key), find(in.actual, key));
  return groups;
}

// The drain clock of one service, recomputed.
void trackServiceDrains(DrainClock& drains, const DrainClock& before, const ServiceKey& key, const ServiceState* want,
                        const ServiceState* have, Clock::time_point now) {
  if (!want || !have) return;
  for (const auto& [dkey, dest] : have->destinations) {
    if (want->destinations.contains(dkey)) continue;
    const DestinationRef ref{key, dkey};
    auto started = before.find(ref);
    drains[ref] = started == before.end() ? now : started->second;
  }
}

}  // namespace

std::vector<Op> diff(const DiffInput& in) { return diffGroups(in).ops(); }

std::vector<Op> diff(const DiffInput& in, const std::set<ServiceKey>& scope) { return diffGroups(in, scope).ops(); }

void trackDrains(DrainClock& drains, const Table& desired, const Table& actual, Clock::time_point now) {
  DrainClock next;
  for (const auto& [key, want] : desired) trackServiceDrains(next, drains, key, &want, find(actual, key), now);
  drains = std::move(next);
}

void trackDrains(DrainClock& drains, const Table& desired, const Table& actual, Clock::time_point now,
                 const std::set<ServiceKey>& scope) {
  for (const auto& key : scope) {
    // This service's entries are contiguous in the map (ordered by service first).
    auto first = drains.lower_bound({key, DestinationKey{}});
    while (first != drains.begin() && std::prev(first)->first.first == key) --first;
    auto last = first;
    DrainClock before;
    while (last != drains.end() && last->first.first == key) before.insert(*last++);
    drains.erase(first, last);
    trackServiceDrains(drains, before, key, find(desired, key), find(actual, key), now);
  }
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

// Applies one round, group after group (not merged into one list: at a cold
// start that copy alone was tens of megabytes); returns whether an EEXIST /
// ENOENT asks for a re-read.
bool applyRound(Kernel& kernel, DiffGroups groups, Table& actual, ApplyReport& report) {
  bool reread = false;
  for (const std::vector<Op>* group : groups.inOrder()) {
    const std::vector<Op>& ops = *group;
    report.planned += ops.size();
    if (ops.empty()) continue;
    const auto results = kernel.executeAll(ops);
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if (results[i].ok()) {
        applyToTable(actual, ops[i]);
        ++report.applied;
      } else {
        ++report.failed;
        report.errors.push_back(results[i].error());
        report.failed_services.insert(ops[i].service.key);
        reread = reread || needsReread(results[i].error());
      }
    }
  }
  return reread;
}

}  // namespace

ApplyReport reconcile(Kernel& kernel, const Table& desired, Table& actual, const std::set<ServiceKey>& owned,
                      DrainClock& drains, Clock::time_point now, Duration drain_timeout, const std::set<ServiceKey>* scope) {
  ApplyReport report;
  const DiffInput input{desired, actual, owned, drains, now, drain_timeout};
  const bool reread = applyRound(kernel, scope ? diffGroups(input, *scope) : diffGroups(input), actual, report);
  if (reread) {
    // Our picture of the kernel was wrong somewhere: re-read all of it, diff all of it.
    ++report.rereads;
    auto fresh = readTable(kernel);
    if (!fresh) {
      report.errors.push_back(fresh.error());
    } else {
      actual = std::move(*fresh);
      trackDrains(drains, desired, actual, now);
      applyRound(kernel, diffGroups({desired, actual, owned, drains, now, drain_timeout}), actual, report);
    }
    scope = nullptr;
  }
  if (scope)
    trackDrains(drains, desired, actual, now, *scope);
  else
    trackDrains(drains, desired, actual, now);
  return report;
}

}  // namespace vipd::ipvs

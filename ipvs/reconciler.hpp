#pragma once
// Desired table against the kernel's table: the ordered, minimal list of
// changes, and applying it through the kernel port.
//
// Ownership: vipd touches a service only when its key is in the config, or
// was in a config this process applied before (`owned`, kept in memory).
// Nothing is written to disk, so nothing can go stale: after a restart vipd
// owns exactly the services its config names (adopting matching rules as
// they are), and a service removed from the config while vipd was down is
// left alone like any foreign rule. Inside an owned service every real
// server is vipd's, since the config declares the service completely.
#include <chrono>
#include <cstddef>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "common/duration.hpp"
#include "common/result.hpp"
#include "ipvs/kernel.hpp"
#include "ipvs/state.hpp"

namespace vipd::ipvs {

using Clock = std::chrono::steady_clock;
using DestinationRef = std::pair<ServiceKey, DestinationKey>;
// When each stale real server started draining.
using DrainClock = std::map<DestinationRef, Clock::time_point>;

struct DiffInput {
  const Table& desired;
  const Table& actual;
  const std::set<ServiceKey>& owned;  // besides the desired ones
  const DrainClock& drains;
  Clock::time_point now;
  Duration drain_timeout;
};

// Order: add services, update services, add / update real servers, drain
// stale real servers (weight 0), delete drained ones with no active
// connection or past their drain deadline, delete stale owned services.
std::vector<Op> diff(const DiffInput& input);
// The same, for the services in `scope` only (in desired, actual or both);
// every other service is taken as equal to the kernel. Linear in the scope,
// logarithmic in the tables.
std::vector<Op> diff(const DiffInput& input, const std::set<ServiceKey>& scope);

// Starts the clock of newly stale real servers of desired services, forgets
// the others (stale owned services are deleted outright, not drained).
void trackDrains(DrainClock& drains, const Table& desired, const Table& actual, Clock::time_point now);
// The same, for the services in `scope` only; the other services' clocks stay.
void trackDrains(DrainClock& drains, const Table& desired, const Table& actual, Clock::time_point now,
                 const std::set<ServiceKey>& scope);

// Reads every service and its real servers.
Result<Table> readTable(Kernel& kernel);

struct ApplyReport {
  std::size_t planned = 0;    // ops diffed (both rounds)
  std::size_t applied = 0;    // ops the kernel accepted
  std::size_t failed = 0;     // ops the kernel refused
  std::size_t rereads = 0;    // full re-reads after EEXIST / ENOENT / ESRCH (or a failed read)
  std::vector<Error> errors;  // the refusals, for logging
  std::set<ServiceKey> failed_services;  // services with a refused op (still differ from the desired table)
};

// Diffs, applies, keeps `actual` equal to the kernel (op by op, no re-dump);
// on EEXIST / ENOENT / ESRCH re-reads the kernel and re-diffs once (every
// service). With a `scope`, diffs only those services (the caller knows the
// others did not change since the last reconcile). Never throws.
ApplyReport reconcile(Kernel& kernel, const Table& desired, Table& actual, const std::set<ServiceKey>& owned,
                      DrainClock& drains, Clock::time_point now, Duration drain_timeout,
                      const std::set<ServiceKey>* scope = nullptr);

}  // namespace vipd::ipvs

#pragma once
// When probes run. Pure timer maths; the caller reads the clock and supplies
// the random number.
//
// Each check has an exact schedule (one probe per interval) and starts its
// probes on a grid: the exact time rounded down to a step, so that the probes
// due within one step share a wake-up of the event loop instead of one each.
// A wake-up is dear where clock reads and context switches are (1,000 checks
// at 1 s in the TCG bench VM: 50 steps a second cost 0.3 CPU-s per 10,000
// checks more than 10). A probe may so start up to one step early; the next
// one is still one interval after the exact time, so the rate is exact.
#include <chrono>
#include <cstddef>

#include "common/duration.hpp"

namespace vipd::healthcheck {

using TimePoint = std::chrono::steady_clock::time_point;

// The step: a tenth of the interval, finer when more checks share the
// interval, so that a step holds at most about kProbesPerStep probes (they
// start one after another: the last one's lateness grows with their number),
// down to a fiftieth; never under 1 ms.
inline constexpr std::size_t kProbesPerStep = 200;
Duration probeGrid(Duration interval, std::size_t checks_at_interval);

// When a probe exactly due at `exact` starts: on the grid, not before `now`.
TimePoint onProbeGrid(TimePoint exact, TimePoint now, Duration grid);

// The first probe of a new check: at a delay in [0, warmup], `random_fraction`
// in [0, 1) picking where, so that many checks started together spread out.
TimePoint firstProbeAt(TimePoint now, Duration warmup, double random_fraction);

// The next probe: one interval after the previous one was due (a fixed rate,
// not drifting by lateness or latency), or at once when a slow probe already
// finished past that point (the schedule then restarts from there).
TimePoint nextProbeAt(TimePoint previous_exact, TimePoint previous_end, Duration interval);

}  // namespace vipd::healthcheck

#pragma once
// When probes run. Pure timer maths; the caller reads the clock and supplies
// the random number.
#include <chrono>

#include "common/duration.hpp"

namespace vipd::healthcheck {

using TimePoint = std::chrono::steady_clock::time_point;

// Probes are due on a 10 ms grid (times rounded down to it), so the probes
// due within one step share a wake-up of the event loop instead of one each:
// at 1,000 checks a second, 100 wake-ups instead of 1,000. A probe may so
// start up to 10 ms before its exact time.
constexpr Duration kProbeGrid = std::chrono::milliseconds(10);
TimePoint onProbeGrid(TimePoint at);

// The first probe of a new check: at a delay in [0, warmup], `random_fraction`
// in [0, 1) picking where, so that many checks started together spread out (on the grid).
TimePoint firstProbeAt(TimePoint now, Duration warmup, double random_fraction);

// The next probe: one interval after the previous one started, on the grid (a
// fixed rate, not drifting by the probe's latency), or at once when a slow
// probe already finished past that point.
TimePoint nextProbeAt(TimePoint previous_start, TimePoint previous_end, Duration interval);

}  // namespace vipd::healthcheck

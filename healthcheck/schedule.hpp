#pragma once
// When probes run. Pure timer maths; the caller reads the clock and supplies
// the random number.
#include <chrono>

#include "common/duration.hpp"

namespace vipd::healthcheck {

using TimePoint = std::chrono::steady_clock::time_point;

// Probes are due on a grid of a fiftieth of their interval (20 ms for 1 s;
// 1 ms to 100 ms), times rounded down to it: the probes due within one step
// share a wake-up of the event loop instead of one each (1,000 checks a
// second at 1 s: 50 wake-ups, not 1,000). A probe may so start up to 2 % of
// its interval before its exact time; grids of common intervals nest.
Duration probeGrid(Duration interval);
TimePoint onProbeGrid(TimePoint at, Duration interval);

// The first probe of a new check: at a delay in [0, warmup], `random_fraction`
// in [0, 1) picking where, so that many checks started together spread out (on the grid).
TimePoint firstProbeAt(TimePoint now, Duration warmup, double random_fraction, Duration interval);

// The next probe: one interval after the previous one started, on the grid (a
// fixed rate, not drifting by the probe's latency), or at once when a slow
// probe already finished past that point.
TimePoint nextProbeAt(TimePoint previous_start, TimePoint previous_end, Duration interval);

}  // namespace vipd::healthcheck

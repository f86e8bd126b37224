#pragma once
// When probes run. Pure timer maths; the caller reads the clock and supplies
// the random number.
#include <chrono>

#include "common/duration.hpp"

namespace vipd::healthcheck {

using TimePoint = std::chrono::steady_clock::time_point;

// The first probe of a new check: at a delay in [0, warmup], `random_fraction`
// in [0, 1) picking where, so that many checks started together spread out.
TimePoint firstProbeAt(TimePoint now, Duration warmup, double random_fraction);

// The next probe: one interval after the previous one started (a fixed rate,
// not drifting by the probe's latency), or at once when a slow probe already
// finished past that point.
TimePoint nextProbeAt(TimePoint previous_start, TimePoint previous_end, Duration interval);

}  // namespace vipd::healthcheck

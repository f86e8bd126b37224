#include "healthcheck/schedule.hpp"

#include <algorithm>

namespace vipd::healthcheck {

Duration probeGrid(Duration interval, std::size_t checks_at_interval) {
  const std::size_t steps = std::clamp<std::size_t>((checks_at_interval + kProbesPerStep - 1) / kProbesPerStep, 10, 50);
  return std::max<Duration>(interval / static_cast<Duration::rep>(steps), std::chrono::milliseconds(1));
}

TimePoint onProbeGrid(TimePoint exact, TimePoint now, Duration grid) {
  const auto since_epoch = exact.time_since_epoch();
  return std::max(TimePoint(since_epoch - since_epoch % grid), now);
}

TimePoint firstProbeAt(TimePoint now, Duration warmup, double random_fraction) {
  const double fraction = std::clamp(random_fraction, 0.0, 1.0);
  return now + std::chrono::duration_cast<TimePoint::duration>(std::chrono::duration<double>(warmup) * fraction);
}

TimePoint nextProbeAt(TimePoint previous_exact, TimePoint previous_end, Duration interval) {
  return std::max(previous_exact + interval, previous_end);
}

}  // namespace vipd::healthcheck

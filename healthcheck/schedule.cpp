#include "healthcheck/schedule.hpp"

#include <algorithm>

namespace vipd::healthcheck {

Duration probeGrid(Duration interval) {
  return std::clamp<Duration>(interval / 50, std::chrono::milliseconds(1), std::chrono::milliseconds(100));
}

TimePoint onProbeGrid(TimePoint at, Duration interval) {
  const auto since_epoch = at.time_since_epoch();
  return TimePoint(since_epoch - since_epoch % probeGrid(interval));
}

TimePoint firstProbeAt(TimePoint now, Duration warmup, double random_fraction, Duration interval) {
  const double fraction = std::clamp(random_fraction, 0.0, 1.0);
  return onProbeGrid(now + Duration(static_cast<Duration::rep>(static_cast<double>(warmup.count()) * fraction)),
                     interval);
}

TimePoint nextProbeAt(TimePoint previous_start, TimePoint previous_end, Duration interval) {
  return std::max(onProbeGrid(previous_start + interval, interval), previous_end);
}

}  // namespace vipd::healthcheck

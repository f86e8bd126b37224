#include "healthcheck/schedule.hpp"

#include <algorithm>

namespace vipd::healthcheck {

TimePoint onProbeGrid(TimePoint at) {
  const auto since_epoch = at.time_since_epoch();
  return TimePoint(since_epoch - since_epoch % kProbeGrid);
}

TimePoint firstProbeAt(TimePoint now, Duration warmup, double random_fraction) {
  const double fraction = std::clamp(random_fraction, 0.0, 1.0);
  return onProbeGrid(now + Duration(static_cast<Duration::rep>(static_cast<double>(warmup.count()) * fraction)));
}

TimePoint nextProbeAt(TimePoint previous_start, TimePoint previous_end, Duration interval) {
  return std::max(onProbeGrid(previous_start + interval), previous_end);
}

}  // namespace vipd::healthcheck

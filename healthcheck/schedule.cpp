#include "healthcheck/schedule.hpp"

#include <algorithm>

namespace vipd::healthcheck {

TimePoint firstProbeAt(TimePoint now, Duration warmup, double random_fraction) {
  const double fraction = std::clamp(random_fraction, 0.0, 1.0);
  return now + Duration(static_cast<Duration::rep>(static_cast<double>(warmup.count()) * fraction));
}

TimePoint nextProbeAt(TimePoint previous_start, TimePoint previous_end, Duration interval) {
  return std::max(previous_start + interval, previous_end);
}

}  // namespace vipd::healthcheck

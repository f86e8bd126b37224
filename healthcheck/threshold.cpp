#include "healthcheck/threshold.hpp"

#include <algorithm>

namespace vipd::healthcheck {

bool recordProbe(ThresholdState& state, bool success, Threshold threshold) {
  const int rise = std::max(1, threshold.rise);
  const int fall = std::max(1, threshold.fall);
  if (success) {
    state.consecutive_failures = 0;
    ++state.consecutive_successes;
    if (!state.healthy && state.consecutive_successes >= rise) {
      state.healthy = true;
      return true;
    }
  } else {
    state.consecutive_successes = 0;
    ++state.consecutive_failures;
    if (state.healthy && state.consecutive_failures >= fall) {
      state.healthy = false;
      return true;
    }
  }
  return false;
}

}  // namespace vipd::healthcheck

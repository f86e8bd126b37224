#include "vrrpd/core/tracking.hpp"

#include <algorithm>

namespace vipd::vrrp {

bool RiseFall::record(bool success) {
  if (success == healthy_) {
    streak_ = 0;
    return false;
  }
  if (++streak_ < (healthy_ ? fall_ : rise_)) return false;
  healthy_ = success;
  streak_ = 0;
  return true;
}

const char* trackedKindName(TrackedItem::Kind kind) {
  switch (kind) {
    case TrackedItem::Kind::script: return "script";
    case TrackedItem::Kind::interface: return "interface";
    case TrackedItem::Kind::service: return "service";
  }
  return "?";
}

TrackingOutcome evaluateTracking(int base_priority, const std::vector<TrackedItem>& items) {
  TrackingOutcome out{base_priority, false};
  int delta = 0;
  for (const auto& item : items) {
    if (item.weight == 0 && !item.healthy) out.fault = true;
    if (item.weight < 0 && !item.healthy) delta += item.weight;
    if (item.weight > 0 && item.healthy) delta += item.weight;
  }
  constexpr int kOwner = 255;
  if (base_priority != kOwner) out.priority = std::clamp(base_priority + delta, 1, 254);
  return out;
}

}  // namespace vipd::vrrp

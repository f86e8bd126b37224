#pragma once
// Pure tracking logic: rise/fall thresholds for track scripts and the
// effective priority an instance advertises from its tracked items.
#include <string>
#include <vector>

namespace vipd::vrrp {

// Consecutive results turn an item healthy after `rise` successes and
// unhealthy after `fall` failures. Starts healthy (keepalived's default).
class RiseFall {
 public:
  RiseFall(int rise, int fall) : rise_(rise < 1 ? 1 : rise), fall_(fall < 1 ? 1 : fall) {}
  // Returns true when the healthy state changed.
  bool record(bool success);
  bool healthy() const { return healthy_; }

 private:
  int rise_;
  int fall_;
  bool healthy_ = true;
  int streak_ = 0;  // consecutive results contradicting the current state
};

struct TrackedItem {
  enum class Kind { script, interface, service } kind = Kind::script;
  std::string name;
  int weight = 0;  // interfaces: always 0 (down means FAULT); services: <= 0
  bool healthy = true;
};

const char* trackedKindName(TrackedItem::Kind kind);

struct TrackingOutcome {
  int priority = 0;
  bool fault = false;
  bool operator==(const TrackingOutcome&) const = default;
};

// weight < 0 lowers the priority while failing, > 0 raises it while healthy,
// 0 means FAULT while failing. The result is clamped to 1..254; an owner
// (base 255) stays 255.
TrackingOutcome evaluateTracking(int base_priority, const std::vector<TrackedItem>& items);

}  // namespace vipd::vrrp

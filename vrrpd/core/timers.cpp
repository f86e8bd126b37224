#include "vrrpd/core/timers.hpp"

#include <algorithm>

namespace vipd::vrrp {

Millis skewTime(int version, int priority, Millis master_adver_interval) {
  if (version == 2) return Millis((256 - priority) * 1000 / 256);  // RFC 3768 6.1
  int64_t centiseconds = master_adver_interval.count() / 10;
  return Millis(((256 - priority) * centiseconds / 256) * 10);  // RFC 9568 6.1
}

Millis masterDownInterval(int version, int priority, Millis master_adver_interval) {
  return 3 * master_adver_interval + skewTime(version, priority, master_adver_interval);
}

Millis handoverCap(int version, Millis advertisement_interval) {
  return skewTime(version, 1, advertisement_interval) + std::max(advertisement_interval / 10, Millis(20));
}

int64_t missedAdvertSlots(MonoTime previous, Millis interval, MonoTime now) {
  if (interval <= Millis(0) || now < previous + interval) return 0;
  return (now - previous) / interval;  // whole intervals elapsed; slot `previous + interval` is due now
}

MonoTime nextAdvertDeadline(MonoTime previous, Millis interval, MonoTime now) {
  if (interval <= Millis(0)) return now;
  return previous + (missedAdvertSlots(previous, interval, now) + 1) * interval;
}

uint16_t intervalField(int version, Millis interval) {
  if (version == 2) return static_cast<uint16_t>(std::clamp<int64_t>(interval.count() / 1000, 1, 255));
  return static_cast<uint16_t>(std::clamp<int64_t>(interval.count() / 10, 1, 0x0fff));
}

Millis intervalFromField(int version, uint16_t field) {
  return version == 2 ? Millis(field * 1000) : Millis(field * 10);
}

}  // namespace vipd::vrrp

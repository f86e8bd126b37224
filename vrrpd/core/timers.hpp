#pragma once
// RFC timer maths. v3 counts in centiseconds (RFC 9568 section 6.1), v2 in
// seconds (RFC 3768 section 6.1). Results are exact milliseconds.
#include <chrono>
#include <cstdint>

namespace vipd::vrrp {

using Millis = std::chrono::milliseconds;
// A point on the monotonic clock the timers run on (read only by the shell's ports).
using MonoTime = std::chrono::steady_clock::time_point;

// RFC 9568 6.1: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256, in centiseconds.
// RFC 3768 6.1: Skew_Time = (256 - Priority) / 256 seconds.
Millis skewTime(int version, int priority, Millis master_adver_interval);

// RFC 9568 6.1 / RFC 3768 6.1: Master_Down_Interval = 3 * Master_Adver_Interval + Skew_Time.
Millis masterDownInterval(int version, int priority, Millis master_adver_interval);

// How long a stopping master keeps its VIPs while waiting for the new
// master's first advert (graceful handover): the longest Skew_Time any backup
// can have (priority 1) plus a tenth of the interval (at least 20 ms) for the
// backup's processing. 1090 ms at 1 s v3 adverts, 110 ms at 0.1 s.
Millis handoverCap(int version, Millis advertisement_interval);

// The Adver_Timer's next expiry on a fixed grid: the first `previous +
// k * interval` (k >= 1) after `now`. Adverts keep their period however late
// the loop runs; slots missed by a stall are skipped, not sent in a burst.
MonoTime nextAdvertDeadline(MonoTime previous, Millis interval, MonoTime now);
// How many grid slots nextAdvertDeadline() skipped (0 when on time).
int64_t missedAdvertSlots(MonoTime previous, Millis interval, MonoTime now);

// The advert's interval field for a configured interval: centiseconds (v3) or seconds (v2).
uint16_t intervalField(int version, Millis interval);
Millis intervalFromField(int version, uint16_t field);

}  // namespace vipd::vrrp

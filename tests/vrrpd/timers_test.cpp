#include <gtest/gtest.h>

#include "vrrpd/core/timers.hpp"

namespace vipd::vrrp {
namespace {

using std::chrono::milliseconds;

TEST(Timers, V3SkewAndMasterDownInCentiseconds) {
  // RFC 9568 6.1 with priority 100, 1 s: skew = (156 * 100) / 256 = 60 cs.
  EXPECT_EQ(skewTime(3, 100, milliseconds(1000)), milliseconds(600));
  EXPECT_EQ(masterDownInterval(3, 100, milliseconds(1000)), milliseconds(3600));
  // 0.1 s adverts, priority 100: skew = 1560 / 256 = 6 cs; down = 36 cs.
  EXPECT_EQ(skewTime(3, 100, milliseconds(100)), milliseconds(60));
  EXPECT_EQ(masterDownInterval(3, 100, milliseconds(100)), milliseconds(360));
  // Priority 150 at 1 s: (106 * 100) / 256 = 41 cs.
  EXPECT_EQ(skewTime(3, 150, milliseconds(1000)), milliseconds(410));
  // Priority 254 at 10 ms: 2 / 256 = 0.
  EXPECT_EQ(skewTime(3, 254, milliseconds(10)), milliseconds(0));
  EXPECT_EQ(masterDownInterval(3, 254, milliseconds(10)), milliseconds(30));
}

TEST(Timers, V2SkewInSeconds) {
  // RFC 3768 6.1: (256 - 100) / 256 s = 0.609 s, independent of the interval.
  EXPECT_EQ(skewTime(2, 100, milliseconds(1000)), milliseconds(609));
  EXPECT_EQ(skewTime(2, 100, milliseconds(3000)), milliseconds(609));
  EXPECT_EQ(masterDownInterval(2, 100, milliseconds(2000)), milliseconds(6609));
}

TEST(Timers, IntervalFields) {
  EXPECT_EQ(intervalField(3, milliseconds(1000)), 100);
  EXPECT_EQ(intervalField(3, milliseconds(10)), 1);
  EXPECT_EQ(intervalField(3, milliseconds(60000)), 0x0fff);
  EXPECT_EQ(intervalField(2, milliseconds(3000)), 3);
  EXPECT_EQ(intervalFromField(3, 100), milliseconds(1000));
  EXPECT_EQ(intervalFromField(2, 3), milliseconds(3000));
}

TEST(Timers, HandoverCapCoversTheSlowestBackupsSkew) {
  EXPECT_EQ(handoverCap(3, milliseconds(1000)), milliseconds(1090));  // 99 cs + 100 ms
  EXPECT_EQ(handoverCap(3, milliseconds(100)), milliseconds(110));    // 9 cs + 20 ms floor
  EXPECT_EQ(handoverCap(2, milliseconds(1000)), milliseconds(1096));  // 255/256 s + 100 ms
}

// The Adver_Timer grid: previous deadline + k * interval, the first after now.
TEST(Timers, AdvertDeadlinesStayOnTheGridAndSkipMissedSlots) {
  const MonoTime t0{milliseconds(1000)};
  const milliseconds i(10);
  struct Row {
    milliseconds late;  // how long after its deadline the expiry ran
    milliseconds next;  // the next deadline, relative to t0
    int64_t missed;
  };
  for (const Row& row : {Row{milliseconds(0), milliseconds(10), 0},  // on time
                         Row{milliseconds(3), milliseconds(10), 0},  // late: not 13 ms
                         Row{milliseconds(9), milliseconds(10), 0},
                         Row{milliseconds(10), milliseconds(20), 1},  // the next slot is due now: skipped
                         Row{milliseconds(25), milliseconds(30), 2},  // 2 slots passed: one advert, no burst
                         Row{milliseconds(1000), milliseconds(1010), 100}}) {
    EXPECT_EQ(nextAdvertDeadline(t0, i, t0 + row.late), t0 + row.next) << row.late.count();
    EXPECT_EQ(missedAdvertSlots(t0, i, t0 + row.late), row.missed) << row.late.count();
  }
  // An expiry that ran early (clock granularity) still keeps the period.
  EXPECT_EQ(nextAdvertDeadline(t0, i, t0 - milliseconds(1)), t0 + i);
  EXPECT_EQ(missedAdvertSlots(t0, i, t0 - milliseconds(1)), 0);
}

}  // namespace
}  // namespace vipd::vrrp

#include <gtest/gtest.h>

#include "vrrpd/core/tracking.hpp"

namespace vipd::vrrp {
namespace {

TEST(RiseFall, TurnsUnhealthyAfterFallAndHealthyAfterRise) {
  RiseFall rf(2, 3);
  EXPECT_TRUE(rf.healthy());
  EXPECT_FALSE(rf.record(false));
  EXPECT_FALSE(rf.record(false));
  EXPECT_TRUE(rf.record(false));
  EXPECT_FALSE(rf.healthy());
  EXPECT_FALSE(rf.record(true));
  EXPECT_FALSE(rf.record(false));  // streak broken
  EXPECT_FALSE(rf.record(true));
  EXPECT_TRUE(rf.record(true));
  EXPECT_TRUE(rf.healthy());
}

TEST(Tracking, WeightsAndClamping) {
  using K = TrackedItem::Kind;
  EXPECT_EQ(evaluateTracking(100, {{K::script, "a", -20, false}}), (TrackingOutcome{80, false}));
  EXPECT_EQ(evaluateTracking(100, {{K::script, "a", -20, true}}), (TrackingOutcome{100, false}));
  EXPECT_EQ(evaluateTracking(100, {{K::script, "a", 30, true}}), (TrackingOutcome{130, false}));
  EXPECT_EQ(evaluateTracking(100, {{K::script, "a", 30, false}}), (TrackingOutcome{100, false}));
  EXPECT_EQ(evaluateTracking(240, {{K::script, "a", 30, true}}), (TrackingOutcome{254, false}));
  EXPECT_EQ(evaluateTracking(10, {{K::script, "a", -50, false}}), (TrackingOutcome{1, false}));
  EXPECT_EQ(evaluateTracking(255, {{K::script, "a", -50, false}}), (TrackingOutcome{255, false}));
  EXPECT_EQ(evaluateTracking(100, {{K::script, "a", 0, false}}), (TrackingOutcome{100, true}));
  EXPECT_EQ(evaluateTracking(100, {{K::interface, "eth0", 0, false}, {K::script, "b", -10, false}}),
            (TrackingOutcome{90, true}));
}

}  // namespace
}  // namespace vipd::vrrp

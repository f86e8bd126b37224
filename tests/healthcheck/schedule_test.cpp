#include "healthcheck/schedule.hpp"

#include <gtest/gtest.h>

namespace vipd::healthcheck {
namespace {

using namespace std::chrono_literals;
const TimePoint t0{std::chrono::seconds(1000)};

TEST(Schedule, FirstProbeSpreadsOverWarmup) {
  EXPECT_EQ(firstProbeAt(t0, 0s, 0.7, 1s), t0);
  EXPECT_EQ(firstProbeAt(t0, 10s, 0.0, 1s), t0);
  EXPECT_EQ(firstProbeAt(t0, 10s, 0.25, 1s), t0 + 2500ms);
  EXPECT_EQ(firstProbeAt(t0, 10s, 5.0, 1s), t0 + 10s);         // clamped
  EXPECT_EQ(firstProbeAt(t0, 10s, 0.2519, 1s), t0 + 2500ms);   // down to the 20 ms grid
  EXPECT_EQ(firstProbeAt(t0, 10s, 0.2519, 100ms), t0 + 2518ms);  // 2 ms grid
}

TEST(Schedule, GridIsAFiftiethOfTheInterval) {
  EXPECT_EQ(probeGrid(1s), 20ms);
  EXPECT_EQ(probeGrid(3s), 60ms);
  EXPECT_EQ(probeGrid(10ms), 1ms);   // at least 1 ms
  EXPECT_EQ(probeGrid(60s), 100ms);  // at most 100 ms
  EXPECT_EQ(onProbeGrid(t0 + 19999us, 1s), t0);
  EXPECT_EQ(onProbeGrid(t0 + 20ms, 1s), t0 + 20ms);
  EXPECT_EQ(onProbeGrid(t0 - 1us, 1s), t0 - 20ms);
}

TEST(Schedule, NextProbeKeepsAFixedRate) {
  EXPECT_EQ(nextProbeAt(t0, t0 + 30ms, 100ms), t0 + 100ms);
  EXPECT_EQ(nextProbeAt(t0, t0 + 100ms, 100ms), t0 + 100ms);
  EXPECT_EQ(nextProbeAt(t0, t0 + 250ms, 100ms), t0 + 250ms);    // slow probe: next one at once
  EXPECT_EQ(nextProbeAt(t0 + 15ms, t0 + 30ms, 1s), t0 + 1s);     // a late start does not shift the grid step
  EXPECT_EQ(nextProbeAt(t0 + 25ms, t0 + 30ms, 1s), t0 + 1020ms);  // a later one moves one step
}

}  // namespace
}  // namespace vipd::healthcheck

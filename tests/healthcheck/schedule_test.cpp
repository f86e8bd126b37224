#include "healthcheck/schedule.hpp"

#include <gtest/gtest.h>

namespace vipd::healthcheck {
namespace {

using namespace std::chrono_literals;
const TimePoint t0{std::chrono::seconds(1000)};

TEST(Schedule, FirstProbeSpreadsOverWarmup) {
  EXPECT_EQ(firstProbeAt(t0, 0s, 0.7), t0);
  EXPECT_EQ(firstProbeAt(t0, 10s, 0.0), t0);
  EXPECT_EQ(firstProbeAt(t0, 10s, 0.25), t0 + 2500ms);
  EXPECT_EQ(firstProbeAt(t0, 10s, 5.0), t0 + 10s);  // clamped
  EXPECT_EQ(firstProbeAt(t0, 10s, 0.2509), t0 + 2500ms);  // down to the grid
}

TEST(Schedule, ProbesShareTheGridsSteps) {
  EXPECT_EQ(onProbeGrid(t0 + 9999us), t0);
  EXPECT_EQ(onProbeGrid(t0 + 10ms), t0 + 10ms);
  EXPECT_EQ(onProbeGrid(t0 - 1us), t0 - 10ms);
}

TEST(Schedule, NextProbeKeepsAFixedRate) {
  EXPECT_EQ(nextProbeAt(t0, t0 + 30ms, 100ms), t0 + 100ms);
  EXPECT_EQ(nextProbeAt(t0, t0 + 100ms, 100ms), t0 + 100ms);
  EXPECT_EQ(nextProbeAt(t0, t0 + 250ms, 100ms), t0 + 250ms);  // slow probe: next one at once
  EXPECT_EQ(nextProbeAt(t0 + 4ms, t0 + 30ms, 100ms), t0 + 100ms);  // a late start does not shift the grid step
}

}  // namespace
}  // namespace vipd::healthcheck

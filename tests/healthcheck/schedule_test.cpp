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
}

TEST(Schedule, GridIsATenthOfTheIntervalUntilAStepHoldsTooManyProbes) {
  EXPECT_EQ(probeGrid(1s, 1), 100ms);
  EXPECT_EQ(probeGrid(1s, 2000), 100ms);  // 200 a step
  EXPECT_EQ(probeGrid(1s, 2001), 90ms);   // 11 steps
  EXPECT_EQ(probeGrid(1s, 10000), 20ms);  // a fiftieth
  EXPECT_EQ(probeGrid(1s, 100000), 20ms);  // not finer
  EXPECT_EQ(probeGrid(5s, 1), 500ms);
  EXPECT_EQ(probeGrid(5ms, 1), 1ms);  // at least 1 ms
}

TEST(Schedule, ProbesStartOnTheGridNotBeforeNow) {
  EXPECT_EQ(onProbeGrid(t0 + 199ms, t0, 100ms), t0 + 100ms);
  EXPECT_EQ(onProbeGrid(t0 + 200ms, t0, 100ms), t0 + 200ms);
  EXPECT_EQ(onProbeGrid(t0 + 199ms, t0 + 150ms, 100ms), t0 + 150ms);
  EXPECT_EQ(onProbeGrid(t0 - 1us, t0 - 1s, 100ms), t0 - 100ms);
}

TEST(Schedule, NextProbeKeepsAFixedRate) {
  EXPECT_EQ(nextProbeAt(t0, t0 + 30ms, 100ms), t0 + 100ms);
  EXPECT_EQ(nextProbeAt(t0, t0 + 100ms, 100ms), t0 + 100ms);
  EXPECT_EQ(nextProbeAt(t0, t0 + 250ms, 100ms), t0 + 250ms);  // slow probe: next one at once, the schedule restarts
}

TEST(Schedule, RateStaysExactOnAGridThatDoesNotDivideTheInterval) {
  const Duration grid = probeGrid(1s, 3000);  // 1 s / 15 = 66 ms: 15 steps are 990 ms
  ASSERT_EQ(grid, 66ms);
  TimePoint exact = t0;
  for (int i = 0; i < 100; ++i) {
    const TimePoint start = onProbeGrid(exact, t0, grid) + 3ms;  // a little late
    EXPECT_LE(start - 3ms, exact);
    EXPECT_GT(start - 3ms, exact - grid);
    exact = nextProbeAt(exact, start + 10ms, 1s);
  }
  EXPECT_EQ(exact, t0 + 100s);
}

}  // namespace
}  // namespace vipd::healthcheck

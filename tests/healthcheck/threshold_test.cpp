#include "healthcheck/threshold.hpp"

#include <gtest/gtest.h>

#include <string>

namespace vipd::healthcheck {
namespace {

// Probes as a string: '+' success, '-' failure. Expected: the health after each probe ('H' / 'U').
struct Row {
  int rise;
  int fall;
  std::string probes;
  std::string health;
};

TEST(Threshold, FollowsRiseAndFallTable) {
  const Row rows[] = {
      {2, 3, "+++", "HHH"},          // starts healthy
      {2, 3, "--", "HH"},            // below fall: still healthy
      {2, 3, "---", "HHU"},          // fall reached
      {2, 3, "--+-", "HHHH"},        // a success resets the failure count
      {2, 3, "---+", "HHUU"},        // one success is below rise
      {2, 3, "---++", "HHUUH"},      // rise reached
      {2, 3, "---+-++", "HHUUUUH"},  // a failure resets the success count
      {1, 1, "-+-+", "UHUH"},        // thresholds of one flip on every change
      {3, 2, "--++-+++", "HUUUUUUH"},
      {0, 0, "-+", "UH"},  // thresholds below one act as one
  };
  for (const auto& row : rows) {
    ThresholdState state;
    std::string health;
    for (char probe : row.probes) {
      recordProbe(state, probe == '+', {row.rise, row.fall});
      health += state.healthy ? 'H' : 'U';
    }
    EXPECT_EQ(health, row.health) << "rise " << row.rise << " fall " << row.fall << " probes " << row.probes;
  }
}

TEST(Threshold, ReportsOnlyTheFlip) {
  ThresholdState state;
  EXPECT_FALSE(recordProbe(state, false, {2, 2}));
  EXPECT_TRUE(recordProbe(state, false, {2, 2}));
  EXPECT_FALSE(recordProbe(state, false, {2, 2}));
  EXPECT_FALSE(recordProbe(state, true, {2, 2}));
  EXPECT_TRUE(recordProbe(state, true, {2, 2}));
  EXPECT_FALSE(recordProbe(state, true, {2, 2}));
}

}  // namespace
}  // namespace vipd::healthcheck

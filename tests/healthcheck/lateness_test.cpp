#include "healthcheck/lateness.hpp"

#include <gtest/gtest.h>

namespace vipd::healthcheck {
namespace {

using Micros = LatenessHistogram::Micros;

TEST(LatenessHistogram, BucketsAreFineThenCoarseThenOverflow) {
  EXPECT_EQ(LatenessHistogram::bucketOf(Micros(-5)), 0u);
  EXPECT_EQ(LatenessHistogram::bucketOf(Micros(99)), 0u);
  EXPECT_EQ(LatenessHistogram::bucketOf(Micros(100)), 1u);
  EXPECT_EQ(LatenessHistogram::bucketOf(Micros(99'999)), 999u);
  EXPECT_EQ(LatenessHistogram::bucketOf(Micros(100'000)), 1000u);
  EXPECT_EQ(LatenessHistogram::upperBound(1000), Micros(110'000));
  EXPECT_EQ(LatenessHistogram::bucketOf(Micros(60'000'000)), LatenessHistogram::kBuckets - 1);
}

TEST(LatenessHistogram, QuantilesFromBuckets) {
  LatenessHistogram histogram;
  EXPECT_EQ(histogram.quantile(0.99), Micros(0));
  for (int i = 0; i < 98; ++i) histogram.record(Micros(250));  // bucket 0.2-0.3 ms
  histogram.record(Micros(12'345));
  histogram.record(Micros(250'000));
  EXPECT_EQ(histogram.count(), 100u);
  EXPECT_EQ(histogram.quantile(0.5), Micros(300));
  EXPECT_EQ(histogram.quantile(0.99), Micros(12'400));
  EXPECT_EQ(histogram.quantile(1.0), Micros(250'000));  // capped at the max seen
  const auto json = histogram.toJson();
  EXPECT_DOUBLE_EQ(json["p99_ms"].get<double>(), 12.4);
  EXPECT_DOUBLE_EQ(json["max_ms"].get<double>(), 250.0);
  ASSERT_EQ(json["buckets"].size(), 3u);
  EXPECT_EQ(json["buckets"][0], nlohmann::json::array({300, 98}));
}

TEST(LatenessTracker, RecentLeavesOldPeriodsOut) {
  using namespace std::chrono_literals;
  LatenessTracker tracker(10s);
  LatenessTracker::Clock::time_point t{100s};
  tracker.record(t, Micros(500'000));  // a startup stall
  tracker.record(t + 9s, Micros(50));
  EXPECT_EQ(tracker.recent().count(), 2u);
  tracker.record(t + 10s, Micros(50));  // period 2: period 1 is "previous"
  EXPECT_EQ(tracker.recent().count(), 3u);
  tracker.record(t + 20s, Micros(50));  // period 3: the stall's period is gone
  EXPECT_EQ(tracker.recent().count(), 2u);
  EXPECT_EQ(tracker.recent().max(), Micros(50));
  EXPECT_EQ(tracker.total().count(), 4u);
  EXPECT_EQ(tracker.total().max(), Micros(500'000));
  tracker.record(t + 45s, Micros(70));  // idle for over two periods
  EXPECT_EQ(tracker.recent().count(), 1u);
  const auto json = tracker.toJson();
  EXPECT_EQ(json["count"], 5);
  EXPECT_EQ(json["recent"]["count"], 1);
  EXPECT_DOUBLE_EQ(json["recent"]["max_ms"].get<double>(), 0.07);
}

}  // namespace
}  // namespace vipd::healthcheck

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

}  // namespace
}  // namespace vipd::healthcheck

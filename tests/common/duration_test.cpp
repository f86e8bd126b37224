#include "common/duration.hpp"

#include <gtest/gtest.h>

namespace vipd {
namespace {

TEST(Duration, ParsesUnitsAndFractions) {
  EXPECT_EQ(parseDuration("10ms"), Duration(10));
  EXPECT_EQ(parseDuration("1s"), Duration(1000));
  EXPECT_EQ(parseDuration("1.5s"), Duration(1500));
  EXPECT_EQ(parseDuration("2m"), Duration(120'000));
  EXPECT_EQ(parseDuration("0s"), Duration(0));
  EXPECT_EQ(parseDuration("1h"), Duration(3'600'000));
}

TEST(Duration, RejectsMalformed) {
  for (auto bad : {"", "s", "10", "-1s", "1.s", ".5s", "1x", "1.0005s", "1 s"}) EXPECT_FALSE(parseDuration(bad)) << bad;
}

TEST(Duration, FormatsCompactly) {
  EXPECT_EQ(formatDuration(Duration(0)), "0s");
  EXPECT_EQ(formatDuration(Duration(10)), "10ms");
  EXPECT_EQ(formatDuration(Duration(1500)), "1.5s");
  EXPECT_EQ(formatDuration(Duration(120'000)), "2m");
}

TEST(Size, ParsesBinaryAndDecimalUnits) {
  EXPECT_EQ(parseSize("512MiB"), 512ull << 20);
  EXPECT_EQ(parseSize("2GiB"), 2ull << 30);
  EXPECT_EQ(parseSize("1000"), 1000u);
  EXPECT_EQ(parseSize("1KB"), 1000u);
  EXPECT_FALSE(parseSize("1.5GiB"));
  EXPECT_FALSE(parseSize("MiB"));
  EXPECT_FALSE(parseSize("99999999999TiB"));
}

}  // namespace
}  // namespace vipd

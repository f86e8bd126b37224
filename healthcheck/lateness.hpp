#pragma once
// How late probes start against their schedule (timer expiry to the probe
// actually starting): a fixed-size histogram, 0.1 ms buckets up to 100 ms,
// 10 ms buckets up to 10 s, one bucket beyond. Pure: the caller measures.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>

#include <nlohmann/json.hpp>

namespace vipd::healthcheck {

class LatenessHistogram {
 public:
  using Micros = std::chrono::microseconds;

  void record(Micros lateness);
  LatenessHistogram& operator+=(const LatenessHistogram& other);
  uint64_t count() const { return count_; }
  Micros max() const { return max_; }
  // The upper bound of the bucket holding quantile q (0 < q <= 1); 0 when empty.
  Micros quantile(double q) const;
  // {"count", "p50_ms", "p99_ms", "max_ms", "buckets": [[upper_bound_us, count], ...]} (non-empty buckets),
  // so that a reader can subtract two snapshots to get a window's distribution.
  nlohmann::json toJson() const;

  static constexpr std::size_t kFine = 1000;   // 0.1 ms each, up to 100 ms
  static constexpr std::size_t kCoarse = 990;  // 10 ms each, up to 10 s
  static constexpr std::size_t kBuckets = kFine + kCoarse + 1;
  static Micros upperBound(std::size_t bucket);
  static std::size_t bucketOf(Micros lateness);

 private:
  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0;
  Micros max_{0};
};

// Since start and recent: the recent view merges the current and the
// previous period (so it covers between one and two periods), which leaves a
// daemon's startup out of it once two periods have passed.
class LatenessTracker {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LatenessTracker(std::chrono::seconds period = std::chrono::seconds(10)) : period_(period) {}

  void record(Clock::time_point now, LatenessHistogram::Micros lateness);
  const LatenessHistogram& total() const { return total_; }
  LatenessHistogram recent() const;
  // total's JSON plus "recent": {count, p50_ms, p99_ms, max_ms, period_s}.
  nlohmann::json toJson() const;

 private:
  std::chrono::seconds period_;
  std::optional<Clock::time_point> current_started_;
  LatenessHistogram total_;
  LatenessHistogram current_;
  LatenessHistogram previous_;
};

}  // namespace vipd::healthcheck

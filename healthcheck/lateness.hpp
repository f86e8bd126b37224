#pragma once
// How late probes start against their schedule (timer expiry to the probe
// actually starting): a fixed-size histogram, 0.1 ms buckets up to 100 ms,
// 10 ms buckets up to 10 s, one bucket beyond. Pure: the caller measures.
#include <array>
#include <chrono>
#include <cstdint>

#include <nlohmann/json.hpp>

namespace vipd::healthcheck {

class LatenessHistogram {
 public:
  using Micros = std::chrono::microseconds;

  void record(Micros lateness);
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

}  // namespace vipd::healthcheck

#include "healthcheck/lateness.hpp"

#include <algorithm>
#include <cmath>

namespace vipd::healthcheck {

namespace {

constexpr int64_t kFineStep = 100;      // us
constexpr int64_t kCoarseStep = 10000;  // us
constexpr int64_t kFineEnd = kFineStep * LatenessHistogram::kFine;

double ms(LatenessHistogram::Micros us) { return static_cast<double>(us.count()) / 1000.0; }

}  // namespace

std::size_t LatenessHistogram::bucketOf(Micros lateness) {
  const int64_t us = std::max<int64_t>(lateness.count(), 0);
  if (us < kFineEnd) return static_cast<std::size_t>(us / kFineStep);
  const auto coarse = static_cast<std::size_t>((us - kFineEnd) / kCoarseStep);
  return std::min(kFine + coarse, kBuckets - 1);
}

LatenessHistogram::Micros LatenessHistogram::upperBound(std::size_t bucket) {
  if (bucket < kFine) return Micros((static_cast<int64_t>(bucket) + 1) * kFineStep);
  if (bucket < kFine + kCoarse) return Micros(kFineEnd + (static_cast<int64_t>(bucket - kFine) + 1) * kCoarseStep);
  return Micros::max();
}

void LatenessHistogram::record(Micros lateness) {
  ++buckets_[bucketOf(lateness)];
  ++count_;
  max_ = std::max(max_, lateness);
}

LatenessHistogram& LatenessHistogram::operator+=(const LatenessHistogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
  return *this;
}

LatenessHistogram::Micros LatenessHistogram::quantile(double q) const {
  if (count_ == 0) return Micros(0);
  const auto rank = static_cast<uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(count_)));
  uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= std::max<uint64_t>(rank, 1)) return std::min(upperBound(i), max_);
  }
  return max_;
}

nlohmann::json LatenessHistogram::toJson() const {
  nlohmann::json buckets = nlohmann::json::array();
  for (std::size_t i = 0; i < kBuckets; ++i) {
    if (buckets_[i] == 0) continue;
    const Micros bound = upperBound(i);
    buckets.push_back({bound == Micros::max() ? -1 : bound.count(), buckets_[i]});
  }
  return {{"count", count_},
          {"p50_ms", ms(quantile(0.5))},
          {"p99_ms", ms(quantile(0.99))},
          {"max_ms", ms(max_)},
          {"buckets", buckets}};
}

void LatenessTracker::record(Clock::time_point now, LatenessHistogram::Micros lateness) {
  if (!current_started_) current_started_ = now;
  if (now - *current_started_ >= period_) {
    // More than two periods without a probe: the previous period is empty too.
    previous_ = now - *current_started_ >= 2 * period_ ? LatenessHistogram{} : current_;
    current_ = {};
    current_started_ = now;
  }
  total_.record(lateness);
  current_.record(lateness);
}

LatenessHistogram LatenessTracker::recent() const {
  LatenessHistogram merged = previous_;
  merged += current_;
  return merged;
}

nlohmann::json LatenessTracker::toJson() const {
  nlohmann::json json = total_.toJson();
  const LatenessHistogram last = recent();
  json["recent"] = {{"count", last.count()},
                    {"p50_ms", ms(last.quantile(0.5))},
                    {"p99_ms", ms(last.quantile(0.99))},
                    {"max_ms", ms(last.max())},
                    {"period_s", period_.count()}};
  return json;
}

}  // namespace vipd::healthcheck

#pragma once
// Config durations ("10ms", "1.5s", "2m") and sizes ("512MiB").
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vipd {

using Duration = std::chrono::milliseconds;

// Units: ms, s, m, h; a decimal fraction is allowed ("1.5s"). Negative is rejected.
std::optional<Duration> parseDuration(std::string_view text);
std::string formatDuration(Duration d);

// "2026-11-28T05:00:00Z": wall-clock instants in status snapshots.
std::string formatUtc(std::chrono::system_clock::time_point time);

// Units: B, KiB, MiB, GiB, TiB (and KB/MB/GB as powers of 1000). Whole numbers only.
std::optional<uint64_t> parseSize(std::string_view text);

}  // namespace vipd

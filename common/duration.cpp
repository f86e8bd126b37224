#include "common/duration.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>
#include <utility>

namespace vipd {

namespace {

// Splits "1.5s" into its number and unit parts.
std::pair<std::string_view, std::string_view> splitUnit(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  return {text.substr(0, i), text.substr(i)};
}

}  // namespace

std::optional<Duration> parseDuration(std::string_view text) {
  auto [number, unit] = splitUnit(text);
  if (number.empty() || number.front() == '.' || number.back() == '.') return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (ec != std::errc() || end != number.data() + number.size()) return std::nullopt;
  double ms_per_unit;
  if (unit == "ms") ms_per_unit = 1;
  else if (unit == "s") ms_per_unit = 1000;
  else if (unit == "m") ms_per_unit = 60'000;
  else if (unit == "h") ms_per_unit = 3'600'000;
  else return std::nullopt;
  double ms = value * ms_per_unit;
  if (ms > 1e15 || std::abs(ms - std::round(ms)) > 1e-6) return std::nullopt;  // sub-millisecond is not expressible
  return Duration(static_cast<int64_t>(std::llround(ms)));
}

std::string formatDuration(Duration d) {
  auto ms = d.count();
  if (ms == 0) return "0s";
  if (ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
  if (ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  if (ms > 1000) {
    std::string frac = std::to_string(ms % 1000);
    frac.insert(0, 3 - frac.size(), '0');
    while (frac.back() == '0') frac.pop_back();
    return std::to_string(ms / 1000) + "." + frac + "s";
  }
  return std::to_string(ms) + "ms";
}

std::string formatUtc(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::optional<uint64_t> parseSize(std::string_view text) {
  auto [number, unit] = splitUnit(text);
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || ec != std::errc() || end != number.data() + number.size()) return std::nullopt;
  uint64_t factor;
  if (unit == "B" || unit.empty()) factor = 1;
  else if (unit == "KiB") factor = 1ull << 10;
  else if (unit == "MiB") factor = 1ull << 20;
  else if (unit == "GiB") factor = 1ull << 30;
  else if (unit == "TiB") factor = 1ull << 40;
  else if (unit == "KB") factor = 1000;
  else if (unit == "MB") factor = 1000'000;
  else if (unit == "GB") factor = 1000'000'000;
  else return std::nullopt;
  if (value > UINT64_MAX / factor) return std::nullopt;
  return value * factor;
}

}  // namespace vipd

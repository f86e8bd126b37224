#include "common/log.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

namespace vipd::log {

namespace {
Level minimum = Level::info;
const bool to_journal = std::getenv("JOURNAL_STREAM") != nullptr;

const char* levelName(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::notice: return "notice";
    case Level::warning: return "warning";
    case Level::error: return "error";
  }
  return "?";
}
}  // namespace

void setMinimumLevel(Level level) { minimum = level; }

bool enabled(Level level) { return static_cast<int>(level) <= static_cast<int>(minimum); }

void write(Level level, std::string_view message) {
  if (!enabled(level)) return;
  std::string line;
  if (to_journal) {
    line = "<" + std::to_string(static_cast<int>(level)) + ">" + levelName(level) + ": ";
  } else {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    tm local{};
    localtime_r(&ts.tv_sec, &local);
    char stamp[40];
    std::size_t n = strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &local);
    snprintf(stamp + n, sizeof stamp - n, ".%03ld", ts.tv_nsec / 1'000'000);
    line = std::string(stamp) + " " + levelName(level) + ": ";
  }
  line.append(message);
  line.push_back('\n');
  // One write() per line keeps lines whole when several processes share stderr.
  [[maybe_unused]] auto written = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace vipd::log

#pragma once
// One line per event, with a level, to stderr. Under systemd (JOURNAL_STREAM
// set) each line carries the sd-daemon "<N>" priority prefix so the journal
// records the level.
#include <string_view>

namespace vipd::log {

enum class Level { debug = 7, info = 6, notice = 5, warning = 4, error = 3 };

void setMinimumLevel(Level level);
// Whether a message of this level would be written (to skip building one that would not).
bool enabled(Level level);
void write(Level level, std::string_view message);

inline void debug(std::string_view m) { write(Level::debug, m); }
inline void info(std::string_view m) { write(Level::info, m); }
inline void notice(std::string_view m) { write(Level::notice, m); }
inline void warning(std::string_view m) { write(Level::warning, m); }
inline void error(std::string_view m) { write(Level::error, m); }

}  // namespace vipd::log

#include <mutex>
#include <regex>

#include "conf/sections.hpp"

namespace vipd::conf {

std::optional<std::string> regexProblem(const std::string& pattern) {
  // Compiling reads the global locale's ctype<char>, whose narrow() fills a
  // shared cache without a lock (GCC bug 77704); the pieces of a large file
  // are read on several threads (piecewise_read.hpp): one compile at a time.
  static std::mutex compiling;
  const std::lock_guard lock(compiling);
  try {
    std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

}  // namespace vipd::conf

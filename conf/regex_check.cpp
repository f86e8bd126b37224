#include <regex>

#include "conf/sections.hpp"

namespace vipd::conf {

std::optional<std::string> regexProblem(const std::string& pattern) {
  try {
    std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

}  // namespace vipd::conf

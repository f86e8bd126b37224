#include "conf/script_safety.hpp"

#include <sys/stat.h>

#include <filesystem>

namespace vipd::conf {

namespace {

bool worldWritable(const struct stat& st) { return (st.st_mode & S_IWOTH) != 0; }
bool sticky(const struct stat& st) { return (st.st_mode & S_ISVTX) != 0; }

// Checks the directories holding `file`, innermost first.
std::optional<std::string> directoryProblem(const std::filesystem::path& file) {
  bool innermost = true;
  for (auto dir = file.parent_path(); !dir.empty(); dir = dir.parent_path()) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0 && worldWritable(st) && (innermost || !sticky(st))) {
      return "script '" + file.string() + "' is inside world-writable directory '" + dir.string() + "'";
    }
    innermost = false;
    if (dir == dir.root_path()) break;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> scriptPathProblem(const std::string& path, bool check_files) {
  if (path.empty()) return "script path is empty";
  std::filesystem::path file(path);
  if (!file.is_absolute()) return "script path '" + path + "' is relative; an absolute path is required";
  if (!check_files) return std::nullopt;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "script '" + path + "' does not exist";
  if (!S_ISREG(st.st_mode)) return "script '" + path + "' is not a regular file";
  if (worldWritable(st)) return "script '" + path + "' is world-writable";
  if ((st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0) return "script '" + path + "' is not executable";
  if (auto problem = directoryProblem(file.lexically_normal())) return problem;
  std::error_code ec;
  auto target = std::filesystem::canonical(file, ec);
  if (!ec && target != file.lexically_normal()) {
    if (auto problem = directoryProblem(target)) return problem;
  }
  return std::nullopt;
}

}  // namespace vipd::conf

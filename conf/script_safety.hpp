#pragma once
// Whether a script path is safe to run (issue 5): absolute, existing, and
// neither the file nor a directory that could swap it writable by everyone.
#include <optional>
#include <string>

namespace vipd::conf {

// The problem with `path`, or nullopt when it is safe. With check_files false
// only the path's form is checked (absolute), not the filesystem.
// Rules: the file must exist and be an executable regular file that is not world-writable;
// its own directory must not be world-writable (sticky or not); any higher
// directory must not be world-writable unless it is sticky (like /tmp).
std::optional<std::string> scriptPathProblem(const std::string& path, bool check_files);

}  // namespace vipd::conf

#pragma once
// The fork/exec half of the process runner: resolves the user and the program
// in the parent, then starts the child with only async-signal-safe calls.
#include <sys/resource.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "common/result.hpp"
#include "healthcheck/process_runner.hpp"

namespace vipd::process {

struct Spawned {
  pid_t pid = -1;
  int pidfd = -1;          // readable once the child has exited
  int output_fd = -1;      // read end of the child's stdout + stderr, non-blocking
  int exec_error_fd = -1;  // read end: 4 bytes of errno if exec failed, EOF once it succeeded
};

// Every descriptor in Spawned is owned by the caller.
Result<Spawned> spawn(const Command& command);

// Raises this process's open-file soft limit to its hard limit: kept check
// connections take a descriptor each, and systemd's default soft limit is
// 1,024. Commands started afterwards get the old soft limit back (programs
// using select() need descriptors below 1,024). Returns the new soft limit.
rlim_t raiseOpenFileLimit();

}  // namespace vipd::process

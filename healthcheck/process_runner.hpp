#pragma once
// Runs external commands (health check scripts, VRRP track and notify
// scripts) without blocking the io_context and without a shell.
//
// Each command runs as the given user (root only when the user is "root"), in
// a process group of its own, with stdin from /dev/null, a clean environment
// and every inherited descriptor closed. Its stdout and stderr are captured
// together; the first `output_limit` bytes are kept for the log, the rest is
// read and dropped so the command never blocks on a full pipe. At its timeout
// the whole process group is SIGKILLed. The group does not outlive the
// command: whatever is left of it when the command exits is killed too
// (a script that wants a lasting daemon must setsid it).
//
// Exit is observed through a pidfd (no SIGCHLD handler, so it composes with
// the daemon's own asio::signal_set). Nothing else in the process may call
// waitpid(-1) or set SIGCHLD to SIG_IGN. To leave no zombies under an init
// that does not reap orphans, call adoptOrphans() once at start-up: the
// runner then reaps the killed members of its commands' groups itself.
#include <sys/types.h>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/asio.hpp"
#include "common/duration.hpp"
#include "common/result.hpp"

namespace vipd::process {

struct Command {
  std::vector<std::string> argv;  // argv[0]: an absolute path, or a name looked up in the default PATH
  std::string user = "nobody";
  Duration timeout{1000};
  std::vector<std::string> env;  // extra "NAME=value" entries; PATH, HOME, USER and LOGNAME are always set
};

struct Outcome {
  enum class End { exited, signaled, timed_out };

  End end = End::exited;
  int exit_code = -1;  // when exited
  int signal = 0;      // when signaled
  pid_t pid = 0;       // also the process group id
  std::string output;  // the start of stdout + stderr
  bool output_truncated = false;
  Duration duration{0};

  bool success() const { return end == End::exited && exit_code == 0; }
  std::string describe() const;  // "exit status 1", "killed by signal 15", "timed out after 1s"
};

// An Error when the command could not start: unknown user or program, fork or
// exec failure (the errno is kept).
using Callback = std::function<void(Result<Outcome>)>;

class ProcessRunner {
 public:
  using Id = uint64_t;

  explicit ProcessRunner(asio::io_context& io, std::size_t output_limit = 512);
  // Kills and reaps every command still running; their callbacks are not called.
  ~ProcessRunner();
  ProcessRunner(const ProcessRunner&) = delete;
  ProcessRunner& operator=(const ProcessRunner&) = delete;

  // Starts the command; `done` is called once, later, on the io_context.
  Id run(const Command& command, Callback done);
  // Kills the command's process group; its callback is not called.
  void cancel(Id id);
  std::size_t running() const { return jobs_.size(); }

  struct Job;

 private:
  void finish(const std::shared_ptr<Job>& job);

  asio::io_context& io_;
  std::size_t output_limit_;
  Id next_id_ = 1;
  std::map<Id, std::shared_ptr<Job>> jobs_;
};

// prctl(PR_SET_CHILD_SUBREAPER): orphans of our commands are re-parented to
// this process, so the runner can reap them.
Status adoptOrphans();

}  // namespace vipd::process

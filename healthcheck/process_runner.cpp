#include "healthcheck/process_runner.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>

#include "healthcheck/process_spawn.hpp"

namespace vipd::process {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kReapRetry = std::chrono::milliseconds(10);
constexpr int kReapAttempts = 300;  // 3 s for SIGKILLed members to die

// Reaps what is left of a killed process group, if those processes are our
// children (adoptOrphans()); stops when none is left or after kReapAttempts.
void reapGroup(std::shared_ptr<asio::steady_timer> timer, pid_t pgid, int attempts_left) {
  for (;;) {
    const pid_t reaped = ::waitpid(-pgid, nullptr, WNOHANG);
    if (reaped > 0) continue;
    if (reaped < 0 || attempts_left <= 0) return;  // ECHILD: nothing of the group is ours any more
    break;
  }
  timer->expires_after(kReapRetry);
  timer->async_wait([timer, pgid, attempts_left](const boost::system::error_code& ec) {
    if (!ec) reapGroup(timer, pgid, attempts_left - 1);
  });
}

}  // namespace

struct ProcessRunner::Job {
  Job(asio::io_context& io, Spawned spawned)
      : pid(spawned.pid),
        pidfd(io, spawned.pidfd),
        output_pipe(io, spawned.output_fd),
        exec_error_fd(spawned.exec_error_fd),
        timer(io) {}
  ~Job() {
    if (exec_error_fd >= 0) ::close(exec_error_fd);
  }

  ProcessRunner* runner = nullptr;  // null once finished, cancelled or the runner is gone
  Id id = 0;
  pid_t pid;
  asio::posix::stream_descriptor pidfd;
  asio::posix::stream_descriptor output_pipe;
  int exec_error_fd;
  asio::steady_timer timer;
  Clock::time_point started = Clock::now();
  Duration timeout{0};
  bool timed_out = false;
  std::array<char, 4096> chunk{};
  std::string output;
  bool output_truncated = false;
  Callback done;

  void keep(const char* data, std::size_t size, std::size_t limit) {
    const std::size_t room = output.size() < limit ? limit - output.size() : 0;
    if (size > room) output_truncated = true;
    output.append(data, std::min(size, room));
  }

  void readOutput(std::size_t limit, const std::shared_ptr<Job>& self) {
    output_pipe.async_read_some(asio::buffer(chunk), [self, limit](const boost::system::error_code& ec, std::size_t n) {
      if (ec) return;  // EOF, or closed when the job ended
      self->keep(self->chunk.data(), n, limit);
      self->readOutput(limit, self);
    });
  }

  // What is still in the pipe when the command exits, without waiting for
  // descendants that may hold the write end.
  void drainOutput(std::size_t limit) {
    boost::system::error_code ec;
    while (output_pipe.is_open()) {
      const std::size_t n = output_pipe.read_some(asio::buffer(chunk), ec);
      if (ec || n == 0) break;
      keep(chunk.data(), n, limit);
    }
  }

  void killGroup() const { ::kill(-pid, SIGKILL); }
};

ProcessRunner::ProcessRunner(asio::io_context& io, std::size_t output_limit) : io_(io), output_limit_(output_limit) {}

ProcessRunner::~ProcessRunner() {
  for (auto& [id, job] : jobs_) {
    job->runner = nullptr;
    job->killGroup();
    ::waitpid(job->pid, nullptr, 0);  // SIGKILLed: returns at once
    boost::system::error_code ignored;
    job->pidfd.close(ignored);
    job->output_pipe.close(ignored);
    job->timer.cancel();
  }
}

ProcessRunner::Id ProcessRunner::run(const Command& command, Callback done) {
  const Id id = next_id_++;
  auto spawned = spawn(command);
  if (!spawned) {
    asio::post(io_, [done = std::move(done), error = spawned.error()] { done(error); });
    return id;
  }
  auto job = std::make_shared<Job>(io_, *spawned);
  job->runner = this;
  job->id = id;
  job->timeout = command.timeout;
  job->done = std::move(done);
  jobs_.emplace(id, job);

  job->readOutput(output_limit_, job);
  job->timer.expires_after(command.timeout);
  job->timer.async_wait([job](const boost::system::error_code& ec) {
    if (ec || job->runner == nullptr) return;
    job->timed_out = true;
    job->killGroup();
  });
  job->pidfd.async_wait(asio::posix::stream_descriptor::wait_read, [job](const boost::system::error_code& ec) {
    if (ec) return;
    if (job->runner != nullptr) {
      job->runner->finish(job);
    } else {  // cancelled: only reap
      job->killGroup();
      ::waitpid(job->pid, nullptr, 0);
      reapGroup(std::make_shared<asio::steady_timer>(job->timer.get_executor()), job->pid, kReapAttempts);
    }
  });
  return id;
}

void ProcessRunner::cancel(Id id) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return;
  auto job = it->second;
  jobs_.erase(it);
  job->runner = nullptr;
  job->done = nullptr;
  job->timer.cancel();
  job->killGroup();  // the pending pidfd wait reaps it
}

void ProcessRunner::finish(const std::shared_ptr<Job>& job) {
  jobs_.erase(job->id);
  job->runner = nullptr;
  job->timer.cancel();
  // Kill the rest of the group while the leader, a zombie, still holds its id.
  job->killGroup();
  int status = 0;
  ::waitpid(job->pid, &status, 0);  // exited (the pidfd said so): does not block
  job->drainOutput(output_limit_);
  boost::system::error_code ignored;
  job->output_pipe.close(ignored);
  job->pidfd.close(ignored);

  auto reaper = std::make_shared<asio::steady_timer>(io_);
  reapGroup(reaper, job->pid, kReapAttempts);

  int exec_errno = 0;
  const bool exec_failed = ::read(job->exec_error_fd, &exec_errno, sizeof exec_errno) == sizeof exec_errno;
  Callback done = std::move(job->done);
  if (!done) return;
  if (exec_failed) {
    done(Error::fromErrno(exec_errno, "start command"));
    return;
  }
  Outcome outcome;
  outcome.pid = job->pid;
  outcome.duration = std::chrono::duration_cast<Duration>(Clock::now() - job->started);
  outcome.output = std::move(job->output);
  outcome.output_truncated = job->output_truncated;
  if (job->timed_out) {
    outcome.end = Outcome::End::timed_out;
  } else if (WIFSIGNALED(status)) {
    outcome.end = Outcome::End::signaled;
    outcome.signal = WTERMSIG(status);
  } else {
    outcome.end = Outcome::End::exited;
    outcome.exit_code = WEXITSTATUS(status);
  }
  done(std::move(outcome));
}

std::string Outcome::describe() const {
  switch (end) {
    case End::exited:
      return "exit status " + std::to_string(exit_code);
    case End::signaled:
      return "killed by signal " + std::to_string(signal);
    case End::timed_out:
      return "timed out after " + formatDuration(duration);
  }
  return "?";
}

Status adoptOrphans() {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) return Error::fromErrno(errno, "prctl(PR_SET_CHILD_SUBREAPER)");
  return Ok{};
}

}  // namespace vipd::process

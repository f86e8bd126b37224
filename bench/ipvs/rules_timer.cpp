// ipvs_rules_timer RULES [--output FILE] -- COMMAND [ARGS...]: starts COMMAND
// (its stdout and stderr to FILE when given) and prints, as
// one JSON line, the wall time until the kernel holds RULES rules (services
// and real servers, the lines of /proc/net/ip_vs after its 3-line header).
// The same clock for every tool, without a shell: a poll is one read of the
// table in this process, no fork. Polls are spaced by twice the last read's
// time (at least 10 ms), so this timer takes at most a third of one CPU from
// the tool it times. COMMAND is left running (its pid is printed) unless it
// exits first; an exit before the rules are complete is a failure.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;

constexpr int kHeaderLines = 3;

long countRules() {
  int fd = open("/proc/net/ip_vs", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  static char buffer[1 << 16];
  long lines = 0;
  for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;) lines += std::count(buffer, buffer + n, '\n');
  close(fd);
  return lines - kHeaderLines;
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  const char* output = argc > 4 && std::strcmp(argv[2], "--output") == 0 ? argv[3] : nullptr;
  const int separator = output ? 4 : 2;
  if (argc < separator + 2 || std::strcmp(argv[separator], "--") != 0) {
    std::fprintf(stderr, "usage: ipvs_rules_timer RULES [--output FILE] -- COMMAND [ARGS...]\n");
    return 2;
  }
  const long rules = std::atol(argv[1]);
  char** command = argv + separator + 1;
  const auto start = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    if (output) {
      int fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0) _exit(126);
    }
    execvp(command[0], command);
    std::perror(command[0]);
    _exit(127);
  }
  if (pid < 0) return std::perror("fork"), 1;

  long polls = 0, have = 0;
  Clock::duration reading{};
  bool exited = false;
  int status = 0;
  for (;;) {
    const bool exited_before_poll = exited;
    auto before = Clock::now();
    have = countRules();
    auto read_time = Clock::now() - before;
    reading += read_time;
    ++polls;
    if (have >= rules) break;
    if (!exited && waitpid(pid, &status, WNOHANG) == pid) exited = true;
    const bool failed = exited && !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (failed || exited_before_poll) {
      std::printf("{\"failed\":true,\"rules\":%ld,\"status\":%d}\n", have, status);
      return 1;
    }
    std::this_thread::sleep_for(std::max<Clock::duration>(std::chrono::milliseconds(10), 2 * read_time));
  }
  const auto wall = Clock::now() - start;
  std::printf("{\"rules\":%ld,\"wall_s\":%.3f,\"pid\":%d,\"polls\":%ld,\"poll_read_s\":%.3f}\n", have, seconds(wall),
              pid, polls, seconds(reading));
  return 0;
}

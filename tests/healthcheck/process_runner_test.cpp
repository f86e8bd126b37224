#include "healthcheck/process_runner.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <pwd.h>
#include <fstream>
#include <optional>

#include "healthcheck/process_spawn.hpp"
#include "tests/healthcheck/process_test_support.hpp"

namespace vipd::process {
namespace {

using namespace std::chrono_literals;
using vipd::testing::processesInGroup;
using vipd::testing::runUntil;

std::string currentUser() { return getpwuid(geteuid())->pw_name; }

class ProcessRunnerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(adoptOrphans().ok()); }

  std::optional<Result<Outcome>> runToEnd(std::vector<std::string> argv, Duration timeout = 2s) {
    std::optional<Result<Outcome>> result;
    runner.run(Command{std::move(argv), currentUser(), timeout, {}}, [&](Result<Outcome> r) { result = std::move(r); });
    EXPECT_TRUE(runUntil(io, [&] { return result.has_value(); }));
    return result;
  }

  asio::io_context io;
  ProcessRunner runner{io, 64};
};

TEST_F(ProcessRunnerTest, CapturesOutputAndExitStatus) {
  auto result = runToEnd({"/bin/sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(result && result->ok()) << (result && !result->ok() ? result->error().message() : "");
  const Outcome& outcome = result->value();
  EXPECT_EQ(outcome.end, Outcome::End::exited);
  EXPECT_EQ(outcome.exit_code, 3);
  EXPECT_FALSE(outcome.success());
  EXPECT_EQ(outcome.output, "out\nerr\n");
  EXPECT_EQ(outcome.describe(), "exit status 3");
}

// The daemon raises its own open-file limit; commands still start with the old one.
TEST_F(ProcessRunnerTest, CommandsKeepTheOpenFileLimitTheDaemonRaised) {
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_max <= 512) GTEST_SKIP() << "hard open-file limit " << limit.rlim_max << " leaves nothing to raise";
  const rlimit lowered{512, limit.rlim_max};
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  EXPECT_EQ(raiseOpenFileLimit(), limit.rlim_max);
  rlimit raised{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &raised), 0);
  EXPECT_EQ(raised.rlim_cur, limit.rlim_max);
  auto result = runToEnd({"/bin/sh", "-c", "ulimit -n"});
  ASSERT_TRUE(result && result->ok());
  EXPECT_EQ(result->value().output, "512\n");
  setrlimit(RLIMIT_NOFILE, &limit);
}

TEST_F(ProcessRunnerTest, FindsProgramsInPathWithoutAShell) {
  auto result = runToEnd({"echo", "a;b", "$HOME"});
  ASSERT_TRUE(result && result->ok());
  EXPECT_TRUE((*result)->success());
  EXPECT_EQ((*result)->output, "a;b $HOME\n");
}

TEST_F(ProcessRunnerTest, ReportsTheKillingSignal) {
  auto result = runToEnd({"/bin/sh", "-c", "kill -TERM $$"});
  ASSERT_TRUE(result && result->ok());
  EXPECT_EQ((*result)->end, Outcome::End::signaled);
  EXPECT_EQ((*result)->signal, SIGTERM);
}

TEST_F(ProcessRunnerTest, KeepsOnlyTheStartOfLongOutputAndNeverBlocksTheChild) {
  auto result = runToEnd({"/bin/sh", "-c", "head -c 1000000 /dev/zero | tr '\\0' x; exit 0"});
  ASSERT_TRUE(result && result->ok());
  EXPECT_TRUE((*result)->success());
  EXPECT_EQ((*result)->output, std::string(64, 'x'));
  EXPECT_TRUE((*result)->output_truncated);
}

TEST_F(ProcessRunnerTest, CleanEnvironmentAndNoInheritedDescriptors) {
  setenv("VIPD_TEST_SECRET", "leak", 1);
  auto env = runToEnd({"/usr/bin/env"});
  ASSERT_TRUE(env && env->ok());
  EXPECT_EQ((*env)->output.find("VIPD_TEST_SECRET"), std::string::npos);
  EXPECT_NE((*env)->output.find("PATH=/usr/local/sbin"), std::string::npos);
  // A descriptor the daemon opened without O_CLOEXEC must not reach the command.
  const int leaky = open("/dev/null", O_RDONLY);
  ASSERT_GE(leaky, 3);
  const std::string fd_path = "/proc/$$/fd/" + std::to_string(leaky);
  auto fds = runToEnd({"/bin/sh", "-c", "test -e " + fd_path + " && echo leaked || echo closed"});
  close(leaky);
  ASSERT_TRUE(fds && fds->ok());
  EXPECT_EQ((*fds)->output, "closed\n");
}

TEST_F(ProcessRunnerTest, MissingProgramIsAnError) {
  auto result = runToEnd({"/nonexistent/vipd-check"});
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->ok());
  EXPECT_TRUE(result->error().code == std::errc::no_such_file_or_directory) << result->error().message();
  auto unnamed = runToEnd({"vipd-no-such-program"});
  ASSERT_TRUE(unnamed.has_value());
  EXPECT_FALSE(unnamed->ok());
}

TEST_F(ProcessRunnerTest, UnknownUserIsAnError) {
  std::optional<Result<Outcome>> result;
  runner.run(Command{{"/bin/true"}, "vipd-no-such-user", 1s, {}}, [&](Result<Outcome> r) { result = std::move(r); });
  EXPECT_FALSE(result.has_value());  // never called inline
  ASSERT_TRUE(runUntil(io, [&] { return result.has_value(); }));
  ASSERT_FALSE(result->ok());
  EXPECT_NE(result->error().message().find("vipd-no-such-user"), std::string::npos);
}

TEST_F(ProcessRunnerTest, TimeoutKillsTheWholeGroupAndLeavesNoZombie) {
  // The shell and a background child both hang; the background one is orphaned when the shell dies.
  const auto started = std::chrono::steady_clock::now();
  auto result = runToEnd({"/bin/sh", "-c", "sleep 30 & sleep 30; echo never"}, 200ms);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(result && result->ok());
  const Outcome& outcome = result->value();
  EXPECT_EQ(outcome.end, Outcome::End::timed_out);
  EXPECT_GE(outcome.duration, 200ms);
  EXPECT_LT(elapsed, 2s);
  EXPECT_EQ(outcome.describe().rfind("timed out after", 0), 0u);
  EXPECT_TRUE(runUntil(
      io, [&] { return processesInGroup(outcome.pid).empty(); }, 3s))
      << "left: " << ::testing::PrintToString(processesInGroup(outcome.pid));
}

TEST_F(ProcessRunnerTest, LeftoversOfAnExitedCommandAreKilled) {
  auto result = runToEnd({"/bin/sh", "-c", "sleep 30 & exit 0"});
  ASSERT_TRUE(result && result->ok());
  EXPECT_TRUE((*result)->success());
  EXPECT_TRUE(runUntil(
      io, [&] { return processesInGroup((*result)->pid).empty(); }, 3s))
      << "left: " << ::testing::PrintToString(processesInGroup((*result)->pid));
}

TEST_F(ProcessRunnerTest, NeverBlocksTheLoop) {
  std::optional<Result<Outcome>> result;
  // 1 s, not less: a loop starved that long on a loaded host would see both at once.
  runner.run(Command{{"/bin/sleep", "1"}, currentUser(), 3s, {}}, [&](Result<Outcome> r) { result = std::move(r); });
  asio::steady_timer tick(io, 20ms);
  bool ticked_first = false;
  tick.async_wait([&](auto) { ticked_first = !result.has_value(); });
  ASSERT_TRUE(runUntil(io, [&] { return result.has_value(); }));
  EXPECT_TRUE(ticked_first);
  EXPECT_TRUE((*result)->success());
  EXPECT_GE((*result)->duration, 1s);
}

TEST_F(ProcessRunnerTest, CancelKillsWithoutCallingBack) {
  bool called = false;
  const auto id =
      runner.run(Command{{"/bin/sleep", "30"}, currentUser(), 10s, {}}, [&](Result<Outcome>) { called = true; });
  ASSERT_EQ(runner.running(), 1u);
  runner.cancel(id);
  EXPECT_EQ(runner.running(), 0u);
  io.run_for(300ms);
  EXPECT_FALSE(called);
}

TEST_F(ProcessRunnerTest, DestructionKillsAndReapsRunningCommands) {
  char path[] = "/tmp/vipd-runner-pid-XXXXXX";
  const int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    ProcessRunner local(io);
    local.run(Command{{"/bin/sh", "-c", std::string("echo $$ > ") + path + "; exec sleep 30"}, currentUser(), 10s, {}},
              [](Result<Outcome>) { ADD_FAILURE() << "called back after destruction"; });
    ASSERT_TRUE(runUntil(io, [&] {
      std::ifstream in(path);
      pid_t pid = 0;
      return static_cast<bool>(in >> pid);
    }));
  }
  std::ifstream in(path);
  pid_t pid = 0;
  in >> pid;
  unlink(path);
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(processesInGroup(pid).empty()) << ::testing::PrintToString(processesInGroup(pid));
  io.run_for(50ms);
}

}  // namespace
}  // namespace vipd::process

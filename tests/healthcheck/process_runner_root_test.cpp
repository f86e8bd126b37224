// Needs root: commands switch to an unprivileged user.
#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>

#include "healthcheck/process_runner.hpp"
#include "tests/healthcheck/process_test_support.hpp"

namespace vipd::process {
namespace {

using namespace std::chrono_literals;

class ProcessRunnerAsUser : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to switch users";
  }

  Outcome runToEnd(std::vector<std::string> argv, std::string user) {
    std::optional<Result<Outcome>> result;
    runner.run(Command{std::move(argv), std::move(user), 2s, {}}, [&](Result<Outcome> r) { result = std::move(r); });
    EXPECT_TRUE(vipd::testing::runUntil(io, [&] { return result.has_value(); }));
    if (!result || !result->ok()) {
      ADD_FAILURE() << (result ? result->error().message() : "no result");
      return {};
    }
    return result->value();
  }

  asio::io_context io;
  ProcessRunner runner{io};
};

TEST_F(ProcessRunnerAsUser, RunsAsNobodyWithNobodysGroupsOnly) {
  const Outcome outcome = runToEnd(
      {"/bin/sh", "-c", "echo $(id -u) $(id -g) $(id -G) $(cut -f2 /proc/self/status | head -0) $USER"}, "nobody");
  EXPECT_EQ(outcome.output, "65534 65534 65534 nobody\n");
  // From the kernel's view: real, effective, saved and filesystem ids.
  const Outcome status = runToEnd({"/bin/grep", "-E", "^(Uid|Gid|Groups):", "/proc/self/status"}, "nobody");
  EXPECT_EQ(status.output, "Uid:\t65534\t65534\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\nGroups:\t65534 \n");
}

TEST_F(ProcessRunnerAsUser, RootOnlyWhenAskedFor) {
  EXPECT_EQ(runToEnd({"/usr/bin/id", "-u"}, "root").output, "0\n");
  EXPECT_EQ(runToEnd({"/usr/bin/id", "-u"}, "nobody").output, "65534\n");
}

}  // namespace
}  // namespace vipd::process

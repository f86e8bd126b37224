#include "virt/restart_after.hpp"

#include <gtest/gtest.h>

namespace vipd::virt {
namespace {

using namespace std::chrono_literals;
using Guests = std::vector<std::string>;

std::vector<std::string> guests(const std::vector<RestartAfterClock::Due>& due) {
  std::vector<std::string> names;
  for (const auto& d : due) names.push_back(d.guest);
  return names;
}

struct RestartAfterTest : ::testing::Test {
  RestartAfterTest() { clock.configure({{"web/10.0.0.4:80", {"node4", 30s}}}); }

  RestartAfterClock::Time at(std::chrono::milliseconds offset) const { return t0 + offset; }

  RestartAfterClock clock;
  RestartAfterClock::Time t0{std::chrono::hours(1)};
};

TEST_F(RestartAfterTest, AGuestIsDueAfterItsServerFailedThatLongWhileRunning) {
  clock.guestRunning("node4", true, at(0s));
  clock.checkResult("web/10.0.0.4:80", false, at(5s));
  EXPECT_EQ(clock.nextDue(), at(35s));
  EXPECT_EQ(guests(clock.takeDue(at(34'999ms))), Guests{});
  EXPECT_EQ(guests(clock.takeDue(at(35s))), Guests{"node4"});
}

TEST_F(RestartAfterTest, TheClockStartsAgainWhenTheRestartIsDoneSoABootIsNotRestarted) {
  clock.guestRunning("node4", true, at(0s));
  clock.checkResult("web/10.0.0.4:80", false, at(0s));
  EXPECT_EQ(guests(clock.takeDue(at(31s))), Guests{"node4"});
  // While libvirt restarts it, nothing is due.
  EXPECT_EQ(clock.nextDue(), std::nullopt);
  EXPECT_EQ(guests(clock.takeDue(at(100s))), Guests{});
  // Done at 40 s, still failing while it boots: the next restart is one window later.
  clock.restartDone("node4", at(40s));
  EXPECT_EQ(clock.nextDue(), at(70s));
  EXPECT_EQ(guests(clock.takeDue(at(69s))), Guests{});
  EXPECT_EQ(guests(clock.takeDue(at(70s))), Guests{"node4"});
}

TEST_F(RestartAfterTest, PassingChecksResetTheClock) {
  clock.guestRunning("node4", true, at(0s));
  clock.checkResult("web/10.0.0.4:80", false, at(0s));
  clock.checkResult("web/10.0.0.4:80", true, at(20s));
  EXPECT_EQ(clock.nextDue(), std::nullopt);
  clock.checkResult("web/10.0.0.4:80", false, at(25s));
  clock.checkResult("web/10.0.0.4:80", false, at(40s));  // a repeat keeps the first failure
  EXPECT_EQ(guests(clock.takeDue(at(54s))), Guests{});
  EXPECT_EQ(guests(clock.takeDue(at(55s))), Guests{"node4"});
}

TEST_F(RestartAfterTest, OnlyARunningGuestCountsAndItsClockStartsWhenSeenRunning) {
  clock.checkResult("web/10.0.0.4:80", false, at(0s));
  EXPECT_EQ(clock.nextDue(), std::nullopt);  // not known to run
  EXPECT_EQ(guests(clock.takeDue(at(100s))), Guests{});
  clock.guestRunning("node4", true, at(100s));
  EXPECT_EQ(clock.nextDue(), at(130s));
  clock.guestRunning("node4", false, at(110s));
  EXPECT_EQ(guests(clock.takeDue(at(200s))), Guests{});
  clock.guestRunning("node4", true, at(200s));
  clock.guestRunning("node4", true, at(210s));  // a repeat changes nothing
  EXPECT_EQ(clock.nextDue(), at(230s));
}

TEST_F(RestartAfterTest, ServersWithoutRestartAfterNeverRestart) {
  clock.guestRunning("node4", true, at(0s));
  clock.checkResult("web/10.0.0.5:80", false, at(0s));
  EXPECT_EQ(clock.nextDue(), std::nullopt);
  clock.configure({});
  clock.checkResult("web/10.0.0.4:80", false, at(0s));
  EXPECT_EQ(guests(clock.takeDue(at(1h))), Guests{});
}

TEST_F(RestartAfterTest, TwoServersOfOneGuestRestartItOnceAndTheEarliestDecides) {
  clock.configure({{"web/10.0.0.4:80", {"node4", 30s}}, {"api/10.0.0.4:81", {"node4", 10s}}});
  clock.guestRunning("node4", true, at(0s));
  clock.checkResult("web/10.0.0.4:80", false, at(0s));
  clock.checkResult("api/10.0.0.4:81", false, at(5s));
  EXPECT_EQ(clock.nextDue(), at(15s));
  EXPECT_EQ(clock.takeDue(at(40s)),
            (std::vector<RestartAfterClock::Due>{{"node4", "api/10.0.0.4:81", 10s}}));  // first by id
  clock.restartDone("node4", at(42s));
  EXPECT_EQ(clock.nextDue(), at(52s));  // both clocks start again at the restart
}

}  // namespace
}  // namespace vipd::virt

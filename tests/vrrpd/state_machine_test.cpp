// RFC 9568 section 6.4, one table row per transition.
#include <gtest/gtest.h>

#include "vrrpd/core/state_machine.hpp"

namespace vipd::vrrp {
namespace {

using A = ActionKind;
using E = EventKind;
using std::chrono::milliseconds;

const IpAddress kSelf = *IpAddress::parse("198.51.100.2");
const IpAddress kLowerAddress = *IpAddress::parse("198.51.100.1");
const IpAddress kHigherAddress = *IpAddress::parse("198.51.100.3");

Params params(int priority = 100, bool preempt = true, milliseconds delay = milliseconds(0)) {
  return Params{3, priority, milliseconds(1000), preempt, delay, kSelf};
}

Params held(int priority = 100) {
  Params p = params(priority);
  p.sync_hold = true;
  return p;
}

Action a(A kind, milliseconds d = milliseconds(0), int prio = 0) { return Action{kind, d, prio}; }
Action send(int prio) { return Action{A::send_advert, milliseconds(0), prio}; }

Context in(State s) {
  Context c;
  c.state = s;
  return c;
}

struct Row {
  const char* name;
  State from;
  Params p;
  Event event;
  State to;
  std::vector<Action> actions;
};

// Priority 100, 1 s: Master_Down_Interval 3.6 s, Skew_Time 0.6 s.
const std::vector<Row> kRows = {
    {"init startup -> backup",
     State::initialize,
     params(),
     {E::startup},
     State::backup,
     {a(A::start_master_down_timer, milliseconds(3600))}},
    {"init startup as owner -> master",
     State::initialize,
     params(255),
     {E::startup},
     State::master,
     {a(A::add_addresses), send(255), a(A::announce_addresses), a(A::start_adver_timer, milliseconds(1000))}},
    {"init ignores adverts",
     State::initialize,
     params(),
     Event::advert(200, milliseconds(1000), kHigherAddress),
     State::initialize,
     {}},
    {"backup shutdown -> init",
     State::backup,
     params(),
     {E::shutdown},
     State::initialize,
     {a(A::cancel_master_down_timer)}},
    {"backup master down -> master",
     State::backup,
     params(),
     {E::master_down_timer},
     State::master,
     {a(A::cancel_master_down_timer), a(A::add_addresses), send(100), a(A::announce_addresses),
      a(A::start_adver_timer, milliseconds(1000))}},
    {"backup hears priority 0 -> skew",
     State::backup,
     params(),
     Event::advert(0, milliseconds(1000), kHigherAddress),
     State::backup,
     {a(A::start_master_down_timer, milliseconds(600))}},
    {"backup hears higher -> reset down timer",
     State::backup,
     params(),
     Event::advert(200, milliseconds(1000), kLowerAddress),
     State::backup,
     {a(A::start_master_down_timer, milliseconds(3600))}},
    {"backup hears equal -> reset down timer",
     State::backup,
     params(),
     Event::advert(100, milliseconds(1000), kLowerAddress),
     State::backup,
     {a(A::start_master_down_timer, milliseconds(3600))}},
    {"backup adopts master's v3 interval",
     State::backup,
     params(),
     Event::advert(200, milliseconds(100), kLowerAddress),
     State::backup,
     {a(A::start_master_down_timer, milliseconds(360))}},
    {"backup preempt hears lower -> discard",
     State::backup,
     params(),
     Event::advert(50, milliseconds(1000), kHigherAddress),
     State::backup,
     {}},
    {"backup no preempt hears lower -> reset",
     State::backup,
     params(100, false),
     Event::advert(50, milliseconds(1000), kHigherAddress),
     State::backup,
     {a(A::start_master_down_timer, milliseconds(3600))}},
    {"owner preempts even without preempt",
     State::backup,
     params(255, false),
     Event::advert(50, milliseconds(1000), kHigherAddress),
     State::backup,
     {}},
    {"backup preempt_delay holds a lower master",
     State::backup,
     params(100, true, milliseconds(5000)),
     Event::advert(50, milliseconds(1000), kHigherAddress),
     State::backup,
     {a(A::start_preempt_delay_timer, milliseconds(5000)), a(A::start_master_down_timer, milliseconds(3600))}},
    {"backup preempt_delay expires -> skew",
     State::backup,
     params(100, true, milliseconds(5000)),
     {E::preempt_delay_timer},
     State::backup,
     {a(A::start_master_down_timer, milliseconds(600))}},
    {"init startup with preempt_delay opens its window",
     State::initialize,
     params(100, true, milliseconds(5000)),
     {E::startup},
     State::backup,
     {a(A::start_preempt_delay_timer, milliseconds(5000)), a(A::start_master_down_timer, milliseconds(3600))}},
    {"init startup without preempt ignores preempt_delay",
     State::initialize,
     params(100, false, milliseconds(5000)),
     {E::startup},
     State::backup,
     {a(A::start_master_down_timer, milliseconds(3600))}},
    {"backup master down -> master",
     State::backup,
     params(),
     {E::master_down_timer},
     State::master,
     {a(A::cancel_master_down_timer), a(A::add_addresses), send(100), a(A::announce_addresses),
      a(A::start_adver_timer, milliseconds(1000))}},
    {"backup master down held by sync group -> waits",
     State::backup,
     held(),
     {E::master_down_timer},
     State::backup,
     {}},
    {"init startup as owner held by sync group -> backup",
     State::initialize,
     held(255),
     {E::startup},
     State::backup,
     {}},
    {"master graceful shutdown keeps VIPs",
     State::master,
     params(),
     Event::gracefulShutdown(milliseconds(1096)),
     State::initialize,
     {a(A::cancel_adver_timer), send(0), a(A::start_handover_timer, milliseconds(1096))}},
    {"backup graceful shutdown -> init",
     State::backup,
     params(),
     Event::gracefulShutdown(milliseconds(1096)),
     State::initialize,
     {a(A::cancel_master_down_timer)}},
    {"backup fault", State::backup, params(), {E::fault}, State::fault, {a(A::cancel_master_down_timer)}},
    {"backup sync group pulls to master",
     State::backup,
     params(),
     {E::force_master},
     State::master,
     {a(A::cancel_master_down_timer), a(A::add_addresses), send(100), a(A::announce_addresses),
      a(A::start_adver_timer, milliseconds(1000))}},
    {"master adver timer -> advert",
     State::master,
     params(),
     {E::adver_timer},
     State::master,
     {send(100), a(A::start_adver_timer, milliseconds(1000))}},
    {"master shutdown -> priority 0",
     State::master,
     params(),
     {E::shutdown},
     State::initialize,
     {a(A::cancel_adver_timer), send(0), a(A::remove_addresses)}},
    {"master hears priority 0 -> advert at once",
     State::master,
     params(),
     Event::advert(0, milliseconds(1000), kHigherAddress),
     State::master,
     {send(100), a(A::start_adver_timer, milliseconds(1000))}},
    {"master hears higher -> backup",
     State::master,
     params(),
     Event::advert(150, milliseconds(500), kLowerAddress),
     State::backup,
     {a(A::cancel_adver_timer), a(A::remove_addresses), a(A::start_master_down_timer, milliseconds(1800))}},
    {"master equal priority, higher address -> backup",
     State::master,
     params(),
     Event::advert(100, milliseconds(1000), kHigherAddress),
     State::backup,
     {a(A::cancel_adver_timer), a(A::remove_addresses), a(A::start_master_down_timer, milliseconds(3600))}},
    {"master equal priority, lower address -> wins, GARP",
     State::master,
     params(),
     Event::advert(100, milliseconds(1000), kLowerAddress),
     State::master,
     {send(100), a(A::start_adver_timer, milliseconds(1000)), a(A::announce_addresses)}},
    {"master hears lower -> advert at once, GARP",
     State::master,
     params(),
     Event::advert(50, milliseconds(1000), kHigherAddress),
     State::master,
     {send(100), a(A::start_adver_timer, milliseconds(1000)), a(A::announce_addresses)}},
    {"master fault -> priority 0, VIPs removed",
     State::master,
     params(),
     {E::fault},
     State::fault,
     {a(A::cancel_adver_timer), send(0), a(A::remove_addresses)}},
    {"master sync group pushes to backup",
     State::master,
     params(),
     {E::force_backup},
     State::backup,
     {a(A::cancel_adver_timer), send(0), a(A::remove_addresses), a(A::start_master_down_timer, milliseconds(3600))}},
    {"master ignores master down", State::master, params(), {E::master_down_timer}, State::master, {}},
    {"fault recovered -> backup",
     State::fault,
     params(),
     {E::recovered},
     State::backup,
     {a(A::start_master_down_timer, milliseconds(3600))}},
    {"fault recovered as owner -> master",
     State::fault,
     params(255),
     {E::recovered},
     State::master,
     {a(A::add_addresses), send(255), a(A::announce_addresses), a(A::start_adver_timer, milliseconds(1000))}},
    {"fault ignores adverts",
     State::fault,
     params(),
     Event::advert(50, milliseconds(1000), kHigherAddress),
     State::fault,
     {}},
    {"fault ignores timers", State::fault, params(), {E::master_down_timer}, State::fault, {}},
    {"fault shutdown -> init", State::fault, params(), {E::shutdown}, State::initialize, {}},
};

TEST(StateMachine, Rfc9568Transitions) {
  for (const auto& row : kRows) {
    Context from = in(row.from);
    if (row.event.kind == E::preempt_delay_timer) {
      from.preempt_delay_running = true;
      from.master_address = kHigherAddress;  // the lower-priority master we were holding back from
    }
    Step s = step(from, row.event, row.p);
    EXPECT_EQ(s.next.state, row.to) << row.name;
    EXPECT_EQ(s.actions, row.actions) << row.name;
  }
}

TEST(StateMachine, BackupRemembersMasterAndItsInterval) {
  Step s = step(in(State::backup), Event::advert(200, milliseconds(250), kLowerAddress), params());
  EXPECT_EQ(s.next.master_adver_interval, milliseconds(250));
  EXPECT_EQ(s.next.master_address, kLowerAddress);
  // Priority 0 then uses the learned interval for Skew_Time: (156 * 25) / 256 = 15 cs.
  Step zero = step(s.next, Event::advert(0, milliseconds(250), kLowerAddress), params());
  EXPECT_EQ(zero.actions, (std::vector<Action>{a(A::start_master_down_timer, milliseconds(150))}));
}

TEST(StateMachine, PreemptDelayThenDiscardsLowerAdverts) {
  Params p = params(100, true, milliseconds(5000));
  Step held = step(in(State::backup), Event::advert(50, milliseconds(1000), kHigherAddress), p);
  EXPECT_TRUE(held.next.preempt_delay_running);
  Step again = step(held.next, Event::advert(50, milliseconds(1000), kHigherAddress), p);
  EXPECT_EQ(again.actions, (std::vector<Action>{a(A::start_master_down_timer, milliseconds(3600))}));
  Step expired = step(again.next, {E::preempt_delay_timer}, p);
  EXPECT_TRUE(expired.next.preempt_delay_expired);
  Step discarded = step(expired.next, Event::advert(50, milliseconds(1000), kHigherAddress), p);
  EXPECT_TRUE(discarded.actions.empty());
  // A higher master cancels the pending preemption.
  Step higher = step(held.next, Event::advert(150, milliseconds(1000), kHigherAddress), p);
  EXPECT_FALSE(higher.next.preempt_delay_running);
  EXPECT_EQ(higher.actions.front(), a(A::cancel_preempt_delay_timer));
}

// keepalived's meaning: the window opens at start-up, not at the first lower master.
TEST(StateMachine, PreemptDelayCountsFromStartUp) {
  Params p = params(100, true, milliseconds(5000));
  Step started = step(in(State::initialize), {E::startup}, p);
  ASSERT_TRUE(started.next.preempt_delay_running);
  // A lower master within the window is followed (Master_Down_Timer reset), no second delay timer.
  Step held = step(started.next, Event::advert(50, milliseconds(1000), kHigherAddress), p);
  EXPECT_EQ(held.actions, (std::vector<Action>{a(A::start_master_down_timer, milliseconds(3600))}));
  Step expired = step(held.next, {E::preempt_delay_timer}, p);
  EXPECT_EQ(expired.actions, (std::vector<Action>{a(A::start_master_down_timer, milliseconds(600))}));
  // The window passed before any master was heard: Master_Down_Timer keeps its course,
  // and a lower master heard later is preempted at once (no new delay).
  Step quiet = step(started.next, {E::preempt_delay_timer}, p);
  EXPECT_TRUE(quiet.actions.empty());
  EXPECT_TRUE(quiet.next.preempt_delay_expired);
  Step later = step(quiet.next, Event::advert(50, milliseconds(1000), kHigherAddress), p);
  EXPECT_TRUE(later.actions.empty());
  // Coming back from Fault opens a new window.
  Step faulted = step(quiet.next, {E::fault}, p);
  Step recovered = step(faulted.next, {E::recovered}, p);
  EXPECT_TRUE(recovered.next.preempt_delay_running);
  EXPECT_FALSE(recovered.next.preempt_delay_expired);
}

TEST(StateMachine, SyncHoldWaitsUntilForcedOrAMasterIsHeard) {
  Step waiting = step(in(State::backup), {E::master_down_timer}, held());
  ASSERT_TRUE(waiting.next.wants_master);
  // Still wanting while the lower master is preempted (adverts discarded).
  Step lower = step(waiting.next, Event::advert(50, milliseconds(1000), kHigherAddress), held());
  EXPECT_TRUE(lower.next.wants_master);
  EXPECT_TRUE(lower.actions.empty());
  // A higher master: a plain backup again, Master_Down_Timer running.
  Step higher = step(waiting.next, Event::advert(150, milliseconds(1000), kHigherAddress), held());
  EXPECT_FALSE(higher.next.wants_master);
  EXPECT_EQ(higher.actions, (std::vector<Action>{a(A::start_master_down_timer, milliseconds(3600))}));
  Step forced = step(waiting.next, {E::force_master}, held());
  EXPECT_EQ(forced.next.state, State::master);
  EXPECT_FALSE(forced.next.wants_master);
}

TEST(StateMachine, GracefulShutdownReleasesOnNewMastersAdvertOrCap) {
  Step stopping = step(in(State::master), Event::gracefulShutdown(milliseconds(116)), params());
  ASSERT_TRUE(stopping.next.handing_over);
  // Priority 0 from someone else (another master stopping) is not a new master.
  EXPECT_TRUE(step(stopping.next, Event::advert(0, milliseconds(1000), kLowerAddress), params()).actions.empty());
  Step heard = step(stopping.next, Event::advert(100, milliseconds(1000), kLowerAddress), params());
  EXPECT_FALSE(heard.next.handing_over);
  EXPECT_EQ(heard.actions, (std::vector<Action>{a(A::cancel_handover_timer), a(A::remove_addresses)}));
  Step capped = step(stopping.next, {E::handover_timer}, params());
  EXPECT_FALSE(capped.next.handing_over);
  EXPECT_EQ(capped.actions, (std::vector<Action>{a(A::remove_addresses)}));
  Step again = step(stopping.next, {E::shutdown}, params());
  EXPECT_EQ(again.actions, (std::vector<Action>{a(A::cancel_handover_timer), a(A::remove_addresses)}));
  EXPECT_EQ(again.next.state, State::initialize);
}

TEST(StateMachine, StartupSetsMasterAdverIntervalToOurs) {
  Context c = in(State::initialize);
  c.master_adver_interval = milliseconds(7000);
  Step s = step(c, {E::startup}, params());
  EXPECT_EQ(s.next.master_adver_interval, milliseconds(1000));
}

TEST(StateMachine, V2UsesSecondsSkew) {
  Params p = params();
  p.version = 2;
  Step s = step(in(State::initialize), {E::startup}, p);
  EXPECT_EQ(s.actions, (std::vector<Action>{a(A::start_master_down_timer, milliseconds(3609))}));
}

}  // namespace
}  // namespace vipd::vrrp

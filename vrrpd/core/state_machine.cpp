#include "vrrpd/core/state_machine.hpp"

namespace vipd::vrrp {

std::string_view stateName(State state) {
  switch (state) {
    case State::initialize:
      return "INIT";
    case State::backup:
      return "BACKUP";
    case State::master:
      return "MASTER";
    case State::fault:
      return "FAULT";
  }
  return "UNKNOWN";
}

namespace {

Action act(ActionKind kind, Millis duration = Millis(0)) { return Action{kind, duration, 0}; }
Action sendAdvert(int priority) { return Action{ActionKind::send_advert, Millis(0), priority}; }

void clearPreemptDelay(Context& c, std::vector<Action>& actions) {
  if (c.preempt_delay_running) actions.push_back(act(ActionKind::cancel_preempt_delay_timer));
  c.preempt_delay_running = false;
  c.preempt_delay_expired = false;
}

// RFC 9568 6.4.2 "Master_Down_Timer fires" and 6.4.1 for the owner.
Step becomeMaster(Context c, const Params& p) {
  std::vector<Action> actions;
  clearPreemptDelay(c, actions);
  c.wants_master = false;
  if (c.state == State::backup) actions.push_back(act(ActionKind::cancel_master_down_timer));
  actions.push_back(act(ActionKind::add_addresses));
  actions.push_back(sendAdvert(p.priority));
  actions.push_back(act(ActionKind::announce_addresses));
  actions.push_back(act(ActionKind::start_adver_timer, p.advertisement_interval));
  c.state = State::master;
  c.master_address = p.primary_address;
  return {c, actions};
}

// RFC 9568 6.4.1 "Startup": the owner becomes master, everyone else backup.
// Sync groups: an owner held by its group waits in Backup like any member.
// preempt_delay's window opens here (keepalived: "after start-up").
Step start(Context c, const Params& p) {
  std::vector<Action> actions;
  if (c.handing_over) {  // started again before a handover finished: release first
    actions = {act(ActionKind::cancel_handover_timer), act(ActionKind::remove_addresses)};
    c.handing_over = false;
  }
  if (p.priority == kOwnerPriority && !p.sync_hold) {
    Step master = becomeMaster(c, p);
    actions.insert(actions.end(), master.actions.begin(), master.actions.end());
    return {master.next, actions};
  }
  c.state = State::backup;
  c.master_adver_interval = p.advertisement_interval;
  c.master_address.reset();
  c.preempt_delay_expired = false;
  c.preempt_delay_running = false;
  if (p.priority == kOwnerPriority) {
    c.wants_master = true;
    return {c, actions};
  }
  c.wants_master = false;
  if (p.preempt && p.preempt_delay > Millis(0)) {
    c.preempt_delay_running = true;
    actions.push_back(act(ActionKind::start_preempt_delay_timer, p.preempt_delay));
  }
  actions.push_back(
      act(ActionKind::start_master_down_timer, masterDownInterval(p.version, p.priority, p.advertisement_interval)));
  return {c, actions};
}

// Master_Down_Timer fired (or the owner started): master, unless the sync group holds us.
Step electedMaster(Context c, const Params& p) {
  if (!p.sync_hold) return becomeMaster(c, p);
  c.wants_master = true;
  return {c, {}};
}

// RFC 9568 6.4.3: leave master for backup after hearing a better master.
Step masterToBackup(Context c, const Params& p, const Event& e) {
  std::vector<Action> actions = {act(ActionKind::cancel_adver_timer)};
  // Pushed by its sync group: priority 0 so the other node's member takes over after Skew_Time.
  if (e.kind == EventKind::force_backup) actions.push_back(sendAdvert(kStopPriority));
  actions.push_back(act(ActionKind::remove_addresses));
  c.state = State::backup;
  c.wants_master = false;
  if (e.kind == EventKind::advert) {
    c.master_adver_interval = e.interval;
    c.master_address = e.source;
  } else {
    c.master_address.reset();
  }
  actions.push_back(
      act(ActionKind::start_master_down_timer, masterDownInterval(p.version, p.priority, c.master_adver_interval)));
  return {c, actions};
}

Step backupHearsAdvert(Context c, const Event& e, const Params& p) {
  std::vector<Action> actions;
  if (e.priority == kStopPriority) {  // RFC 9568 6.4.2: the master stepped down
    c.wants_master = false;           // the timer runs again and decides
    actions.push_back(
        act(ActionKind::start_master_down_timer, skewTime(p.version, p.priority, c.master_adver_interval)));
    return {c, actions};
  }
  bool lower = e.priority < p.priority;
  bool preempt = p.preempt || p.priority == kOwnerPriority;  // the owner always preempts
  bool held_by_delay = lower && preempt && p.preempt_delay > Millis(0) && !c.preempt_delay_expired;
  if (!preempt || !lower || held_by_delay) {
    // RFC 9568 6.4.2: adopt the master's interval, recompute and reset Master_Down_Timer.
    c.master_adver_interval = e.interval;
    c.master_address = e.source;
    c.wants_master = false;
    if (!lower) clearPreemptDelay(c, actions);
    if (held_by_delay && !c.preempt_delay_running) {
      c.preempt_delay_running = true;
      actions.push_back(act(ActionKind::start_preempt_delay_timer, p.preempt_delay));
    }
    actions.push_back(
        act(ActionKind::start_master_down_timer, masterDownInterval(p.version, p.priority, c.master_adver_interval)));
    return {c, actions};
  }
  return {c, actions};  // preempting: discard, let Master_Down_Timer fire
}

Step masterHearsAdvert(Context c, const Event& e, const Params& p) {
  if (e.priority == kStopPriority)  // RFC 9568 6.4.3: answer at once so backups do not take over
    return {c, {sendAdvert(p.priority), act(ActionKind::start_adver_timer, p.advertisement_interval)}};
  bool they_win = e.priority > p.priority || (e.priority == p.priority && e.source > p.primary_address);
  if (they_win) return masterToBackup(c, p, e);
  // We win against another master: assert at once and re-announce the VIPs (split-brain heal).
  return {c,
          {sendAdvert(p.priority), act(ActionKind::start_adver_timer, p.advertisement_interval),
           act(ActionKind::announce_addresses)}};
}

Step enterFault(Context c) {
  std::vector<Action> actions;
  if (c.state == State::master) {
    actions = {act(ActionKind::cancel_adver_timer), sendAdvert(kStopPriority), act(ActionKind::remove_addresses)};
  } else if (c.state == State::backup) {
    actions = {act(ActionKind::cancel_master_down_timer)};
  }
  clearPreemptDelay(c, actions);
  c.state = State::fault;
  c.wants_master = false;
  c.master_address.reset();
  return {c, actions};
}

// RFC 9568 6.4.3 "Shutdown" sends priority 0 and removes the VIPs at once, so
// nobody holds them for about Skew_Time. A graceful shutdown (e.handover > 0)
// keeps them until the new master's first advert is heard or the cap passes:
// VRRP backups are silent, so whether one exists cannot be known; the cap
// bounds the wait.
Step shutdown(Context c, const Event& e) {
  std::vector<Action> actions;
  if (c.handing_over) {  // stopped again while handing over: release now
    actions = {act(ActionKind::cancel_handover_timer), act(ActionKind::remove_addresses)};
    c.handing_over = false;
  } else if (c.state == State::master) {
    actions = {act(ActionKind::cancel_adver_timer), sendAdvert(kStopPriority)};
    if (e.handover > Millis(0)) {
      actions.push_back(act(ActionKind::start_handover_timer, e.handover));
      c.handing_over = true;
    } else {
      actions.push_back(act(ActionKind::remove_addresses));
    }
  } else if (c.state == State::backup) {  // RFC 9568 6.4.2 "Shutdown"
    actions = {act(ActionKind::cancel_master_down_timer)};
  }
  clearPreemptDelay(c, actions);
  c.wants_master = false;
  c.state = State::initialize;
  c.master_address.reset();
  return {c, actions};
}

}  // namespace

Step step(const Context& c, const Event& e, const Params& p) {
  if (e.kind == EventKind::shutdown) return shutdown(c, e);
  if (e.kind == EventKind::fault && c.state != State::fault && !c.handing_over) return enterFault(c);
  switch (c.state) {
    case State::initialize:
      if (e.kind == EventKind::startup) return start(c, p);
      if (c.handing_over && ((e.kind == EventKind::advert && e.priority != kStopPriority) ||
                             e.kind == EventKind::handover_timer || e.kind == EventKind::fault)) {
        // The new master spoke (it has added the VIPs), the cap passed, or our link failed.
        Context next = c;
        next.handing_over = false;
        std::vector<Action> actions;
        if (e.kind != EventKind::handover_timer) actions.push_back(act(ActionKind::cancel_handover_timer));
        actions.push_back(act(ActionKind::remove_addresses));
        return {next, actions};
      }
      break;
    case State::fault:
      if (e.kind == EventKind::recovered) return start(c, p);
      break;
    case State::backup:
      if (e.kind == EventKind::master_down_timer) return electedMaster(c, p);
      if (e.kind == EventKind::force_master) return becomeMaster(c, p);
      if (e.kind == EventKind::advert) return backupHearsAdvert(c, e, p);
      if (e.kind == EventKind::preempt_delay_timer) {
        Context next = c;
        next.preempt_delay_running = false;
        next.preempt_delay_expired = true;
        // Only a master we were holding back from is preempted; with none heard
        // yet, Master_Down_Timer keeps its course.
        if (!c.master_address || c.wants_master) return {next, {}};
        return {next,
                {act(ActionKind::start_master_down_timer, skewTime(p.version, p.priority, c.master_adver_interval))}};
      }
      break;
    case State::master:
      if (e.kind == EventKind::adver_timer)  // RFC 9568 6.4.3 "Adver_Timer fires"
        return {c, {sendAdvert(p.priority), act(ActionKind::start_adver_timer, p.advertisement_interval)}};
      if (e.kind == EventKind::advert) return masterHearsAdvert(c, e, p);
      if (e.kind == EventKind::force_backup) return masterToBackup(c, p, e);
      break;
  }
  return {c, {}};  // the event means nothing in this state
}

}  // namespace vipd::vrrp

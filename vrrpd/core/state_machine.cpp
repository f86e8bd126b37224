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
Step start(Context c, const Params& p) {
  if (p.priority == kOwnerPriority) return becomeMaster(c, p);
  c.state = State::backup;
  c.master_adver_interval = p.advertisement_interval;
  c.master_address.reset();
  return {
      c,
      {act(ActionKind::start_master_down_timer, masterDownInterval(p.version, p.priority, p.advertisement_interval))}};
}

// RFC 9568 6.4.3: leave master for backup after hearing a better master.
Step masterToBackup(Context c, const Params& p, const Event& e) {
  std::vector<Action> actions = {act(ActionKind::cancel_adver_timer), act(ActionKind::remove_addresses)};
  c.state = State::backup;
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
  c.master_address.reset();
  return {c, actions};
}

Step shutdown(Context c) {
  std::vector<Action> actions;
  if (c.state == State::master) {  // RFC 9568 6.4.3 "Shutdown"
    actions = {act(ActionKind::cancel_adver_timer), sendAdvert(kStopPriority), act(ActionKind::remove_addresses)};
  } else if (c.state == State::backup) {  // RFC 9568 6.4.2 "Shutdown"
    actions = {act(ActionKind::cancel_master_down_timer)};
  }
  clearPreemptDelay(c, actions);
  c.state = State::initialize;
  c.master_address.reset();
  return {c, actions};
}

}  // namespace

Step step(const Context& c, const Event& e, const Params& p) {
  if (e.kind == EventKind::shutdown) return shutdown(c);
  if (e.kind == EventKind::fault && c.state != State::fault) return enterFault(c);
  switch (c.state) {
    case State::initialize:
      if (e.kind == EventKind::startup) return start(c, p);
      break;
    case State::fault:
      if (e.kind == EventKind::recovered) return start(c, p);
      break;
    case State::backup:
      if (e.kind == EventKind::master_down_timer || e.kind == EventKind::force_master) return becomeMaster(c, p);
      if (e.kind == EventKind::advert) return backupHearsAdvert(c, e, p);
      if (e.kind == EventKind::preempt_delay_timer) {
        Context next = c;
        next.preempt_delay_running = false;
        next.preempt_delay_expired = true;
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

#pragma once
// The VRRP state machine of RFC 9568 section 6.4 as a pure step function:
// (context, event, params) -> (next context, actions). Actions are data; the
// shell (vrrpd::Instance) executes them through ports. Fault is added for
// tracked failures; force_master / force_backup and sync_hold serve sync
// groups; a graceful shutdown hands over (keeps the VIPs until the new master
// is heard, at most a cap).
//
// preempt_delay has keepalived's meaning: preempting a lower-priority master
// waits until preempt_delay has passed since start-up (entering Backup from
// Init or Fault). Hearing a master of higher or equal priority resets it: the
// next lower-priority master seen starts a new delay. It only delays
// preemption; a master that goes silent is still replaced after
// Master_Down_Interval.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/ip_address.hpp"
#include "vrrpd/core/timers.hpp"

namespace vipd::vrrp {

inline constexpr int kOwnerPriority = 255;
inline constexpr int kStopPriority = 0;

enum class State : uint8_t { initialize, backup, master, fault };

// keepalived's names, used by notify scripts: INIT | BACKUP | MASTER | FAULT.
std::string_view stateName(State state);

struct Params {
  int version = 3;
  int priority = 100;  // effective priority, 1..255
  Millis advertisement_interval{1000};
  bool preempt = true;
  Millis preempt_delay{0};
  IpAddress primary_address;  // what our adverts come from
  // Sync groups: another member would not be master now, so this one may not
  // become master alone; it waits in Backup (Context::wants_master).
  bool sync_hold = false;
};

struct Context {
  State state = State::initialize;
  Millis master_adver_interval{1000};  // RFC 9568 6.1: learned from the master's adverts
  std::optional<IpAddress> master_address;
  bool preempt_delay_running = false;
  bool preempt_delay_expired = false;
  bool wants_master = false;  // held by its sync group: its own election says master
  bool handing_over = false;  // stopped, VIPs kept until the new master is heard

  bool operator==(const Context&) const = default;
};

enum class EventKind : uint8_t {
  startup,
  shutdown,
  advert,  // a valid advert for this instance (priority, interval, source set)
  master_down_timer,
  adver_timer,
  preempt_delay_timer,
  fault,      // a tracked item failed
  recovered,  // every tracked item is fine again
  force_master,
  force_backup,
  handover_timer,  // the graceful handover's cap passed
};

struct Event {
  EventKind kind = EventKind::startup;
  int priority = 0;
  Millis interval{0};
  IpAddress source;
  Millis handover{0};  // shutdown: keep a master's VIPs up to this long (0: remove at once)

  Event(EventKind k = EventKind::startup) : kind(k) {}  // NOLINT: implicit on purpose
  static Event advert(int priority, Millis interval, IpAddress source) {
    Event e(EventKind::advert);
    e.priority = priority;
    e.interval = interval;
    e.source = source;
    return e;
  }
  static Event gracefulShutdown(Millis cap) {
    Event e(EventKind::shutdown);
    e.handover = cap;
    return e;
  }
};

enum class ActionKind : uint8_t {
  send_advert,  // with `priority`
  start_adver_timer,
  cancel_adver_timer,
  start_master_down_timer,
  cancel_master_down_timer,
  start_preempt_delay_timer,
  cancel_preempt_delay_timer,
  add_addresses,
  remove_addresses,
  announce_addresses,  // gratuitous ARP / unsolicited NA burst
  start_handover_timer,
  cancel_handover_timer,
};

struct Action {
  ActionKind kind;
  Millis duration{0};
  int priority = 0;

  bool operator==(const Action&) const = default;
};

struct Step {
  Context next;
  std::vector<Action> actions;
};

Step step(const Context& context, const Event& event, const Params& params);

}  // namespace vipd::vrrp

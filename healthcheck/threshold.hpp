#pragma once
// Rise/fall thresholds: a check turns unhealthy after `fall` consecutive
// failed probes and healthy again after `rise` consecutive successes.
//
// Initial state: healthy, as keepalived starts its real servers (outside its
// alpha mode). A new real server takes traffic at once and leaves after `fall`
// failures; starting unhealthy instead would keep a whole pool out of IPVS for
// rise x interval after every start. A check with initial_state = "down"
// starts unhealthy instead (keepalived's alpha mode) and joins after `rise`.
namespace vipd::healthcheck {

struct Threshold {
  int rise = 2;
  int fall = 3;
};

struct ThresholdState {
  bool healthy = true;
  int consecutive_successes = 0;
  int consecutive_failures = 0;
};

// Feeds one probe result; returns true when `healthy` flipped.
bool recordProbe(ThresholdState& state, bool success, Threshold threshold);

}  // namespace vipd::healthcheck

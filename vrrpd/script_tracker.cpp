#include "vrrpd/script_tracker.hpp"

#include "common/log.hpp"

namespace vipd::vrrp {

ScriptTracker::ScriptTracker(const conf::VrrpScript& config, const Ports& ports, std::string user,
                             ChangeHandler on_change)
    : config_(config),
      ports_(ports),
      user_(std::move(user)),
      on_change_(std::move(on_change)),
      thresholds_(config.rise, config.fall),
      timer_(ports.timers->create()) {}

ScriptTracker::~ScriptTracker() { *alive_ = false; }

void ScriptTracker::start() { runOnce(); }

void ScriptTracker::runOnce() {
  timer_->start(config_.interval, [this] { runOnce(); });
  if (running_) return;  // the previous run is still going: never overlap
  running_ = true;
  std::weak_ptr<bool> alive = alive_;
  ports_.scripts->run(config_.command, user_, config_.timeout, [this, alive](const ScriptOutcome& outcome) {
    if (alive.expired()) return;
    running_ = false;
    ++runs_;
    if (thresholds_.record(outcome.success)) {
      log::info("vrrp script " + config_.name + ": " + (thresholds_.healthy() ? "healthy" : "failing") +
                (outcome.timed_out ? " (timed out)" : ""));
      on_change_(config_.name, thresholds_.healthy());
    }
  });
}

}  // namespace vipd::vrrp

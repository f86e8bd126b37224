#pragma once
// One [[vrrp.script]]: runs its argv every `interval` through the ScriptPort
// (never overlapping itself) and turns results into healthy / unhealthy with
// rise and fall.
#include <functional>
#include <memory>
#include <string>

#include "conf/config.hpp"
#include "vrrpd/core/tracking.hpp"
#include "vrrpd/ports.hpp"

namespace vipd::vrrp {

class ScriptTracker {
 public:
  using ChangeHandler = std::function<void(const std::string& script, bool healthy)>;

  ScriptTracker(const conf::VrrpScript& config, const Ports& ports, std::string user, ChangeHandler on_change);
  ~ScriptTracker();
  ScriptTracker(const ScriptTracker&) = delete;
  ScriptTracker& operator=(const ScriptTracker&) = delete;

  void start();
  const conf::VrrpScript& config() const { return config_; }
  bool healthy() const { return thresholds_.healthy(); }
  uint64_t runs() const { return runs_; }

 private:
  void runOnce();

  conf::VrrpScript config_;
  Ports ports_;
  std::string user_;
  ChangeHandler on_change_;
  RiseFall thresholds_;
  std::unique_ptr<Timer> timer_;
  bool running_ = false;
  uint64_t runs_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace vipd::vrrp

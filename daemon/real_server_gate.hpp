#pragma once
// A real server is in IPVS while its checks pass and, when it names a guest,
// while that guest runs. The gate combines the two sources and tells the
// IPVS engine the result whenever it changes. It also keeps the
// `restart_after` clocks (virt/restart_after.hpp) and asks for a guest's
// restart when one is due; the shell arms a timer for wakeAt().
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "common/ip_address.hpp"
#include "conf/config.hpp"
#include "virt/restart_after.hpp"

namespace vipd::daemon {

class RealServerGate {
 public:
  using Sink = std::function<void(const std::string& service, const Endpoint& server, bool healthy)>;
  using Time = virt::RestartAfterClock::Time;
  using Now = std::function<Time()>;
  // Restarts the guest and calls done() once that finished (or failed): the
  // guest's restart_after clocks start again then.
  using RestartSink = std::function<void(const std::string& guest, std::function<void()> done)>;
  // Told the next time restartsDue() has work to do (nullopt: none) after every change.
  using WakeSink = std::function<void(std::optional<Time>)>;

  explicit RealServerGate(Sink sink, Now now = std::chrono::steady_clock::now)
      : sink_(std::move(sink)), now_(std::move(now)) {}
  void onRestart(RestartSink restart, WakeSink wake);

  // Which real servers name a guest, and their restart_after; called on start and every reload.
  void configure(const conf::Ipvs& ipvs);
  void checkResult(const std::string& service, const Endpoint& server, bool healthy);
  void guestRunning(const std::string& guest, bool running);
  // Restarts (through the restart sink) every guest due now.
  void restartsDue();

 private:
  using ServerKey = std::pair<std::string, Endpoint>;

  bool healthy(const ServerKey& key) const;
  void publish(const ServerKey& key);
  void rearm();

  Sink sink_;
  Now now_;
  RestartSink restart_;
  WakeSink wake_;
  std::map<ServerKey, std::string> guest_of_;  // only servers that name a guest
  std::set<ServerKey> failing_checks_;   // only failing ones: a passing report of a new server costs nothing
  std::map<std::string, bool> running_;  // absent = not known to run
  std::map<ServerKey, bool> published_;
  virt::RestartAfterClock restart_after_;
  std::optional<Time> wake_at_;
};

}  // namespace vipd::daemon

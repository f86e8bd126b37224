#pragma once
// The "checks" subsystem: builds the deduplicated check set from the config,
// probes each check on its schedule, and reports real-server health and
// service quorum through the sinks (the IPVS engine and VRRP consume them;
// no link dependency on either). Reload keeps the state and schedule of
// unchanged checks.
//
// Sinks receive every change, and on first sight of a real server or service
// its starting state (real servers start healthy, see threshold.hpp). A
// service without quorum means: its sorry_server goes in.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/asio.hpp"
#include "common/subsystem.hpp"
#include "healthcheck/checker.hpp"
#include "healthcheck/health_book.hpp"
#include "healthcheck/lateness.hpp"

namespace vipd::healthcheck {

struct MonitorSinks {
  std::function<void(const std::string& service, const Endpoint& real_server, bool healthy)> onRealServerHealth;
  std::function<void(const std::string& service, bool has_quorum)> onServiceQuorum;
};

class Monitor : public Subsystem {
 public:
  Monitor(asio::io_context& io, CheckerFactory checkers, MonitorSinks sinks);
  ~Monitor() override;

  std::string name() const override { return "checks"; }
  void apply(const conf::Config& config) override;
  nlohmann::json status() const override;
  void stop(std::function<void()> done) override;

  const HealthBook& book() const { return book_; }

 private:
  // One running check. Its callbacks and waiting_ hold a pointer to it, no
  // id string: a Running lives in a map node (stable address), and is erased
  // only after its checker was cancelled (no result callback) and it left waiting_.
  struct Running {
    CheckRecord* record = nullptr;  // in book_; refreshed after every reload
    std::unique_ptr<Checker> checker;
    Duration grid{1};   // its probes' grid step (schedule.hpp)
    TimePoint exact{};  // when its next probe is due, off the grid
    TimePoint due{};    // when it starts: `exact` on the grid
    TimePoint started{};
    bool in_flight = false;
    bool waiting = false;  // in waiting_ under `due`
  };

  void schedule(Running& running, TimePoint exact, TimePoint now);
  void unschedule(Running& running);
  void wakeAt(TimePoint at);
  // Starts every probe that is due, all with one clock read.
  void probeWhatIsDue();
  void probe(Running& running, TimePoint now);
  void onResult(Running& running, const ProbeResult& result);
  void publish(const Events& events);

  asio::io_context& io_;
  CheckerFactory checkers_;
  MonitorSinks sinks_;
  HealthBook book_;
  LatenessTracker lateness_;  // probe start vs its schedule: since start, and recent
  std::map<std::string, Running> running_;
  // Checks waiting for their next probe, by due time: one timer for the
  // earliest, not one per check, so the probes due on one step of the probe
  // grid (schedule.hpp) start in one handler.
  std::map<TimePoint, std::vector<Running*>> waiting_;
  asio::steady_timer wake_;
  TimePoint wake_at_ = TimePoint::max();  // when wake_ fires; max: not armed
  std::string script_user_;
  std::mt19937_64 random_{std::random_device{}()};
  uint64_t check_transitions_ = 0;
  uint64_t server_transitions_ = 0;
  uint64_t quorum_transitions_ = 0;
  bool stopped_ = false;
};

}  // namespace vipd::healthcheck

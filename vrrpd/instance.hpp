#pragma once
// The shell around the pure state machine for one [[vrrp.instance]]: feeds
// events into step() and executes the resulting actions through the ports.
// Every state change goes through changeState(), which logs `old -> new`,
// counts it, runs the notify script and tells the observer.
#include <array>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "conf/config.hpp"
#include "vrrpd/core/advert.hpp"
#include "vrrpd/core/state_machine.hpp"
#include "vrrpd/core/tracking.hpp"
#include "vrrpd/ports.hpp"

namespace vipd::vrrp {

class Instance {
 public:
  using StateObserver = std::function<void(Instance& instance, State old_state, State new_state)>;

  // `packets` is the shared socket of (interface, family); it outlives the instance.
  Instance(const conf::VrrpInstance& config, const Ports& ports, PacketPort* packets, std::string script_user,
           StateObserver observer);
  ~Instance();
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  // Removes VIPs a crashed run left behind, then Startup (or Fault if tracking says so).
  void start();
  // RFC 9568 Shutdown: a master sends priority 0 and removes its VIPs at once.
  void shutdown();
  // Graceful shutdown: a master sends priority 0 but keeps its VIPs until the
  // new master's first advert is heard, at most handoverCap(); `released` runs
  // once the VIPs are gone (at once when not master).
  void handOver(std::function<void()> released);

  // A packet the socket delivered for our VRID, parsed (drops go to countDrop).
  void receive(const ReceivedPacket& packet, const ParsedAdvert& parsed);
  void countDrop(DropReason reason) { ++drops_[static_cast<std::size_t>(reason)]; }

  // Tracked items changed: recompute effective priority and fault.
  void setTracking(std::vector<TrackedItem> items);
  // Sync groups: `hold` says whether another member would not be master now
  // (asked before every step); the engine pulls and pushes members.
  void setSyncHold(std::function<bool()> hold) { sync_hold_ = std::move(hold); }
  void forceMaster() { feed(EventKind::force_master); }
  void forceBackup() { feed(EventKind::force_backup); }
  bool wantsMaster() const { return context_.wants_master; }
  bool handingOver() const { return context_.handing_over; }

  // Settings the RFC lets change while running: priority, interval, preempt,
  // VIP list (applied at once when master), notify, GARP. False if the
  // change needs a new instance (interface, VRID, version, family, peers, source).
  bool reconfigure(const conf::VrrpInstance& config);
  static bool changeNeedsRestart(const conf::VrrpInstance& a, const conf::VrrpInstance& b);

  const conf::VrrpInstance& config() const { return config_; }
  const std::string& name() const { return config_.name; }
  State state() const { return context_.state; }
  int effectivePriority() const { return params_.priority; }
  bool ownFault() const { return tracking_fault_; }
  uint64_t advertsSent() const { return adverts_sent_; }
  uint64_t advertSlotsMissed() const { return advert_slots_missed_; }
  uint64_t dropCount(DropReason reason) const { return drops_[static_cast<std::size_t>(reason)]; }
  nlohmann::json status() const;

 private:
  void feed(const Event& event);
  void execute(const Action& action);
  void changeState(State old_state, State new_state);
  void sendAdvert(int priority);
  void startAdverTimer(Millis interval);
  void onAdverTimer();
  void startMasterDownTimer(Millis after);
  void armMasterDownTimer(MonoTime at);
  void onMasterDownTimer();
  void invalidateCaches();
  void addAddresses();
  void removeAddresses();
  void announceBurst(int remaining);
  void runNextNotify();
  void updateFault();
  Params makeParams() const;
  IpAddress findPrimaryAddress() const;
  bool sourceStillTentative();
  AdvertExpectation makeExpectation() const;

  conf::VrrpInstance config_;
  Ports ports_;
  PacketPort* packets_;
  std::string script_user_;
  StateObserver observer_;

  Context context_;
  IpAddress primary_;
  Params params_;
  std::vector<TrackedItem> tracked_;
  bool tracking_fault_ = false;
  std::function<bool()> sync_hold_;
  std::function<void()> released_;
  bool started_ = false;

  // Adver_Timer on a fixed grid: the deadline it was armed for; while its
  // expiry is fed, the restart continues the grid instead of now + interval.
  std::unique_ptr<Timer> adver_timer_;
  MonoTime adver_deadline_{};
  bool in_adver_tick_ = false;
  // Master_Down_Timer: each advert only moves master_down_deadline_; the
  // timer object is re-armed when it expires before that deadline (or must
  // fire earlier), not once per advert.
  std::unique_ptr<Timer> master_down_timer_;
  std::optional<MonoTime> master_down_deadline_;
  MonoTime master_down_armed_{};
  bool master_down_pending_ = false;
  std::unique_ptr<Timer> preempt_delay_timer_;
  std::unique_ptr<Timer> announce_timer_;
  std::unique_ptr<Timer> handover_timer_;
  std::unique_ptr<Timer> source_wait_timer_;  // start() again once the source address is usable
  int source_waits_ = 0;
  std::deque<std::vector<std::string>> notify_queue_;
  bool notify_running_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // guards callbacks after destruction

  std::chrono::system_clock::time_point since_;
  uint64_t transitions_ = 0;
  uint64_t adverts_sent_ = 0;
  uint64_t adverts_received_ = 0;
  uint64_t send_errors_ = 0;
  uint64_t address_errors_ = 0;
  uint64_t advert_slots_missed_ = 0;       // adver timer expiries so late that grid slots passed
  uint64_t master_down_late_adverts_ = 0;  // Master_Down expiries reset by an advert already queued
  bool address_mismatch_logged_ = false;
  // Hot-path caches, rebuilt on start and reconfigure.
  AdvertExpectation expectation_;
  int cached_advert_priority_ = -1;
  std::vector<IpAddress> advert_destinations_;
  std::vector<std::vector<uint8_t>> cached_adverts_;  // one encoded advert per destination
  std::array<uint64_t, kDropReasonCount> drops_{};
};

}  // namespace vipd::vrrp

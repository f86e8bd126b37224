#include "vrrpd/instance.hpp"

#include "common/duration.hpp"

#include <algorithm>
#include <ctime>
#include <utility>

#include "common/log.hpp"

namespace vipd::vrrp {

namespace {

IpAddress multicastGroup(Family family) { return *IpAddress::parse(family == Family::v4 ? "224.0.0.18" : "ff02::12"); }

std::string notifyStateName(State s) { return s == State::initialize ? "STOP" : std::string(stateName(s)); }

}  // namespace

Instance::Instance(const conf::VrrpInstance& config, const Ports& ports, PacketPort* packets, std::string script_user,
                   StateObserver observer)
    : config_(config),
      ports_(ports),
      packets_(packets),
      script_user_(std::move(script_user)),
      observer_(std::move(observer)),
      adver_timer_(ports.timers->create()),
      master_down_timer_(ports.timers->create()),
      preempt_delay_timer_(ports.timers->create()),
      announce_timer_(ports.timers->create()),
      handover_timer_(ports.timers->create()),
      source_wait_timer_(ports.timers->create()) {
  params_ = makeParams();
  invalidateCaches();
  since_ = ports_.timers->wallClock();
}

Instance::~Instance() { *alive_ = false; }

Params Instance::makeParams() const {
  Params p;
  p.version = config_.version;
  p.priority = evaluateTracking(config_.priority, tracked_).priority;
  p.advertisement_interval =
      intervalFromField(config_.version, intervalField(config_.version, config_.advert_interval));
  p.preempt = config_.preempt;
  p.preempt_delay = config_.preempt_delay;
  p.primary_address = primary_;
  return p;
}

IpAddress Instance::findPrimaryAddress() const {
  Family family = config_.family();
  if (config_.source_address) return *config_.source_address;
  auto addresses = ports_.addresses->list(config_.interface);
  if (!addresses) {
    log::warning(config_.name + ": cannot list addresses of " + config_.interface + ": " + addresses.error().message());
    return IpAddress{family, {}};
  }
  for (const auto& prefix : *addresses) {
    const IpAddress& a = prefix.address;
    if (a.family != family || (family == Family::v6 && !a.isLinkLocal())) continue;
    bool is_vip = std::any_of(config_.virtual_addresses.begin(), config_.virtual_addresses.end(),
                              [&](const IpPrefix& v) { return v.address == a; });
    if (!is_vip) return a;
  }
  log::warning(config_.name + ": no usable source address on " + config_.interface);
  return IpAddress{family, {}};
}

void Instance::start() {
  if (started_) return;
  started_ = true;
  // VIPs left behind by a crashed run must not stay while we are not master.
  if (auto present = ports_.addresses->list(config_.interface)) {
    for (const auto& vip : config_.virtual_addresses)
      if (std::any_of(present->begin(), present->end(), [&](const IpPrefix& p) { return p.address == vip.address; })) {
        log::notice(config_.name + ": removing stale " + vip.str() + " from " + config_.interface);
        if (auto st = ports_.addresses->remove(config_.interface, vip); !st) ++address_errors_;
      }
  }
  primary_ = findPrimaryAddress();
  if (sourceStillTentative()) return;
  params_ = makeParams();
  invalidateCaches();
  // A tracked fault at start-up goes straight to Fault (no BACKUP on the way for notify scripts).
  feed(tracking_fault_ ? EventKind::fault : EventKind::startup);
}

// Right after link-up an IPv6 link-local address is tentative for about a
// second: adverts from it cannot leave, and a node that became MASTER then
// would hold the VIPs beside the real master. Such an instance stays in INIT
// and tries again every 100 ms, for at most 5 s (then it starts anyway).
bool Instance::sourceStillTentative() {
  constexpr int kMaxWaits = 50;
  if (primary_.family != Family::v6) return false;  // no duplicate address detection in IPv4: no dump at start
  auto tentative = ports_.addresses->tentative(config_.interface, primary_);
  if (!tentative || !*tentative || source_waits_ >= kMaxWaits) {
    source_waits_ = 0;
    return false;
  }
  if (source_waits_++ == 0)
    log::info(config_.name + ": waiting for " + primary_.str() + " to leave duplicate address detection");
  started_ = false;
  source_wait_timer_->start(Millis(100), [this] { start(); });
  return true;
}

void Instance::shutdown() {
  source_wait_timer_->cancel();
  feed(EventKind::shutdown);
  announce_timer_->cancel();
  started_ = false;
}

void Instance::handOver(std::function<void()> released) {
  source_wait_timer_->cancel();
  released_ = std::move(released);
  feed(Event::gracefulShutdown(handoverCap(config_.version, params_.advertisement_interval)));
  announce_timer_->cancel();
  started_ = false;
  if (!context_.handing_over && released_) std::exchange(released_, nullptr)();
}

void Instance::feed(const Event& event) {
  params_.sync_hold = sync_hold_ && sync_hold_();
  Step s = step(context_, event, params_);
  State old_state = context_.state;
  bool was_handing_over = context_.handing_over;
  context_ = s.next;
  for (const auto& action : s.actions) execute(action);
  if (old_state != context_.state) changeState(old_state, context_.state);
  if (was_handing_over && !context_.handing_over) {
    log::info(config_.name + ": handover done, virtual addresses released");
    if (released_) std::exchange(released_, nullptr)();
  }
}

void Instance::changeState(State old_state, State new_state) {
  ++transitions_;
  since_ = ports_.timers->wallClock();
  log::info(config_.name + ": " + std::string(stateName(old_state)) + " -> " + std::string(stateName(new_state)) +
            " (priority " + std::to_string(params_.priority) + ")");
  if (!config_.notify.empty() && ports_.scripts) {
    notify_queue_.push_back(
        {config_.notify, "INSTANCE", config_.name, notifyStateName(new_state), std::to_string(params_.priority)});
    runNextNotify();
  }
  if (observer_) observer_(*this, old_state, new_state);
}

void Instance::runNextNotify() {
  if (notify_running_ || notify_queue_.empty()) return;
  notify_running_ = true;
  auto argv = std::move(notify_queue_.front());
  notify_queue_.pop_front();
  constexpr Millis kNotifyTimeout{30000};
  std::weak_ptr<bool> alive = alive_;
  ports_.scripts->run(argv, script_user_, kNotifyTimeout, [this, alive, argv](const ScriptOutcome& outcome) {
    if (alive.expired()) return;
    if (!outcome.success)
      log::warning(config_.name + ": notify " + argv[3] + " failed (exit " + std::to_string(outcome.exit_code) +
                   (outcome.timed_out ? ", timed out)" : ")"));
    notify_running_ = false;
    runNextNotify();
  });
}

void Instance::execute(const Action& action) {
  switch (action.kind) {
    case ActionKind::send_advert:
      sendAdvert(action.priority);
      break;
    case ActionKind::start_adver_timer:
      startAdverTimer(action.duration);
      break;
    case ActionKind::cancel_adver_timer:
      adver_timer_->cancel();
      break;
    case ActionKind::start_master_down_timer:
      startMasterDownTimer(action.duration);
      break;
    case ActionKind::cancel_master_down_timer:
      master_down_deadline_.reset();
      if (std::exchange(master_down_pending_, false)) master_down_timer_->cancel();
      break;
    case ActionKind::start_preempt_delay_timer:
      preempt_delay_timer_->start(action.duration, [this] { feed(EventKind::preempt_delay_timer); });
      break;
    case ActionKind::cancel_preempt_delay_timer:
      preempt_delay_timer_->cancel();
      break;
    case ActionKind::add_addresses:
      addAddresses();
      break;
    case ActionKind::remove_addresses:
      removeAddresses();
      break;
    case ActionKind::announce_addresses:
      announceBurst(std::max(config_.garp_count, 1));
      break;
    case ActionKind::start_handover_timer:
      handover_timer_->start(action.duration, [this] { feed(EventKind::handover_timer); });
      break;
    case ActionKind::cancel_handover_timer:
      handover_timer_->cancel();
      break;
  }
}

// RFC 9568 6.4.3: re-armed on a fixed grid while master (the expiry being
// handled was for adver_deadline_), from now when (re)starting.
void Instance::startAdverTimer(Millis interval) {
  MonoTime now = ports_.timers->now();
  if (in_adver_tick_) {
    advert_slots_missed_ += static_cast<uint64_t>(missedAdvertSlots(adver_deadline_, interval, now));
    adver_deadline_ = nextAdvertDeadline(adver_deadline_, interval, now);
  } else {
    adver_deadline_ = now + interval;
  }
  adver_timer_->startAt(adver_deadline_, [this] { onAdverTimer(); });
}

void Instance::onAdverTimer() {
  in_adver_tick_ = true;
  feed(EventKind::adver_timer);
  in_adver_tick_ = false;
}

void Instance::startMasterDownTimer(Millis after) {
  MonoTime deadline = ports_.timers->now() + after;
  master_down_deadline_ = deadline;
  if (master_down_pending_ && master_down_armed_ <= deadline) return;  // re-armed when it expires
  armMasterDownTimer(deadline);
}

void Instance::armMasterDownTimer(MonoTime at) {
  master_down_armed_ = at;
  master_down_pending_ = true;
  master_down_timer_->startAt(at, [this] { onMasterDownTimer(); });
}

void Instance::onMasterDownTimer() {
  master_down_pending_ = false;
  if (!master_down_deadline_) return;
  if (ports_.timers->now() < *master_down_deadline_) return armMasterDownTimer(*master_down_deadline_);
  // Adverts already queued in the kernel arrived before this expiry (the loop
  // was late): hear them first; one of them may reset the timer.
  MonoTime expired = *master_down_deadline_;
  packets_->drainPending();
  if (master_down_deadline_ != expired) {
    ++master_down_late_adverts_;
    return;
  }
  master_down_deadline_.reset();
  feed(EventKind::master_down_timer);
}

void Instance::invalidateCaches() {
  expectation_ = makeExpectation();
  cached_advert_priority_ = -1;
  advert_destinations_ = config_.unicast_peers;
  if (advert_destinations_.empty()) advert_destinations_.push_back(multicastGroup(config_.family()));
}

// Encoded once per priority (and settings): the hot path only sends bytes.
void Instance::sendAdvert(int priority) {
  if (priority != cached_advert_priority_) {
    Advert advert;
    advert.version = config_.version;
    advert.vrid = static_cast<uint8_t>(config_.vrid);
    advert.priority = static_cast<uint8_t>(priority);
    advert.interval = intervalField(config_.version, config_.advert_interval);
    for (const auto& vip : config_.virtual_addresses) advert.addresses.push_back(vip.address);
    if (config_.version == 2) advert.setPassword(config_.auth_pass);
    ChecksumMode mode = config_.checksum_pseudo_header ? ChecksumMode::pseudo_header : ChecksumMode::no_pseudo_header;
    cached_adverts_.clear();
    for (const auto& destination : advert_destinations_)
      cached_adverts_.push_back(encodeAdvert(advert, primary_, destination, mode));
    cached_advert_priority_ = priority;
  }
  for (std::size_t i = 0; i < advert_destinations_.size(); ++i) {
    if (auto st = packets_->send(cached_adverts_[i], primary_, advert_destinations_[i]); !st) {
      if (send_errors_++ == 0) log::warning(config_.name + ": sending advert: " + st.error().message());
      continue;
    }
    ++adverts_sent_;
  }
}

void Instance::addAddresses() {
  for (const auto& vip : config_.virtual_addresses)
    if (auto st = ports_.addresses->add(config_.interface, vip); !st) {
      ++address_errors_;
      log::error(config_.name + ": adding " + vip.str() + ": " + st.error().message());
    }
}

void Instance::removeAddresses() {
  announce_timer_->cancel();
  for (const auto& vip : config_.virtual_addresses)
    if (auto st = ports_.addresses->remove(config_.interface, vip); !st) {
      ++address_errors_;
      log::error(config_.name + ": removing " + vip.str() + ": " + st.error().message());
    }
}

// Gratuitous ARP / unsolicited NA per VIP, `remaining` rounds garp_interval apart.
void Instance::announceBurst(int remaining) {
  if (remaining <= 0 || context_.state != State::master) return;
  auto link = ports_.links->query(config_.interface);
  if (!link) {
    log::warning(config_.name + ": no link info for announcements: " + link.error().message());
    return;
  }
  for (const auto& vip : config_.virtual_addresses) {
    auto frame = vip.address.family == Family::v4 ? buildGratuitousArp(link->mac, vip.address)
                                                  : buildUnsolicitedNa(link->mac, primary_, vip.address);
    if (auto st = ports_.frames->send(config_.interface, frame); !st && send_errors_++ == 0)
      log::warning(config_.name + ": sending announcement: " + st.error().message());
  }
  if (remaining > 1) announce_timer_->start(config_.garp_interval, [this, remaining] { announceBurst(remaining - 1); });
}

AdvertExpectation Instance::makeExpectation() const {
  AdvertExpectation e;
  e.version = config_.version;
  e.auth_pass = config_.auth_pass;
  for (const auto& vip : config_.virtual_addresses) e.addresses.push_back(vip.address);
  e.v2_interval_seconds = intervalField(2, config_.advert_interval);
  return e;
}

void Instance::receive(const ReceivedPacket& packet, const ParsedAdvert& parsed) {
  if (packet.source == primary_) return;  // our own advert, looped back
  if (!config_.unicast_peers.empty() && std::find(config_.unicast_peers.begin(), config_.unicast_peers.end(),
                                                  packet.source) == config_.unicast_peers.end())
    return countDrop(DropReason::not_a_peer);
  const Advert& advert = parsed.advert;
  if (auto reason = checkAdvert(advert, expectation_)) {
    if ((*reason == DropReason::address_list || *reason == DropReason::address_count) && !address_mismatch_logged_) {
      address_mismatch_logged_ = true;
      log::warning(config_.name + ": advert from " + packet.source.str() + " lists other virtual addresses");
    }
    return countDrop(*reason);
  }
  ++adverts_received_;
  if (!started_ && !context_.handing_over) return;
  feed(Event::advert(advert.priority, intervalFromField(advert.version, advert.interval), packet.source));
}

void Instance::setTracking(std::vector<TrackedItem> items) {
  tracked_ = std::move(items);
  TrackingOutcome outcome = evaluateTracking(config_.priority, tracked_);
  bool priority_changed = outcome.priority != params_.priority;
  params_ = makeParams();
  tracking_fault_ = outcome.fault;
  if (priority_changed) {
    log::info(config_.name + ": effective priority " + std::to_string(params_.priority));
    if (context_.state == State::master) feed(EventKind::adver_timer);  // tell backups at once
  }
  updateFault();
}

void Instance::updateFault() {
  if (!started_) return;
  bool fault = tracking_fault_;
  if (fault && context_.state != State::fault) feed(EventKind::fault);
  if (!fault && context_.state == State::fault) feed(EventKind::recovered);
}

bool Instance::changeNeedsRestart(const conf::VrrpInstance& a, const conf::VrrpInstance& b) {
  return a.interface != b.interface || a.vrid != b.vrid || a.version != b.version || a.family() != b.family() ||
         a.unicast_peers != b.unicast_peers || a.source_address != b.source_address;
}

bool Instance::reconfigure(const conf::VrrpInstance& config) {
  if (changeNeedsRestart(config_, config)) return false;
  bool master = context_.state == State::master;
  std::vector<IpPrefix> removed, added;
  for (const auto& v : config_.virtual_addresses)
    if (std::find(config.virtual_addresses.begin(), config.virtual_addresses.end(), v) ==
        config.virtual_addresses.end())
      removed.push_back(v);
  for (const auto& v : config.virtual_addresses)
    if (std::find(config_.virtual_addresses.begin(), config_.virtual_addresses.end(), v) ==
        config_.virtual_addresses.end())
      added.push_back(v);
  config_ = config;
  params_ = makeParams();
  invalidateCaches();
  if (master) {
    for (const auto& v : removed)
      if (auto st = ports_.addresses->remove(config_.interface, v); !st) ++address_errors_;
    for (const auto& v : added)
      if (auto st = ports_.addresses->add(config_.interface, v); !st) ++address_errors_;
    if (!added.empty()) announceBurst(std::max(config_.garp_count, 1));
    feed(EventKind::adver_timer);  // advertise the new settings at once
  }
  return true;
}

nlohmann::json Instance::status() const {
  nlohmann::json drops = nlohmann::json::object();
  for (std::size_t i = 0; i < kDropReasonCount; ++i)
    if (drops_[i]) drops[std::string(dropReasonName(static_cast<DropReason>(i)))] = drops_[i];
  nlohmann::json tracked = nlohmann::json::array();
  for (const auto& t : tracked_)
    tracked.push_back({{"name", t.name},
                       {"kind", trackedKindName(t.kind)},
                       {"weight", t.weight},
                       {"state", t.healthy ? "up" : "down"}});
  nlohmann::json vips = nlohmann::json::array();
  for (const auto& v : config_.virtual_addresses) vips.push_back(v.str());
  bool master = context_.state == State::master;
  Millis interval = master ? params_.advertisement_interval : context_.master_adver_interval;
  return {{"name", config_.name},
          {"interface", config_.interface},
          {"vrid", config_.vrid},
          {"version", config_.version},
          {"state", stateName(context_.state)},
          {"since", formatUtc(since_)},
          {"base_priority", config_.priority},
          {"effective_priority", params_.priority},
          {"master_address", context_.master_address ? context_.master_address->str() : ""},
          {"source_address", primary_.str()},
          {"advert_interval_ms", interval.count()},
          {"transitions", transitions_},
          {"waiting_for_sync_group", context_.wants_master},
          {"adverts_sent", adverts_sent_},
          {"advert_slots_missed", advert_slots_missed_},
          {"master_down_late_adverts", master_down_late_adverts_},
          {"adverts_received", adverts_received_},
          {"send_errors", send_errors_},
          {"address_errors", address_errors_},
          {"drops", drops},
          {"tracked", tracked},
          {"virtual_addresses", vips}};
}

}  // namespace vipd::vrrp

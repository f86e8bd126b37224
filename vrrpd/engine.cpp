#include "vrrpd/engine.hpp"

#include <algorithm>

#include "common/log.hpp"
#include "vrrpd/core/accept_mode.hpp"

namespace vipd::vrrp {

Engine::Engine(Ports ports) : ports_(ports), guard_timer_(ports.timers->create()) {}

Engine::~Engine() {
  if (ports_.filter && guarded_ && !guarded_->empty()) (void)ports_.filter->guard({});
}

Instance* Engine::find(const std::string& name) {
  auto it = instances_.find(name);
  return it == instances_.end() ? nullptr : it->second.get();
}

Engine::Socket* Engine::socketFor(const SocketKey& key) {
  if (auto it = sockets_.find(key); it != sockets_.end()) return &it->second;
  auto opened = ports_.packets->open(key.first, key.second);
  if (!opened) {
    log::error("vrrp: cannot open socket on " + key.first + ": " + opened.error().message());
    return nullptr;
  }
  Socket& socket = sockets_[key];
  socket.port = std::move(*opened);
  socket.port->setHandler([this, &socket](const ReceivedPacket& packet) { onPacket(socket, packet); });
  return &socket;
}

void Engine::closeUnusedSockets() {
  for (auto it = sockets_.begin(); it != sockets_.end();)
    it = it->second.instances.empty() ? sockets_.erase(it) : std::next(it);
}

void Engine::onPacket(Socket& socket, const ReceivedPacket& packet) {
  // Demultiplex by VRID (byte 1), also for dropped packets so drops count on their instance.
  Instance* target = socket.instances.find(packet.payload);
  auto drop = parseAdvertInto(packet.payload, PacketInfo{packet.source, packet.destination, packet.ttl}, scratch_);
  if (!target) {
    ++unattributed_drops_[static_cast<std::size_t>(drop.value_or(DropReason::vrid))];
    return;
  }
  if (drop) return target->countDrop(*drop);
  target->receive(packet, scratch_);
}

void Engine::removeInstance(std::map<std::string, std::unique_ptr<Instance>>::iterator it) {
  const auto& c = it->second->config();
  if (auto socket = sockets_.find({c.interface, c.family()}); socket != sockets_.end())
    socket->second.instances.erase(static_cast<uint8_t>(c.vrid), it->second.get());
  instances_.erase(it);
}

void Engine::apply(const conf::Config& config) {
  stopped_ = false;
  script_user_ = config.global.script_user;
  applyScripts(config);
  applySyncGroups(config);
  // Remove instances that are gone, and those whose change needs a new instance.
  for (auto it = instances_.begin(); it != instances_.end();) {
    auto wanted = std::find_if(config.vrrp_instances.begin(), config.vrrp_instances.end(),
                               [&](const conf::VrrpInstance& c) { return c.name == it->first; });
    bool keep =
        wanted != config.vrrp_instances.end() && (*wanted == it->second->config() || it->second->reconfigure(*wanted));
    if (keep) {
      ++it;
      continue;
    }
    log::info("vrrp: " + it->first + (wanted == config.vrrp_instances.end() ? " removed" : " restarted"));
    it->second->shutdown();
    removeInstance(it++);
  }
  failed_.clear();
  std::vector<Instance*> created;
  for (const auto& c : config.vrrp_instances) {
    if (instances_.count(c.name)) continue;
    Socket* socket = socketFor({c.interface, c.family()});
    if (!socket) {
      failed_[c.name] = "no socket on " + c.interface;
      continue;
    }
    auto vrid = static_cast<uint8_t>(c.vrid);
    if (socket->instances.at(vrid)) {
      failed_[c.name] = "VRID " + std::to_string(c.vrid) + " already used on " + c.interface;
      continue;
    }
    auto instance =
        std::make_unique<Instance>(c, ports_, socket->port.get(), script_user_,
                                   [this](Instance& i, State o, State n) { onInstanceStateChange(i, o, n); });
    Instance* raw = instance.get();
    socket->instances.insert(vrid, raw);
    created.push_back(raw);
    instances_[c.name] = std::move(instance);
  }
  closeUnusedSockets();
  applySyncHolds();
  if (!watching_links_) {
    watching_links_ = true;
    ports_.links->watch([this](const std::string& interface, bool up) { onLinkChange(interface, up); });
  }
  for (const auto& c : config.vrrp_instances)
    for (const auto& link : c.track_interfaces)
      if (auto info = ports_.links->query(link))
        links_up_[link] = info->up;
      else
        links_up_[link] = false;
  refreshTrackingAll();
  if (!guarded_) applyGuard();  // nothing guarded yet: clears a crashed run's table
  for (Instance* i : created) i->start();
  refreshGuard();  // a reload may have changed accept or the VIPs of a master
}

std::vector<IpAddress> Engine::wantedGuard() const {
  std::vector<AcceptModeView> views;
  for (const auto& [name, instance] : instances_) {
    const auto& c = instance->config();
    AcceptModeView v{instance->state() == State::master || instance->handingOver(), c.accept, c.priority, {}};
    for (const auto& vip : c.virtual_addresses) v.virtual_addresses.push_back(vip.address);
    views.push_back(std::move(v));
  }
  return addressesToGuard(views);
}

void Engine::refreshGuard() {
  if (!ports_.filter || wantedGuard() == guarded_) return;
  guard_timer_->start(Millis(0), [this] { applyGuard(); });
}

void Engine::applyGuard() {
  if (!ports_.filter) return;
  guard_timer_->cancel();
  auto wanted = wantedGuard();
  if (auto st = ports_.filter->guard(wanted); !st) {
    if (guard_errors_++ == 0) log::error("vrrp: Accept_Mode guard: " + st.error().message());
    guarded_.reset();  // unknown: the next change applies everything again
    return;
  }
  if (guarded_ && *guarded_ != wanted) {
    std::string list;
    for (const auto& a : wanted) list += " " + a.str();
    log::info("vrrp: Accept_Mode guard now drops packets to" + (list.empty() ? std::string(" nothing") : list));
  }
  guarded_ = std::move(wanted);
}

void Engine::applyScripts(const conf::Config& config) {
  for (auto it = scripts_.begin(); it != scripts_.end();) {
    auto wanted = std::find_if(config.vrrp_scripts.begin(), config.vrrp_scripts.end(),
                               [&](const conf::VrrpScript& s) { return s.name == it->first; });
    bool keep = wanted != config.vrrp_scripts.end() && *wanted == it->second->config();
    it = keep ? std::next(it) : scripts_.erase(it);
  }
  for (const auto& s : config.vrrp_scripts) {
    if (scripts_.count(s.name)) continue;
    auto tracker = std::make_unique<ScriptTracker>(s, ports_, script_user_,
                                                   [this](const std::string&, bool) { refreshTrackingAll(); });
    tracker->start();
    scripts_[s.name] = std::move(tracker);
  }
}

void Engine::applySyncGroups(const conf::Config& config) {
  sync_group_of_.clear();
  sync_groups_.clear();
  for (const auto& g : config.sync_groups) {
    sync_groups_[g.name] = g.instances;
    for (const auto& member : g.instances) sync_group_of_[member] = g.name;
  }
}

// Only sync group members ask their group before each step (the others skip the lookup per advert).
void Engine::applySyncHolds() {
  for (auto& [name, instance] : instances_) {
    Instance* raw = instance.get();
    if (sync_group_of_.count(name))
      raw->setSyncHold([this, raw] { return syncHold(*raw); });
    else
      raw->setSyncHold(nullptr);
  }
}

void Engine::refreshTracking(Instance& instance) {
  std::vector<TrackedItem> items;
  for (const auto& name : instance.config().track_scripts) {
    auto it = scripts_.find(name);
    if (it == scripts_.end()) continue;  // conf validation rejects unknown names
    items.push_back({TrackedItem::Kind::script, name, it->second->config().weight, it->second->healthy()});
  }
  for (const auto& link : instance.config().track_interfaces)
    items.push_back({TrackedItem::Kind::interface, link, 0, links_up_[link]});
  for (const auto& service : instance.config().track_services) {
    auto quorum = service_quorum_.find(service);
    items.push_back({TrackedItem::Kind::service, service, instance.config().track_services_weight,
                     quorum == service_quorum_.end() || quorum->second});
  }
  instance.setTracking(std::move(items));
}

void Engine::refreshTrackingAll() {
  for (auto& [name, instance] : instances_) refreshTracking(*instance);
}

void Engine::setServiceQuorum(const std::string& service, bool has_quorum) {
  auto [it, inserted] = service_quorum_.try_emplace(service, has_quorum);
  if (!inserted && it->second == has_quorum) return;
  it->second = has_quorum;
  if (!has_quorum || !inserted) log::info("vrrp: tracked service " + service + (has_quorum ? " has quorum" : " lost quorum"));
  refreshTrackingAll();
}

void Engine::onLinkChange(const std::string& interface, bool up) {
  auto it = links_up_.find(interface);
  if (it == links_up_.end() || it->second == up) return;
  it->second = up;
  log::info("vrrp: tracked link " + interface + (up ? " up" : " down"));
  refreshTrackingAll();
}

std::vector<Instance*> Engine::syncPeers(const Instance& instance) {
  std::vector<Instance*> peers;
  auto group = sync_group_of_.find(instance.name());
  if (group == sync_group_of_.end()) return peers;
  for (const auto& m : sync_groups_[group->second])
    if (Instance* i = find(m); i && i != &instance) peers.push_back(i);
  return peers;
}

// A member may become master only when every other member is master or waits to be.
bool Engine::syncHold(const Instance& instance) {
  if (stopped_) return false;
  for (Instance* peer : syncPeers(instance))
    if (peer->state() != State::master && !peer->wantsMaster()) return true;
  return false;
}

void Engine::onInstanceStateChange(Instance& instance, State /*old_state*/, State new_state) {
  refreshGuard();
  for (const auto& observer : observers_) observer(instance.name(), new_state);
  if (propagating_ || stopped_) return;
  propagating_ = true;  // members follow; their own changes do not propagate again
  for (Instance* peer : syncPeers(instance)) {
    // Every other member waits for master (syncHold let this one through): all together.
    if (new_state == State::master && peer->state() == State::backup) peer->forceMaster();
    // One member leaves master or fails: the group follows to Backup.
    if ((new_state == State::backup || new_state == State::fault) && peer->state() == State::master)
      peer->forceBackup();
  }
  propagating_ = false;
}

void Engine::stop(std::function<void()> done) {
  stopped_ = true;
  scripts_.clear();
  // Counts instances still handing over, plus one for this loop.
  auto pending = std::make_shared<std::size_t>(instances_.size() + 1);
  auto release = [this, pending, done] {
    if (--*pending != 0) return;
    applyGuard();  // every VIP is released: the guard goes before vipd does
    if (done) done();
  };
  for (auto& [name, instance] : instances_) instance->handOver(release);
  release();
}

nlohmann::json Engine::status() const {
  nlohmann::json list = nlohmann::json::array();
  std::map<std::string, int> by_state;
  for (const auto& [name, instance] : instances_) {
    list.push_back(instance->status());
    ++by_state[std::string(stateName(instance->state()))];
  }
  nlohmann::json failed = nlohmann::json::object();
  for (const auto& [name, why] : failed_) failed[name] = why;
  nlohmann::json drops = nlohmann::json::object();
  for (std::size_t i = 0; i < kDropReasonCount; ++i)
    if (unattributed_drops_[i]) drops[std::string(dropReasonName(static_cast<DropReason>(i)))] = unattributed_drops_[i];
  std::string summary = std::to_string(instances_.size()) + " instance" + (instances_.size() == 1 ? "" : "s");
  for (const auto& [state, n] : by_state) summary += ", " + std::to_string(n) + " " + state;
  if (!failed_.empty()) summary += ", " + std::to_string(failed_.size()) + " failed";
  nlohmann::json guard = nlohmann::json::array();
  if (guarded_)
    for (const auto& a : *guarded_) guard.push_back(a.str());
  return {{"summary", summary},
          {"instances", list},
          {"failed", failed},
          {"unattributed_drops", drops},
          {"accept_mode_guard", {{"dropped_addresses", guard}, {"errors", guard_errors_}}}};
}

}  // namespace vipd::vrrp

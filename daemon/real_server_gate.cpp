#include "daemon/real_server_gate.hpp"

#include "common/duration.hpp"
#include "common/log.hpp"

namespace vipd::daemon {

namespace {

std::string serverId(const std::string& service, const Endpoint& server) { return service + "/" + server.str(); }

}  // namespace

void RealServerGate::onRestart(RestartSink restart, WakeSink wake) {
  restart_ = std::move(restart);
  wake_ = std::move(wake);
  wake_at_.reset();
  rearm();
}

void RealServerGate::configure(const conf::Ipvs& ipvs) {
  std::map<ServerKey, std::string> guest_of;
  std::map<std::string, virt::RestartAfterClock::Watch> watches;
  for (const auto& service : ipvs.services)
    for (const auto& server : service.real_servers) {
      if (server.guest.empty()) continue;
      guest_of[{service.name, server.address}] = server.guest;
      if (server.restart_after) watches[serverId(service.name, server.address)] = {server.guest, *server.restart_after};
    }
  restart_after_.configure(std::move(watches));
  auto before = std::exchange(guest_of_, std::move(guest_of));
  for (const auto& [key, guest] : guest_of_) publish(key);
  // A server that no longer names a guest depends on its checks alone again.
  for (const auto& [key, guest] : before)
    if (!guest_of_.contains(key)) publish(key);
  rearm();
}

void RealServerGate::checkResult(const std::string& service, const Endpoint& server, bool healthy) {
  ServerKey key{service, server};
  if (healthy ? failing_checks_.erase(key) == 0 : !failing_checks_.insert(key).second) return;  // no change
  restart_after_.checkResult(serverId(service, server), healthy, now_());
  publish(key);
  rearm();
}

void RealServerGate::guestRunning(const std::string& guest, bool running) {
  running_[guest] = running;
  restart_after_.guestRunning(guest, running, now_());
  for (const auto& [key, name] : guest_of_)
    if (name == guest) publish(key);
  rearm();
}

void RealServerGate::restartsDue() {
  wake_at_.reset();
  if (restart_) {
    for (const auto& due : restart_after_.takeDue(now_())) {
      log::warning("real server " + due.server + " (guest " + due.guest + ") failed its checks for restart_after " +
                   formatDuration(due.after) + ": restarting guest " + due.guest);
      restart_(due.guest, [this, guest = due.guest] {
        restart_after_.restartDone(guest, now_());
        rearm();
      });
    }
  }
  rearm();
}

void RealServerGate::rearm() {
  if (!wake_) return;
  auto next = restart_after_.nextDue();
  if (next == wake_at_) return;
  wake_at_ = next;
  wake_(next);
}

bool RealServerGate::healthy(const ServerKey& key) const {
  const bool checks_pass = !failing_checks_.contains(key);
  auto guest = guest_of_.find(key);
  if (guest == guest_of_.end()) return checks_pass;
  auto running = running_.find(guest->second);
  return checks_pass && running != running_.end() && running->second;
}

void RealServerGate::publish(const ServerKey& key) {
  bool now = healthy(key);
  auto [it, inserted] = published_.try_emplace(key, now);
  if (!inserted && it->second == now) return;
  it->second = now;
  // A server seen for the first time is only worth telling about when it is out.
  if (inserted && now) return;
  sink_(key.first, key.second, now);
}

}  // namespace vipd::daemon

#include "daemon/real_server_gate.hpp"

namespace vipd::daemon {

void RealServerGate::configure(const conf::Ipvs& ipvs) {
  std::map<ServerKey, std::string> guest_of;
  for (const auto& service : ipvs.services)
    for (const auto& server : service.real_servers)
      if (!server.guest.empty()) guest_of[{service.name, server.address}] = server.guest;
  auto before = std::exchange(guest_of_, std::move(guest_of));
  for (const auto& [key, guest] : guest_of_) publish(key);
  // A server that no longer names a guest depends on its checks alone again.
  for (const auto& [key, guest] : before)
    if (!guest_of_.contains(key)) publish(key);
}

void RealServerGate::checkResult(const std::string& service, const Endpoint& server, bool healthy) {
  ServerKey key{service, server};
  checks_[key] = healthy;
  publish(key);
}

void RealServerGate::guestRunning(const std::string& guest, bool running) {
  running_[guest] = running;
  for (const auto& [key, name] : guest_of_)
    if (name == guest) publish(key);
}

bool RealServerGate::healthy(const ServerKey& key) const {
  auto check = checks_.find(key);
  bool checks_pass = check == checks_.end() || check->second;
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

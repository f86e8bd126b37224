#pragma once
// A real server is in IPVS while its checks pass and, when it names a guest,
// while that guest runs. The gate combines the two sources and tells the
// IPVS engine the result whenever it changes.
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "common/ip_address.hpp"
#include "conf/config.hpp"

namespace vipd::daemon {

class RealServerGate {
 public:
  using Sink = std::function<void(const std::string& service, const Endpoint& server, bool healthy)>;

  explicit RealServerGate(Sink sink) : sink_(std::move(sink)) {}

  // Which real servers name a guest; called on start and every reload.
  void configure(const conf::Ipvs& ipvs);
  void checkResult(const std::string& service, const Endpoint& server, bool healthy);
  void guestRunning(const std::string& guest, bool running);

 private:
  using ServerKey = std::pair<std::string, Endpoint>;

  bool healthy(const ServerKey& key) const;
  void publish(const ServerKey& key);

  Sink sink_;
  std::map<ServerKey, std::string> guest_of_;  // only servers that name a guest
  std::map<ServerKey, bool> checks_;           // absent = healthy (no check, or none reported yet)
  std::map<std::string, bool> running_;        // absent = not known to run
  std::map<ServerKey, bool> published_;
};

}  // namespace vipd::daemon

#pragma once
// What the config asks the kernel to hold, given each real server's health.
#include <map>
#include <string>
#include <utility>

#include "common/ip_address.hpp"
#include "conf/config.hpp"
#include "ipvs/state.hpp"

namespace vipd::ipvs {

// Health of real servers by (service name, real server address); a server
// nobody reported on is healthy (until the health-check subsystem drives it).
class HealthView {
 public:
  // Returns true when the value changed.
  bool set(const std::string& service, const Endpoint& server, bool healthy);
  bool healthy(const std::string& service, const Endpoint& server) const;
  // Forgets servers no longer in the config.
  void retainOnly(const conf::Ipvs& config);
  // The same for the servers of one service name (`config` null: the service is gone).
  void retainOnly(const std::string& service, const conf::IpvsService* config);

 private:
  std::map<std::pair<std::string, Endpoint>, bool> healthy_;
};

struct DesiredService {
  std::string name;
  ServiceState state;
  std::size_t healthy = 0;    // configured real servers that are healthy
  bool sorry_active = false;  // below quorum, the sorry server serves
};

struct DesiredState {
  std::map<ServiceKey, DesiredService> services;

  // The plain table the reconciler compares with the kernel.
  Table table() const;
};

// The kernel form of one configured service (key, scheduler, flags, persistence).
Service serviceFromConfig(const conf::IpvsService& config);
Forwarding forwardingFromConfig(conf::Forwarding forwarding);
Protocol protocolFromConfig(conf::Protocol protocol);

// Healthy real servers get their configured weight; failed ones are left out
// (drained, then deleted), or kept at weight 0 with inhibit_on_failure.
// Below quorum with a sorry server: the sorry server gets weight 1 and the
// healthy real servers are kept at weight 0 (their connections finish, and
// regaining quorum needs no re-add).
DesiredState desiredState(const conf::Ipvs& config, const HealthView& health);
// One service of it.
DesiredService desiredService(const conf::IpvsService& config, const HealthView& health);

}  // namespace vipd::ipvs

#pragma once
// What to check, derived from the config: one CheckSpec per distinct probe
// (same type, target and parameters share one id, so a check used by several
// services or real servers runs once), and which checks each real server and
// service depend on. Pure: no I/O, no clocks.
#include <compare>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "conf/config.hpp"

namespace vipd::healthcheck {

struct CheckSpec {
  std::string id;            // identity: type, target and every parameter that changes a probe
  conf::HealthCheck params;  // connect_port / connect_address already folded into target
  Endpoint target;

  std::string label() const;  // short human name: "http 10.0.0.1:80/health"
};

// The identity of a check: equal ids <=> the same probe. The warmup is left
// out (it only spreads the first probe), so changing it does not restart a check.
std::string checkId(const conf::HealthCheck& params, const Endpoint& target);
CheckSpec makeCheckSpec(const conf::HealthCheck& params, const Endpoint& real_server);

struct ServerKey {
  std::string service;
  Endpoint server;
  auto operator<=>(const ServerKey&) const = default;
};

struct ServerPlan {
  ServerKey key;
  std::vector<std::string> check_ids;  // all must be healthy; empty = always healthy
};

struct ServicePlan {
  std::string name;
  int quorum = 1;
  std::vector<std::size_t> servers;  // indexes into CheckPlan::servers
};

struct CheckPlan {
  std::map<std::string, CheckSpec> checks;  // by id
  std::vector<ServerPlan> servers;
  std::vector<ServicePlan> services;
};

// A real server uses its own `checks` when set (an empty list = unchecked),
// else its service's.
CheckPlan buildPlan(const conf::Ipvs& ipvs);

}  // namespace vipd::healthcheck

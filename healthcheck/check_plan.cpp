#include "healthcheck/check_plan.hpp"

#include <nlohmann/json.hpp>

namespace vipd::healthcheck {

namespace {

const char* typeName(conf::CheckType type) {
  switch (type) {
    case conf::CheckType::tcp:
      return "tcp";
    case conf::CheckType::http:
      return "http";
    case conf::CheckType::script:
      return "script";
  }
  return "?";
}

}  // namespace

std::string checkId(const conf::HealthCheck& p, const Endpoint& target) {
  // A JSON array is an unambiguous encoding of the fields (strings are quoted).
  nlohmann::json fields = {typeName(p.type), target.str(), p.interval.count(), p.timeout.count(), p.rise, p.fall};
  switch (p.type) {
    case conf::CheckType::tcp:
      break;
    case conf::CheckType::http:
      fields.push_back(p.path);
      fields.push_back(p.expect_status);
      fields.push_back(p.host);
      fields.push_back(p.expect_body);
      fields.push_back(p.expect_body_regex);
      fields.push_back(p.digest);
      fields.push_back(p.tls);
      fields.push_back(p.tls_verify);
      fields.push_back(p.sni);
      break;
    case conf::CheckType::script:
      fields.push_back(p.command);
      break;
  }
  // Only when set, so that the ids of existing configs stay as they were.
  if (p.initial_down) fields.push_back("initial_state=down");
  if (!p.ca_file.empty()) fields.push_back("ca_file=" + p.ca_file);
  if (p.graceful_close) fields.push_back("close=graceful");
  if (p.type == conf::CheckType::tcp && !p.half_open && !p.graceful_close) fields.push_back("handshake=full");
  if (p.type == conf::CheckType::http && !p.keepalive) fields.push_back("keepalive=false");
  return fields.dump();
}

CheckSpec makeCheckSpec(const conf::HealthCheck& params, const Endpoint& real_server) {
  CheckSpec spec;
  spec.target.address = params.connect_address.value_or(real_server.address);
  spec.target.port = params.connect_port.value_or(real_server.port);
  spec.params = params;
  spec.params.connect_address.reset();
  spec.params.connect_port.reset();
  spec.id = checkId(spec.params, spec.target);
  return spec;
}

std::string CheckSpec::label() const {
  switch (params.type) {
    case conf::CheckType::tcp:
      return "tcp " + target.str();
    case conf::CheckType::http:
      return (params.tls ? "https " : "http ") + target.str() + params.path;
    case conf::CheckType::script: {
      std::string text = "script " + target.str();
      for (const auto& arg : params.command) text += " " + arg;
      return text;
    }
  }
  return id;
}

CheckPlan buildPlan(const conf::Ipvs& ipvs) {
  CheckPlan plan;
  for (const auto& service : ipvs.services) {
    ServicePlan service_plan{service.name, service.quorum, {}};
    for (const auto& real_server : service.real_servers) {
      ServerPlan server{{service.name, real_server.address}, {}};
      const auto& checks = real_server.checks ? *real_server.checks : service.checks;
      for (const auto& check : checks) {
        CheckSpec spec = makeCheckSpec(check, real_server.address);
        server.check_ids.push_back(spec.id);
        plan.checks.emplace(spec.id, std::move(spec));
      }
      service_plan.servers.push_back(plan.servers.size());
      plan.servers.push_back(std::move(server));
    }
    plan.services.push_back(std::move(service_plan));
  }
  return plan;
}

}  // namespace vipd::healthcheck

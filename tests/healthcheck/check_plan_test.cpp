#include "healthcheck/check_plan.hpp"

#include <gtest/gtest.h>

#include "tests/healthcheck/plan_builders.hpp"

namespace vipd::healthcheck {
namespace {

using namespace std::chrono_literals;

using test::ep;
using test::realServer;

conf::HealthCheck httpCheck(std::string path = "/") {
  conf::HealthCheck check;
  check.type = conf::CheckType::http;
  check.path = std::move(path);
  return check;
}

conf::IpvsService service(std::string name, std::vector<conf::HealthCheck> checks, std::vector<const char*> servers) {
  conf::IpvsService s;
  s.name = std::move(name);
  s.checks = std::move(checks);
  for (auto* server : servers) s.real_servers.push_back(realServer(ep(server)));
  return s;
}

TEST(CheckPlan, IdenticalChecksOnOneTargetRunOnce) {
  conf::Ipvs ipvs;
  ipvs.services.push_back(service("web", {httpCheck()}, {"127.0.0.1:80", "127.0.0.2:80"}));
  ipvs.services.push_back(service("web-alt", {httpCheck()}, {"127.0.0.1:80"}));
  const CheckPlan plan = buildPlan(ipvs);
  EXPECT_EQ(plan.checks.size(), 2u);
  ASSERT_EQ(plan.servers.size(), 3u);
  EXPECT_EQ(plan.servers[0].check_ids, plan.servers[2].check_ids);
  EXPECT_NE(plan.servers[0].check_ids, plan.servers[1].check_ids);
  ASSERT_EQ(plan.services.size(), 2u);
  EXPECT_EQ(plan.services[0].servers, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(plan.services[1].servers, (std::vector<std::size_t>{2}));
}

TEST(CheckPlan, IdentityTable) {
  const Endpoint server = ep("127.0.0.1:80");
  const std::string base = makeCheckSpec(httpCheck(), server).id;
  struct Row {
    const char* what;
    conf::HealthCheck check;
    Endpoint target;
    bool same;
  };
  auto with = [](auto change) {
    conf::HealthCheck check = httpCheck();
    change(check);
    return check;
  };
  const Row rows[] = {
      {"identical", httpCheck(), server, true},
      {"warmup only", with([](auto& c) { c.warmup = 5s; }), server, true},
      {"other path", httpCheck("/health"), server, false},
      {"other port", httpCheck(), ep("127.0.0.1:81"), false},
      {"other type", with([](auto& c) { c.type = conf::CheckType::tcp; }), server, false},
      {"other interval", with([](auto& c) { c.interval = 3s; }), server, false},
      {"other fall", with([](auto& c) { c.fall = 9; }), server, false},
      {"other status", with([](auto& c) {
         c.expect_status = {200, 301};
       }),
       server, false},
      {"other body", with([](auto& c) { c.expect_body = "ok"; }), server, false},
      {"tls", with([](auto& c) { c.tls = true; }), server, false},
      {"no keepalive", with([](auto& c) { c.keepalive = false; }), server, false},
      {"handshake (tcp only)", with([](auto& c) { c.half_open = false; }), server, true},
      {"connect_port to the same port", with([](auto& c) { c.connect_port = 80; }), server, true},
      {"connect_port elsewhere", with([](auto& c) { c.connect_port = 8080; }), server, false},
      {"connect_address to the same address", with([](auto& c) { c.connect_address = IpAddress::parse("127.0.0.1"); }),
       server, true},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(makeCheckSpec(row.check, row.target).id == base, row.same) << row.what;
  }
  conf::HealthCheck half_open;
  half_open.type = conf::CheckType::tcp;
  conf::HealthCheck full = half_open;
  full.half_open = false;
  EXPECT_NE(makeCheckSpec(half_open, server).id, makeCheckSpec(full, server).id);
}

TEST(CheckPlan, ConnectOverridesSetTheTarget) {
  conf::HealthCheck check = httpCheck();
  check.connect_port = 8080;
  check.connect_address = IpAddress::parse("127.0.0.9");
  const CheckSpec spec = makeCheckSpec(check, ep("127.0.0.1:80"));
  EXPECT_EQ(spec.target, ep("127.0.0.9:8080"));
  EXPECT_EQ(spec.label(), "http 127.0.0.9:8080/");
}

TEST(CheckPlan, ServerOverrideReplacesServiceChecks) {
  conf::Ipvs ipvs;
  ipvs.services.push_back(service("web", {httpCheck()}, {"127.0.0.1:80", "127.0.0.2:80", "127.0.0.3:80"}));
  conf::HealthCheck tcp;
  tcp.type = conf::CheckType::tcp;
  ipvs.services[0].real_servers[1].checks = std::vector<conf::HealthCheck>{tcp};
  ipvs.services[0].real_servers[2].checks = std::vector<conf::HealthCheck>{};  // unchecked
  const CheckPlan plan = buildPlan(ipvs);
  ASSERT_EQ(plan.servers.size(), 3u);
  ASSERT_EQ(plan.servers[0].check_ids.size(), 1u);
  EXPECT_EQ(plan.checks.at(plan.servers[0].check_ids[0]).params.type, conf::CheckType::http);
  ASSERT_EQ(plan.servers[1].check_ids.size(), 1u);
  EXPECT_EQ(plan.checks.at(plan.servers[1].check_ids[0]).params.type, conf::CheckType::tcp);
  EXPECT_TRUE(plan.servers[2].check_ids.empty());
  EXPECT_EQ(plan.checks.size(), 2u);
}

}  // namespace
}  // namespace vipd::healthcheck

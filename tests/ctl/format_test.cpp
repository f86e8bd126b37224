#include "ctl/format.hpp"

#include <gtest/gtest.h>

#include "ctl/table.hpp"

namespace vipd::ctl {
namespace {

using nlohmann::json;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(Table, PadsColumnsToTheWidestCell) {
  Table t({"A", "BB"});
  t.add({"long", "x"});
  EXPECT_EQ(t.str(), "A     BB\nlong  x\n");
}

TEST(FormatStatus, ShowsGenerationAndSubsystems) {
  json s = {{"version", "0.1.0"},   {"pid", 42},        {"router_id", "lb1"},
            {"config", "/etc/v.toml"}, {"generation", 3}, {"uptime_seconds", 3725},
            {"subsystems", {{"vrrp", "1 instance, 1 MASTER"}}},
            {"last_reload", {{"ok", false}, {"errors", {"e1", "e2"}}, {"generation", 3}}}};
  auto out = formatStatus(s);
  EXPECT_TRUE(contains(out, "generation  3")) << out;
  EXPECT_TRUE(contains(out, "uptime      1h 2m 5s")) << out;
  EXPECT_TRUE(contains(out, "last reload rejected (2 error(s))")) << out;
  EXPECT_TRUE(contains(out, "  vrrp    1 instance, 1 MASTER")) << out;
}

TEST(FormatReload, ListsTheErrorsOfARejectedReload) {
  auto out = formatReload({{"ok", false}, {"generation", 1}, {"errors", {"f:1:1: a.b: bad"}}});
  EXPECT_EQ(out, "reload rejected; generation 1 keeps running\n  f:1:1: a.b: bad\n");
  EXPECT_EQ(formatReload({{"ok", true}, {"generation", 2}}), "reloaded: generation 2 is running\n");
}

TEST(FormatVrrp, OneRowPerInstanceWithDropsAndTracking) {
  json s = {{"summary", "1 instance, 1 MASTER"},
            {"instances",
             {{{"name", "VI_1"},
               {"interface", "eth0"},
               {"vrid", 51},
               {"version", 3},
               {"state", "MASTER"},
               {"since", "2026-11-28T05:00:00Z"},
               {"base_priority", 150},
               {"effective_priority", 130},
               {"master_address", "198.51.100.2"},
               {"advert_interval_ms", 100},
               {"transitions", 2},
               {"adverts_sent", 10},
               {"adverts_received", 3},
               {"drops", {{"ttl", 0}, {"checksum", 4}}},
               {"tracked", {{{"name", "check_nginx"}, {"kind", "script"}, {"weight", -20}, {"state", "down"}}}}}}},
            {"failed", json::object()}};
  auto out = formatVrrp(s);
  EXPECT_TRUE(contains(out, "VI_1")) << out;
  EXPECT_TRUE(contains(out, "150/130")) << out;
  EXPECT_TRUE(contains(out, "100ms")) << out;
  EXPECT_TRUE(contains(out, "checksum=4")) << out;
  EXPECT_FALSE(contains(out, "ttl=")) << out;
  EXPECT_TRUE(contains(out, "check_nginx  script  -20     down")) << out;
}

TEST(FormatIpvs, LooksLikeIpvsadmWithAHealthColumn) {
  json s = {{"summary", "1 services, 2 real servers (1 healthy)"},
            {"services",
             {{{"name", "web"},
               {"family", "inet"},
               {"protocol", "tcp"},
               {"address", "198.51.100.100"},
               {"port", 80},
               {"fwmark", 0},
               {"scheduler", "rr"},
               {"flags", json::array()},
               {"persistence_s", 0},
               {"sorry_active", false},
               {"real_servers",
                {{{"address", "198.51.100.11"}, {"port", 80}, {"forwarding", "dr"}, {"weight", 1},
                  {"active_conns", 2}, {"inactive_conns", 5}, {"health", "healthy"}},
                 {{"address", "2001:db8::5"}, {"port", 80}, {"forwarding", "nat"}, {"weight", 0},
                  {"active_conns", 0}, {"inactive_conns", 0}, {"health", "failed"}}}}}}},
            {"sync",
             {{"configured", true},
              {"role", "master"},
              {"daemons", {{{"state", "backup"}, {"interface", "eth1"}, {"sync_id", 51}},
                           {{"state", "master"}, {"interface", "eth1"}, {"sync_id", 51}}}}}}};
  auto out = formatIpvs(s);
  EXPECT_TRUE(contains(out, "TCP  198.51.100.100:80 rr  [web]")) << out;
  EXPECT_TRUE(contains(out, "  -> 198.51.100.11:80             Route   1      2          5         healthy")) << out;
  EXPECT_TRUE(contains(out, "  -> [2001:db8::5]:80             Masq    0")) << out;
  EXPECT_TRUE(contains(out, "connection sync: master; backup daemon on eth1, sync id 51; master daemon on eth1, sync id 51"))
      << out;
}

TEST(FormatIpvs, SchedulerFlagsInParenthesesAndPersistenceOnce) {
  json s = {{"services",
             {{{"name", "tls"},
               {"family", "inet"},
               {"protocol", "tcp"},
               {"address", "198.51.100.100"},
               {"port", 443},
               {"scheduler", "mh"},
               {"flags", {"persistent", "mh-fallback", "mh-port"}},
               {"persistence_s", 300}}}}};
  auto out = formatIpvs(s);
  EXPECT_TRUE(contains(out, "TCP  198.51.100.100:443 mh (mh-fallback,mh-port) persistent 300  [tls]")) << out;
}

TEST(FormatChecks, ShowsStateLastResultAndQuorum) {
  json s = {{"summary", "2 checks, 1 failing"},
            {"checks",
             {{{"label", "http 198.51.100.11:80 /"}, {"state", "healthy"},
               {"last", {{"success", true}, {"error", ""}, {"latency_ms", 3}}}, {"successes", 9}, {"failures", 0},
               {"rise", 2}, {"fall", 3}},
              {{"label", "tcp 198.51.100.12:80"}, {"state", "unhealthy"},
               {"last", {{"success", false}, {"error", "connection refused"}, {"latency_ms", 1}}}, {"successes", 1},
               {"failures", 4}, {"rise", 2}, {"fall", 3}}}},
            {"services",
             {{{"name", "web"}, {"quorum", 2}, {"healthy_servers", 1}, {"has_quorum", false},
               {"real_servers", {{{"address", "198.51.100.12:80"}, {"state", "unhealthy"}}}}}}}};
  auto out = formatChecks(s);
  EXPECT_TRUE(contains(out, "connection refused")) << out;
  EXPECT_TRUE(contains(out, "2 (lost)")) << out;
  EXPECT_TRUE(contains(out, "198.51.100.12:80")) << out;
  EXPECT_TRUE(contains(out, "3ms")) << out;
}

TEST(FormatVirt, ListsGuestsAndBridges) {
  json s = {{"summary", "1 guest, 1 running"},
            {"guests",
             {{{"name", "node4"}, {"state", "running"}, {"desired", "running"}, {"since", "2026-11-28T06:00:00Z"},
               {"memory", 536870912}, {"vcpus", 2}, {"disk", "/v/node4.qcow2"}, {"backing_file", "/v/node.img"},
               {"macs", {"02:76:70:aa:bb:cc"}}, {"vnc_port", 5901}, {"autostart", true}, {"restarts", 1}}}},
            {"bridges", {{{"name", "br0"}, {"exists", true}, {"up", true}, {"ports", {"em1", "vnet0"}},
                          {"missing_ports", json::array()}}}}};
  auto out = formatVirt(s);
  EXPECT_TRUE(contains(out, "node4")) << out;
  EXPECT_TRUE(contains(out, "512MiB")) << out;
  EXPECT_TRUE(contains(out, "/v/node.img")) << out;
  EXPECT_TRUE(contains(out, "02:76:70:aa:bb:cc")) << out;
  EXPECT_TRUE(contains(out, "em1,vnet0")) << out;
}

}  // namespace
}  // namespace vipd::ctl

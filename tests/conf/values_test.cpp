// Values beyond the example: durations, sizes, alternatives and added keys.
#include <gtest/gtest.h>

#include "conf/load.hpp"

namespace vipd::conf {
namespace {

Config load(const std::string& text) {
  LoadResult result = loadString(text, "t.toml", LoadOptions{.check_files = false, .vnc_ports_taken = {}});
  std::string all;
  for (const auto& d : result.errors) all += d.str() + "\n";
  EXPECT_TRUE(result.errors.empty()) << all;
  return result.config.value_or(Config{});
}

TEST(ConfValues, DurationsInTheConfig) {
  struct Row {
    std::string text;
    Duration want;
  };
  const Row rows[] = {{"10ms", 10ms}, {"1.5s", 1500ms}, {"2m", 2min}, {"1h", 1h}, {"0s", 0s}};
  for (const Row& row : rows) {
    Config c = load("[ipvs]\ndrain_timeout = \"" + row.text + "\"\n");
    EXPECT_EQ(c.ipvs.drain_timeout, row.want) << row.text;
  }
  Config c = load(
      "[[vrrp.instance]]\nname = \"A\"\ninterface = \"eth0\"\nvrid = 1\nadvert_interval = \"40.95s\"\n"
      "preempt_delay = \"1.5s\"\ngarp_interval = \"20ms\"\nvirtual_addresses = [\"198.51.100.1/24\"]\n");
  EXPECT_EQ(c.vrrp_instances[0].advert_interval, 40950ms);
  EXPECT_EQ(c.vrrp_instances[0].preempt_delay, 1500ms);
  EXPECT_EQ(c.vrrp_instances[0].garp_interval, 20ms);
}

TEST(ConfValues, SizesInTheConfig) {
  struct Row {
    std::string text;
    uint64_t want;
  };
  const Row rows[] = {{"512MiB", 512ull << 20}, {"2GiB", 2ull << 30}, {"1GB", 1'000'000'000}, {"4096KiB", 4ull << 20}};
  for (const Row& row : rows) {
    Config c = load("[[virt.guest]]\nname = \"g\"\nmemory = \"" + row.text + "\"\n");
    EXPECT_EQ(c.virt.guests[0].memory, row.want) << row.text;
  }
}

TEST(ConfValues, FwmarkServiceWithFamily) {
  Config c = load("[[ipvs.service]]\nname = \"m\"\nfwmark = 42\nfamily = \"inet6\"\nprotocol = \"udp\"\n");
  const IpvsService& s = c.ipvs.services[0];
  EXPECT_FALSE(s.address);
  EXPECT_EQ(s.fwmark, 42u);
  EXPECT_EQ(s.family, Family::v6);
  EXPECT_EQ(s.protocol, Protocol::udp);
  Config d = load("[[ipvs.service]]\nname = \"m\"\nfwmark = 42\n");
  EXPECT_EQ(d.ipvs.services[0].family, Family::v4);
  Config e = load("[[ipvs.service]]\nname = \"v6\"\naddress = \"[2001:db8::1]:443\"\n");
  EXPECT_EQ(e.ipvs.services[0].family, Family::v6);
  EXPECT_EQ(e.ipvs.services[0].address->port, 443);
}

TEST(ConfValues, ChecksAsTableArrayAndOverride) {
  Config c = load(
      "[[ipvs.service]]\nname = \"w\"\naddress = \"198.51.100.1:80\"\n"
      "[[ipvs.service.check]]\ntype = \"tcp\"\n"
      "[[ipvs.service.check]]\ntype = \"http\"\npath = \"/health\"\nexpect_status = [200, 204]\n"
      "expect_body = \"^ok\"\nexpect_body_regex = true\ntls = true\nsni = \"www\"\nhost = \"www\"\n"
      "digest = \"md5:0123456789abcdef0123456789abcdef\"\nwarmup = \"3s\"\nconnect_port = 8080\n"
      "initial_state = \"down\"\n"
      "[[ipvs.service.real_server]]\naddress = \"198.51.100.5:80\"\ncheck = []\n"
      "[[ipvs.service.real_server]]\naddress = \"198.51.100.6:80\"\n"
      "[ipvs.service.real_server.check]\ntype = \"script\"\ncommand = [\"/bin/check\", \"arg\"]\n"
      "[[ipvs.service.real_server]]\naddress = \"198.51.100.7:80\"\n");
  const IpvsService& s = c.ipvs.services[0];
  ASSERT_EQ(s.checks.size(), 2u);
  EXPECT_EQ(s.checks[0].type, CheckType::tcp);
  EXPECT_EQ(s.checks[0].fall, 3);
  const HealthCheck& http = s.checks[1];
  EXPECT_EQ(http.type, CheckType::http);
  EXPECT_EQ(http.path, "/health");
  EXPECT_EQ(http.expect_status, (std::vector<int>{200, 204}));
  EXPECT_EQ(http.expect_body, "^ok");
  EXPECT_TRUE(http.expect_body_regex);
  EXPECT_TRUE(http.tls);
  EXPECT_EQ(http.sni, "www");
  EXPECT_EQ(http.host, "www");
  EXPECT_EQ(http.digest, "md5:0123456789abcdef0123456789abcdef");
  EXPECT_EQ(http.warmup, 3s);
  EXPECT_TRUE(http.initial_down);
  EXPECT_FALSE(s.checks[0].initial_down);  // default "up"
  EXPECT_EQ(http.connect_port, 8080);
  EXPECT_TRUE(http.keepalive);        // default
  EXPECT_TRUE(s.checks[0].half_open);  // default
  ASSERT_EQ(s.real_servers.size(), 3u);
  ASSERT_TRUE(s.real_servers[0].checks);
  EXPECT_TRUE(s.real_servers[0].checks->empty());
  ASSERT_TRUE(s.real_servers[1].checks);
  ASSERT_EQ(s.real_servers[1].checks->size(), 1u);
  EXPECT_EQ((*s.real_servers[1].checks)[0].command, (std::vector<std::string>{"/bin/check", "arg"}));
  EXPECT_FALSE(s.real_servers[2].checks);
}

TEST(ConfValues, CheckConnectionKeys) {
  auto check = [](const std::string& keys) {
    return load("[[ipvs.service]]\nname = \"w\"\naddress = \"198.51.100.1:80\"\n[ipvs.service.check]\n" + keys)
        .ipvs.services[0]
        .checks[0];
  };
  EXPECT_FALSE(check("handshake = \"full\"\n").half_open);
  EXPECT_FALSE(check("close = \"graceful\"\n").half_open);  // a graceful close implies a full handshake
  EXPECT_TRUE(check("handshake = \"half-open\"\n").half_open);
  EXPECT_FALSE(check("type = \"http\"\nkeepalive = false\n").keepalive);
}

TEST(ConfValues, ServiceAddedKeys) {
  Config c = load(
      "[ipvs]\ntimeout_tcp = \"15m\"\ntimeout_udp = \"5m\"\n"
      "[[ipvs.service]]\nname = \"w\"\naddress = \"198.51.100.1:80\"\nscheduler = \"mh\"\n"
      "scheduler_flags = [\"fallback\", \"port\"]\npersistence = \"5m\"\npersistence_netmask = \"255.255.255.0\"\n"
      "sorry_server = \"198.51.100.9:80\"\nquorum = 0\n"
      "[[ipvs.service.real_server]]\naddress = \"198.51.100.5:80\"\nforwarding = \"nat\"\nweight = 0\n"
      "upper_threshold = 100\nlower_threshold = 50\n");
  EXPECT_EQ(c.ipvs.timeout_tcp, Duration(15min));
  EXPECT_FALSE(c.ipvs.timeout_tcpfin);
  EXPECT_EQ(c.ipvs.timeout_udp, Duration(5min));
  const IpvsService& s = c.ipvs.services[0];
  EXPECT_EQ(s.scheduler_flags, (std::vector<std::string>{"fallback", "port"}));
  EXPECT_EQ(s.persistence, 5min);
  EXPECT_EQ(s.persistence_netmask, IpAddress::parse("255.255.255.0"));
  EXPECT_EQ(s.sorry_server, Endpoint::parse("198.51.100.9:80"));
  EXPECT_EQ(s.sorry_server_text, "198.51.100.9:80");
  EXPECT_EQ(s.quorum, 0);
  EXPECT_EQ(s.real_servers[0].forwarding, Forwarding::nat);
  EXPECT_EQ(s.real_servers[0].weight, 0);
  EXPECT_EQ(s.real_servers[0].upper_threshold, 100u);
  EXPECT_EQ(s.real_servers[0].lower_threshold, 50u);
}

TEST(ConfValues, IpvsSysctls) {
  Config unset = load("[ipvs]\n");
  EXPECT_FALSE(unset.ipvs.expire_nodest_conn);
  EXPECT_FALSE(unset.ipvs.sloppy_tcp);
  EXPECT_FALSE(unset.ipvs.expire_quiescent_template);
  EXPECT_FALSE(unset.ipvs.conn_reuse_mode);
  Config c = load(
      "[ipvs]\nexpire_nodest_conn = true\nsloppy_tcp = false\nexpire_quiescent_template = true\n"
      "conn_reuse_mode = 0\n");
  EXPECT_EQ(c.ipvs.expire_nodest_conn, true);
  EXPECT_EQ(c.ipvs.sloppy_tcp, false);
  EXPECT_EQ(c.ipvs.expire_quiescent_template, true);
  EXPECT_EQ(c.ipvs.conn_reuse_mode, 0);
  EXPECT_FALSE(unset.ipvs.drop_untranslated_replies);
  EXPECT_TRUE(load("[ipvs]\ndrop_untranslated_replies = true\n").ipvs.drop_untranslated_replies);
}

TEST(ConfValues, VncAndState) {
  Config c = load(
      "[[virt.guest]]\nname = \"a\"\nvnc = 5901\nstate = \"stopped\"\nautostart = false\n"
      "kernel = \"/boot/vmlinuz\"\ncmdline = \"console=ttyS0\"\n"
      "[[virt.guest]]\nname = \"b\"\nvnc = \"off\"\n"
      "[[virt.guest]]\nname = \"c\"\n");
  const auto& g = c.virt.guests;
  EXPECT_EQ(g[0].vnc_port, 5901);
  EXPECT_FALSE(g[0].vnc_auto);
  EXPECT_FALSE(g[0].running);
  EXPECT_FALSE(g[0].autostart);
  EXPECT_EQ(g[0].cmdline, "console=ttyS0");
  EXPECT_FALSE(g[1].vnc_port);
  EXPECT_FALSE(g[1].vnc_auto);
  EXPECT_TRUE(g[2].vnc_auto);
  EXPECT_TRUE(g[2].running);
}

TEST(ConfValues, VrrpV2AndIpv6Instances) {
  Config c = load(
      "[[vrrp.instance]]\nname = \"A\"\ninterface = \"eth0\"\nvrid = 1\nversion = 2\nadvert_interval = \"3s\"\n"
      "auth_pass = \"12345678\"\nvirtual_addresses = [\"198.51.100.1/24\", \"198.51.100.2\"]\n"
      "unicast_peers = [\"198.51.100.3\"]\n"
      "[[vrrp.instance]]\nname = \"B\"\ninterface = \"eth0\"\nvrid = 1\n"
      "virtual_addresses = [\"2001:db8::1/64\"]\nsource_address = \"fe80::1\"\n");
  const auto& i = c.vrrp_instances;
  EXPECT_EQ(i[0].version, 2);
  EXPECT_EQ(i[0].advert_interval, 3s);
  EXPECT_EQ(i[0].auth_pass, "12345678");
  EXPECT_EQ(i[0].virtual_addresses[1].length, 32);
  EXPECT_EQ(i[0].unicast_peers.size(), 1u);
  EXPECT_EQ(i[1].family(), Family::v6);  // same vrid and interface, other family: allowed
}

TEST(ConfValues, InstanceTracksAServiceQuorum) {
  Config c = load(
      "[[vrrp.instance]]\nname = \"A\"\ninterface = \"eth0\"\nvrid = 1\nvirtual_addresses = [\"198.51.100.1/24\"]\n"
      "track_services = [\"web\"]\ntrack_services_weight = -50\n"
      "[[ipvs.service]]\nname = \"web\"\naddress = \"198.51.100.1:80\"\n");
  EXPECT_EQ(c.vrrp_instances[0].track_services, std::vector<std::string>{"web"});
  EXPECT_EQ(c.vrrp_instances[0].track_services_weight, -50);
}

}  // namespace
}  // namespace vipd::conf

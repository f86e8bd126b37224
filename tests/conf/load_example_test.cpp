#include <gtest/gtest.h>
#include <unistd.h>

#include <climits>
#include <filesystem>

#include "conf/load.hpp"

namespace vipd::conf {
namespace {

std::string errorsOf(const LoadResult& result) {
  std::string text;
  for (const auto& d : result.errors) text += d.str() + "\n";
  return text;
}

Config loadExample(const std::string& path) {
  LoadResult result = loadFile(path, LoadOptions{.check_files = false, .vnc_ports_taken = {}});
  EXPECT_TRUE(result.errors.empty()) << errorsOf(result);
  return result.config.value_or(Config{});
}

TEST(LoadExample, GlobalAndVrrp) {
  Config c = loadExample(VIPD_EXAMPLE_FIXTURE);
  EXPECT_EQ(c.path, VIPD_EXAMPLE_FIXTURE);
  EXPECT_EQ(c.global.router_id, "lb1");
  EXPECT_EQ(c.global.control_socket, "/run/vipd/vipd.sock");
  EXPECT_EQ(c.global.script_user, "nobody");
  EXPECT_FALSE(c.global.metrics_listen);

  ASSERT_EQ(c.vrrp_scripts.size(), 1u);
  const VrrpScript& s = c.vrrp_scripts[0];
  EXPECT_EQ(s.name, "check_nginx");
  EXPECT_EQ(s.command, std::vector<std::string>{"/etc/vipd/check_nginx.sh"});
  EXPECT_EQ(s.interval, 2s);
  EXPECT_EQ(s.timeout, 1s);
  EXPECT_EQ(s.rise, 2);
  EXPECT_EQ(s.fall, 2);
  EXPECT_EQ(s.weight, -20);

  ASSERT_EQ(c.vrrp_instances.size(), 1u);
  const VrrpInstance& i = c.vrrp_instances[0];
  EXPECT_EQ(i.name, "VI_1");
  EXPECT_EQ(i.interface, "eth0");
  EXPECT_EQ(i.vrid, 51);
  EXPECT_EQ(i.priority, 100);
  EXPECT_EQ(i.version, 3);
  EXPECT_EQ(i.advert_interval, 1s);
  EXPECT_TRUE(i.preempt);
  EXPECT_EQ(i.preempt_delay, 0s);
  EXPECT_FALSE(i.accept);
  EXPECT_EQ(i.source_address, IpAddress::parse("192.168.12.4"));
  EXPECT_TRUE(i.unicast_peers.empty());
  EXPECT_EQ(i.auth_pass, "");
  ASSERT_EQ(i.virtual_addresses.size(), 1u);
  EXPECT_EQ(i.virtual_addresses[0].str(), "192.168.12.100/24");
  EXPECT_EQ(i.track_scripts, std::vector<std::string>{"check_nginx"});
  EXPECT_EQ(i.notify, "");
  EXPECT_EQ(i.garp_count, 5);

  ASSERT_EQ(c.sync_groups.size(), 1u);
  EXPECT_EQ(c.sync_groups[0].name, "G1");
  EXPECT_EQ(c.sync_groups[0].instances, std::vector<std::string>{"VI_1"});
}

TEST(LoadExample, Ipvs) {
  Config c = loadExample(VIPD_EXAMPLE_FIXTURE);
  EXPECT_FALSE(c.ipvs.flush_on_stop);
  EXPECT_EQ(c.ipvs.drain_timeout, 5min);
  ASSERT_EQ(c.ipvs.services.size(), 1u);
  const IpvsService& s = c.ipvs.services[0];
  EXPECT_EQ(s.name, "web");
  EXPECT_EQ(s.address, Endpoint::parse("192.168.1.200:80"));
  EXPECT_FALSE(s.fwmark);
  EXPECT_EQ(s.family, Family::v4);
  EXPECT_EQ(s.protocol, Protocol::tcp);
  EXPECT_EQ(s.scheduler, "wlc");
  EXPECT_EQ(s.forwarding, Forwarding::dr);
  EXPECT_EQ(s.persistence, 0s);
  EXPECT_FALSE(s.sorry_server);
  EXPECT_EQ(s.quorum, 1);
  EXPECT_FALSE(s.inhibit_on_failure);
  ASSERT_EQ(s.checks.size(), 1u);
  EXPECT_EQ(s.checks[0].type, CheckType::http);
  EXPECT_EQ(s.checks[0].path, "/");
  EXPECT_EQ(s.checks[0].expect_status, std::vector<int>{200});
  EXPECT_EQ(s.checks[0].interval, 2s);
  EXPECT_EQ(s.checks[0].timeout, 1s);
  EXPECT_EQ(s.checks[0].rise, 2);
  EXPECT_EQ(s.checks[0].fall, 3);
  ASSERT_EQ(s.real_servers.size(), 3u);
  EXPECT_EQ(s.real_servers[0].address, Endpoint::parse("192.168.1.137:80"));
  EXPECT_EQ(s.real_servers[1].address, Endpoint::parse("192.168.1.138:80"));
  EXPECT_EQ(s.real_servers[2].weight, 1);
  EXPECT_FALSE(s.real_servers[0].checks);
  EXPECT_EQ(s.real_servers[2].guest, "node4");
  EXPECT_EQ(s.real_servers[2].restart_after, Duration(5min));
  ASSERT_TRUE(c.ipvs.sync);
  EXPECT_EQ(c.ipvs.sync->interface, "eth1");
  EXPECT_EQ(c.ipvs.sync->sync_id, 51);
  EXPECT_EQ(c.ipvs.sync->follow_instance, "VI_1");
}

TEST(LoadExample, Virt) {
  Config c = loadExample(VIPD_EXAMPLE_FIXTURE);
  EXPECT_EQ(c.virt.uri, "qemu:///system");
  ASSERT_EQ(c.virt.bridges.size(), 1u);
  EXPECT_EQ(c.virt.bridges[0].name, "br0");
  EXPECT_EQ(c.virt.bridges[0].ports, std::vector<std::string>{"em1"});
  ASSERT_EQ(c.virt.guests.size(), 1u);
  const VirtGuest& g = c.virt.guests[0];
  EXPECT_EQ(g.name, "node4");
  EXPECT_EQ(g.base_image, "/virhost/kvm_node/node.img");
  EXPECT_EQ(g.disk, "/virhost/kvm_node/node4.qcow2");
  EXPECT_EQ(g.memory, 512ull << 20);
  EXPECT_EQ(g.vcpus, 2);
  EXPECT_EQ(g.bridges, std::vector<std::string>{"br0"});
  EXPECT_TRUE(g.vnc_auto);
  EXPECT_FALSE(g.vnc_port);
  EXPECT_TRUE(g.autostart);
  EXPECT_TRUE(g.running);
  EXPECT_EQ(g.kernel, "");
}

TEST(LoadExample, SharedSpecCopyLoadsToo) {
  if (!std::filesystem::exists(VIPD_SHARED_EXAMPLE)) GTEST_SKIP() << "no " << VIPD_SHARED_EXAMPLE;
  Config shared = loadExample(VIPD_SHARED_EXAMPLE);
  EXPECT_EQ(shared.vrrp_instances.size(), 1u);
  EXPECT_EQ(shared.ipvs.services.size(), 1u);
}

TEST(LoadExample, ExampleScriptsAreCheckedOnDisk) {
  LoadResult result = loadFile(VIPD_EXAMPLE_FIXTURE);
  ASSERT_FALSE(std::filesystem::exists("/etc/vipd/check_nginx.sh"));
  ASSERT_EQ(result.errors.size(), 1u) << errorsOf(result);
  EXPECT_EQ(result.errors[0].key_path, "vrrp.script[0].command[0]");
  EXPECT_EQ(result.errors[0].line, 25);
  EXPECT_FALSE(result.config);
}

TEST(LoadExample, ConfExamplesLoad) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(VIPD_CONF_EXAMPLES)) {
    if (entry.path().extension() != ".toml") continue;
    SCOPED_TRACE(entry.path().string());
    Config c = loadExample(entry.path().string());
    EXPECT_FALSE(c.vrrp_instances.empty());
    ++count;
  }
  EXPECT_GE(count, 3);
}

TEST(LoadFile, MissingFileIsOneDiagnostic) {
  LoadResult result = loadFile("/nonexistent/vipd.toml");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].str(), "/nonexistent/vipd.toml:1:1: (file): cannot read: No such file or directory");
  EXPECT_FALSE(result.config);
}

TEST(LoadString, SyntaxErrorHasLocation) {
  LoadResult result = loadString("[global]\nrouter_id = \"a\"\nscript_user = \n", "x.toml");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].key_path, "(syntax)");
  EXPECT_EQ(result.errors[0].line, 3);
  EXPECT_EQ(result.errors[0].file, "x.toml");
}

TEST(LoadString, EmptyFileGivesDefaultsAndHostname) {
  LoadResult result = loadString("", "empty.toml");
  ASSERT_TRUE(result.config) << errorsOf(result);
  char host[HOST_NAME_MAX + 1] = {};
  ASSERT_EQ(gethostname(host, sizeof host - 1), 0);
  EXPECT_EQ(result.config->global.router_id, host);
  EXPECT_EQ(result.config->global.control_socket, "/run/vipd/vipd.sock");
  EXPECT_TRUE(result.config->vrrp_instances.empty());
  EXPECT_EQ(result.config->virt.uri, "qemu:///system");
}

TEST(LoadString, ReloadComparisonSeesOneChange) {
  std::string text =
      "[[vrrp.instance]]\nname = \"a\"\ninterface = \"eth0\"\nvrid = 1\n"
      "virtual_addresses = [\"198.51.100.1/24\"]\n";
  auto a = loadString(text, "a.toml");
  auto b = loadString(text, "a.toml");
  auto c = loadString(text + "priority = 200\n", "a.toml");
  ASSERT_TRUE(a.config && b.config && c.config);
  EXPECT_EQ(*a.config, *b.config);
  EXPECT_NE(a.config->vrrp_instances, c.config->vrrp_instances);
  EXPECT_EQ(a.config->global, c.config->global);
}

}  // namespace
}  // namespace vipd::conf

// One row per kind of validation error: the exact location, key path and message.
#include <gtest/gtest.h>

#include "conf/load.hpp"

namespace vipd::conf {
namespace {

struct Row {
  const char* name;
  std::string text;
  std::string path;
  int line;
  int column;
  std::string message;  // a part of the message
};

std::ostream& operator<<(std::ostream& os, const Row& row) { return os << row.name; }

// An instance with everything required but vrid; `rest` starts at line 5.
std::string instance(const std::string& rest) {
  return "[[vrrp.instance]]\nname = \"VI_1\"\ninterface = \"eth0\"\nvirtual_addresses = [\"198.51.100.10/24\"]\n" +
         rest;
}
// A service with a name and an address; `rest` starts at line 4.
std::string service(const std::string& rest, const std::string& name = "web",
                    const std::string& address = "198.51.100.1:80") {
  return "[[ipvs.service]]\nname = \"" + name + "\"\naddress = \"" + address + "\"\n" + rest;
}
// A script with a name and command; `rest` starts at line 4.
std::string script(const std::string& rest, const std::string& name = "s") {
  return "[[vrrp.script]]\nname = \"" + name + "\"\ncommand = [\"/bin/true\"]\n" + rest;
}
std::string guest(const std::string& rest, const std::string& name = "g") {
  return "[[virt.guest]]\nname = \"" + name + "\"\n" + rest;
}

const Row kRows[] = {
    // Structure and types.
    {"UnknownKey", "[global]\nrouter = \"x\"\n", "global.router", 2, 1, "unknown key"},
    {"UnknownTable", "[vrrp.bogus]\nx = 1\n", "vrrp.bogus", 1, 7, "unknown table"},
    {"UnknownTopLevel", "colour = 1\n", "colour", 1, 1, "unknown key"},
    {"WrongType", instance("vrid = 1\npriority = \"high\"\n"), "vrrp.instance[0].priority", 6, 12,
     "expected an integer, got a string"},
    {"WrongTypeInArray", instance("vrid = 1\ntrack_interfaces = [\"eth1\", 2]\n"),
     "vrrp.instance[0].track_interfaces[1]", 6, 29, "expected a string, got an integer"},
    {"NotArrayOfTables", "[vrrp]\ninstance = 3\n", "vrrp.instance", 2, 12, "expected an array of tables"},
    {"MissingRequired", instance(""), "vrrp.instance[0].vrid", 1, 1, "missing required key 'vrid'"},
    {"MalformedDuration", script("interval = \"2 s\"\n"), "vrrp.script[0].interval", 4, 12, "malformed duration"},
    {"MalformedSize", guest("memory = \"lots\"\n"), "virt.guest[0].memory", 3, 10, "malformed size"},
    {"MalformedEndpoint", "[global]\nmetrics_listen = \"localhost\"\n", "global.metrics_listen", 2, 18,
     "malformed endpoint"},
    // VRRP instances.
    {"VridRange", instance("vrid = 0\n"), "vrrp.instance[0].vrid", 5, 8, "must be in 1..255, got 0"},
    {"PriorityRange", instance("vrid = 1\npriority = 256\n"), "vrrp.instance[0].priority", 6, 12, "1..255"},
    {"Version", instance("vrid = 1\nversion = 4\n"), "vrrp.instance[0].version", 6, 11, "2..3"},
    {"V2IntervalWholeSeconds", instance("vrid = 1\nversion = 2\nadvert_interval = \"1500ms\"\n"),
     "vrrp.instance[0].advert_interval", 7, 19, "whole seconds"},
    {"V3IntervalStep", instance("vrid = 1\nadvert_interval = \"15ms\"\n"), "vrrp.instance[0].advert_interval", 6, 19,
     "multiple of 10ms"},
    {"V3IntervalTooLong", instance("vrid = 1\nadvert_interval = \"41s\"\n"), "vrrp.instance[0].advert_interval", 6, 19,
     "40.95s"},
    {"V3IntervalZero", instance("vrid = 1\nadvert_interval = \"0s\"\n"), "vrrp.instance[0].advert_interval", 6, 19,
     "10ms..40.95s"},
    {"AuthPassNeedsV2", instance("vrid = 1\nauth_pass = \"secret\"\n"), "vrrp.instance[0].auth_pass", 6, 13,
     "only for version = 2"},
    {"AuthPassTooLong", instance("vrid = 1\nversion = 2\nauth_pass = \"123456789\"\n"), "vrrp.instance[0].auth_pass", 7,
     13, "longer than 8"},
    {"MixedFamilies",
     "[[vrrp.instance]]\nname = \"A\"\ninterface = \"eth0\"\nvrid = 1\n"
     "virtual_addresses = [\"198.51.100.10/24\", \"2001:db8::1/64\"]\n",
     "vrrp.instance[0].virtual_addresses[1]", 5, 42, "mixes address families"},
    {"PeerFamily", instance("vrid = 1\nunicast_peers = [\"2001:db8::2\"]\n"), "vrrp.instance[0].unicast_peers[0]", 6,
     18, "is not IPv4"},
    {"SourceFamily", instance("vrid = 1\nsource_address = \"2001:db8::2\"\n"), "vrrp.instance[0].source_address", 6, 18,
     "is not IPv4"},
    {"V2IsIpv4Only",
     "[[vrrp.instance]]\nname = \"A\"\ninterface = \"eth0\"\nvrid = 1\nversion = 2\n"
     "virtual_addresses = [\"2001:db8::1/64\"]\n",
     "vrrp.instance[0].version", 5, 11, "IPv4 only"},
    {"MalformedCidr",
     "[[vrrp.instance]]\nname = \"A\"\ninterface = \"eth0\"\nvrid = 1\nvirtual_addresses = [\"198.51.100.10/33\"]\n",
     "vrrp.instance[0].virtual_addresses[0]", 5, 22, "malformed address or CIDR"},
    {"MalformedAddress", instance("vrid = 1\nsource_address = \"300.1.1.1\"\n"), "vrrp.instance[0].source_address", 6,
     18, "malformed IP address"},
    {"GarpCount", instance("vrid = 1\ngarp_count = 101\n"), "vrrp.instance[0].garp_count", 6, 14, "0..100"},
    {"DuplicateInstanceName", instance("vrid = 1\n") + instance("vrid = 2\n"), "vrrp.instance[1].name", 7, 8,
     "duplicate instance name (first at line 2)"},
    {"DuplicateVrid",
     instance("vrid = 1\n") + "[[vrrp.instance]]\nname = \"B\"\ninterface = \"eth0\"\nvrid = 1\n"
                              "virtual_addresses = [\"198.51.100.20/24\"]\n",
     "vrrp.instance[1].vrid", 9, 8, "duplicate vrid on this interface and address family"},
    {"DanglingTrackScript", instance("vrid = 1\ntrack_scripts = [\"nope\"]\n"), "vrrp.instance[0].track_scripts[0]", 6,
     18, "no [[vrrp.script]] is named 'nope'"},
    {"DanglingTrackService", instance("vrid = 1\ntrack_services = [\"nope\"]\n"),
     "vrrp.instance[0].track_services[0]", 6, 19, "no [[ipvs.service]] is named 'nope'"},
    {"TrackServicesWeightPositive", instance("vrid = 1\ntrack_services_weight = 10\n"),
     "vrrp.instance[0].track_services_weight", 6, 25, "-254..0"},
    // VRRP scripts and sync groups.
    {"ScriptWeight", script("weight = 300\n"), "vrrp.script[0].weight", 4, 10, "-254..254"},
    {"ScriptRise", script("rise = 0\n"), "vrrp.script[0].rise", 4, 8, "must be in 1.."},
    {"ScriptTimeoutAboveInterval", script("interval = \"1s\"\ntimeout = \"2s\"\n"), "vrrp.script[0].timeout", 5, 11,
     "must not exceed interval (1s)"},
    {"ScriptEmptyCommand", "[[vrrp.script]]\nname = \"s\"\ncommand = []\n", "vrrp.script[0].command", 3, 11,
     "must not be empty"},
    {"ScriptRelativePath", "[[vrrp.script]]\nname = \"s\"\ncommand = [\"check.sh\"]\n", "vrrp.script[0].command[0]", 3,
     12, "is relative"},
    {"DuplicateScript", script("") + script(""), "vrrp.script[1].name", 5, 8, "duplicate script name"},
    {"DanglingSyncMember", "[[vrrp.sync_group]]\nname = \"G\"\ninstances = [\"VI_9\"]\n",
     "vrrp.sync_group[0].instances[0]", 3, 14, "no [[vrrp.instance]] is named 'VI_9'"},
    {"InstanceInTwoGroups",
     instance("vrid = 1\n") + "[[vrrp.sync_group]]\nname = \"G\"\ninstances = [\"VI_1\"]\n"
                              "[[vrrp.sync_group]]\nname = \"H\"\ninstances = [\"VI_1\"]\n",
     "vrrp.sync_group[1].instances[0]", 11, 14, "already in sync group 'G'"},
    // IPVS services.
    {"Protocol", service("protocol = \"icmp\"\n"), "ipvs.service[0].protocol", 4, 12, "unknown value 'icmp'"},
    {"Scheduler", service("scheduler = \"random\"\n"), "ipvs.service[0].scheduler", 4, 13, "unknown value 'random'"},
    {"Forwarding", service("forwarding = \"gre\"\n"), "ipvs.service[0].forwarding", 4, 14, "unknown value 'gre'"},
    {"SchedulerFlagsNeedHashing", service("scheduler_flags = [\"port\"]\n"), "ipvs.service[0].scheduler_flags", 4, 19,
     "only for scheduler \"sh\" or \"mh\""},
    {"SchedulerFlagUnknown", service("scheduler = \"sh\"\nscheduler_flags = [\"fast\"]\n"),
     "ipvs.service[0].scheduler_flags[0]", 5, 20, "unknown flag 'fast'"},
    {"Quorum", service("quorum = -1\n"), "ipvs.service[0].quorum", 4, 10, "must be in 0.."},
    {"ServicePortZero", service("", "web", "198.51.100.1:0"), "ipvs.service[0].address", 3, 11,
     "port must be in 1..65535"},
    {"AddressAndFwmark", service("fwmark = 5\n"), "ipvs.service[0].fwmark", 4, 10, "either address or fwmark"},
    {"NoAddressNorFwmark", "[[ipvs.service]]\nname = \"web\"\n", "ipvs.service[0].address", 1, 1,
     "missing required key 'address'"},
    {"DuplicateServiceAddress", service("") + service("", "web2"), "ipvs.service[1].address", 6, 11,
     "duplicate service address and protocol"},
    {"DuplicateFwmark",
     "[[ipvs.service]]\nname = \"a\"\nfwmark = 7\n[[ipvs.service]]\nname = \"b\"\nfwmark = 7\nfamily = \"inet\"\n",
     "ipvs.service[1].fwmark", 6, 10, "duplicate service fwmark and family"},
    {"DuplicateServiceName", service("") + service("", "web", "198.51.100.2:80"), "ipvs.service[1].name", 5, 8,
     "duplicate service name"},
    {"RealServerWeight", service("[[ipvs.service.real_server]]\naddress = \"198.51.100.5:80\"\nweight = 70000\n"),
     "ipvs.service[0].real_server[0].weight", 6, 10, "0..65535"},
    {"RealServerMissingAddress", service("[[ipvs.service.real_server]]\nweight = 1\n"),
     "ipvs.service[0].real_server[0].address", 4, 1, "missing required key 'address'"},
    {"DuplicateRealServer",
     service("[[ipvs.service.real_server]]\naddress = \"198.51.100.5:80\"\n"
             "[[ipvs.service.real_server]]\naddress = \"198.51.100.5:80\"\n"),
     "ipvs.service[0].real_server[1].address", 7, 11, "duplicate real server address"},
    {"DanglingGuest", service("[[ipvs.service.real_server]]\naddress = \"198.51.100.5:80\"\nguest = \"vm9\"\n"),
     "ipvs.service[0].real_server[0].guest", 6, 9, "no [[virt.guest]] is named 'vm9'"},
    {"SyncId", "[ipvs.sync]\ninterface = \"eth1\"\nsync_id = 256\n", "ipvs.sync.sync_id", 3, 11, "0..255"},
    {"DanglingFollowInstance", "[ipvs.sync]\ninterface = \"eth1\"\nfollow_instance = \"VI_7\"\n",
     "ipvs.sync.follow_instance", 3, 19, "no [[vrrp.instance]] is named 'VI_7'"},
    // Health checks.
    {"CheckType", service("[ipvs.service.check]\ntype = \"ping\"\n"), "ipvs.service[0].check.type", 5, 8,
     "unknown value 'ping'"},
    {"ExpectStatus", service("[ipvs.service.check]\ntype = \"http\"\nexpect_status = [200, 700]\n"),
     "ipvs.service[0].check.expect_status[1]", 6, 23, "100..599"},
    {"CheckTimeoutAboveInterval", service("[ipvs.service.check]\ninterval = \"1s\"\ntimeout = \"3s\"\n"),
     "ipvs.service[0].check.timeout", 6, 11, "must not exceed interval (1s)"},
    {"HttpOptionOnTcpCheck", service("[ipvs.service.check]\ntype = \"tcp\"\npath = \"/x\"\n"),
     "ipvs.service[0].check.path", 6, 8, "only for type = \"http\""},
    {"HandshakeOnHttpCheck", service("[ipvs.service.check]\ntype = \"http\"\nhandshake = \"full\"\n"),
     "ipvs.service[0].check.handshake", 6, 13, "only for type = \"tcp\""},
    {"GracefulHalfOpen", service("[ipvs.service.check]\nhandshake = \"half-open\"\nclose = \"graceful\"\n"),
     "ipvs.service[0].check.close", 6, 9, "needs handshake = \"full\""},
    {"ScriptCheckWithoutCommand", service("[ipvs.service.check]\ntype = \"script\"\n"), "ipvs.service[0].check.command",
     4, 1, "missing required key 'command'"},
    {"SecondCheckInArray",
     service("[[ipvs.service.check]]\ntype = \"tcp\"\n[[ipvs.service.check]]\ntype = \"http\"\nrise = 0\n"),
     "ipvs.service[0].check[1].rise", 8, 8, "must be in 1.."},
    {"RealServerCheckOverride",
     service("[[ipvs.service.real_server]]\naddress = \"198.51.100.5:80\"\n"
             "[ipvs.service.real_server.check]\nconnect_port = 0\n"),
     "ipvs.service[0].real_server[0].check.connect_port", 7, 16, "1..65535"},
    {"BadRegex", service("[ipvs.service.check]\ntype = \"http\"\nexpect_body = \"(\"\nexpect_body_regex = true\n"),
     "ipvs.service[0].check.expect_body", 6, 15, "invalid regular expression"},
    {"BadDigest", service("[ipvs.service.check]\ntype = \"http\"\ndigest = \"sha1:abcd\"\n"),
     "ipvs.service[0].check.digest", 6, 10, "sha256:HEX"},
    {"CommandOnHttpCheck", service("[ipvs.service.check]\ntype = \"http\"\ncommand = [\"/bin/true\"]\n"),
     "ipvs.service[0].check.command", 6, 11, "only for type = \"script\""},
    {"ScriptCheckEmptyCommand", service("[ipvs.service.check]\ntype = \"script\"\ncommand = []\n"),
     "ipvs.service[0].check.command", 6, 11, "must not be empty"},
    {"RealServerFamily", service("[[ipvs.service.real_server]]\naddress = \"[2001:db8::5]:80\"\n"),
     "ipvs.service[0].real_server[0].address", 5, 11, "another address family"},
    // A malformed address is reported once, not also as of another family.
    {"RealServerBadAddressOnV6Service",
     "[[ipvs.service]]\nname = \"v6\"\naddress = \"[2001:db8::1]:80\"\n"
     "[[ipvs.service.real_server]]\naddress = \"nowhere:80\"\n",
     "ipvs.service[0].real_server[0].address", 5, 11, "malformed endpoint"},
    {"ConnReuseMode", "[ipvs]\nconn_reuse_mode = 3\n", "ipvs.conn_reuse_mode", 2, 19, "must be in 0..2, got 3"},
    {"ExpireNodestConnNotBool", "[ipvs]\nexpire_nodest_conn = 1\n", "ipvs.expire_nodest_conn", 2, 22,
     "expected a boolean, got an integer"},
    {"SloppyTcpNotBool", "[ipvs]\nsloppy_tcp = \"yes\"\n", "ipvs.sloppy_tcp", 2, 14, "expected a boolean"},
    {"DropUntranslatedRepliesNotBool", "[ipvs]\ndrop_untranslated_replies = 1\n", "ipvs.drop_untranslated_replies", 2,
     29, "expected a boolean"},
    {"ExpireQuiescentTemplateNotBool", "[ipvs]\nexpire_quiescent_template = 0\n", "ipvs.expire_quiescent_template", 2,
     29, "expected a boolean"},
    // Virt.
    {"Vcpus", guest("vcpus = 0\n"), "virt.guest[0].vcpus", 3, 9, "must be in 1.."},
    {"VncPortRange", guest("vnc = 5800\n"), "virt.guest[0].vnc", 3, 7, "5900..65535"},
    {"VncWord", guest("vnc = \"on\"\n"), "virt.guest[0].vnc", 3, 7, "unknown value 'on'"},
    {"DuplicateVncPort", guest("vnc = 5901\n") + guest("vnc = 5901\n", "h"), "virt.guest[1].vnc", 6, 7,
     "duplicate VNC port (first at line 3)"},
    {"DuplicateGuest", guest("") + guest(""), "virt.guest[1].name", 4, 8, "duplicate guest name"},
    {"DuplicateBridge", "[[virt.bridge]]\nname = \"br0\"\n[[virt.bridge]]\nname = \"br0\"\n", "virt.bridge[1].name", 4,
     8, "duplicate bridge name"},
    {"GuestState", guest("state = \"paused\"\n"), "virt.guest[0].state", 3, 9, "unknown value 'paused'"},
};

class Validation : public testing::TestWithParam<Row> {};

TEST_P(Validation, ReportsExactlyOneErrorAtItsPlace) {
  const Row& row = GetParam();
  LoadResult result = loadString(row.text, "t.toml", LoadOptions{.check_files = false, .vnc_ports_taken = {}});
  EXPECT_FALSE(result.config);
  ASSERT_EQ(result.errors.size(), 1u) << [&] {
    std::string all;
    for (const auto& d : result.errors) all += d.str() + "\n";
    return all;
  }();
  const Diagnostic& d = result.errors[0];
  EXPECT_EQ(d.file, "t.toml");
  EXPECT_EQ(d.key_path, row.path);
  EXPECT_EQ(d.line, row.line);
  EXPECT_EQ(d.column, row.column);
  EXPECT_NE(d.message.find(row.message), std::string::npos) << d.message;
}

INSTANTIATE_TEST_SUITE_P(Conf, Validation, testing::ValuesIn(kRows),
                         [](const testing::TestParamInfo<Row>& info) { return std::string(info.param.name); });

TEST(Validation, AllErrorsAtOnce) {
  std::string text = instance("vrid = 300\n") + service("scheduler = \"random\"\n") + guest("vcpus = 0\n");
  LoadResult result = loadString(text, "t.toml", LoadOptions{.check_files = false, .vnc_ports_taken = {}});
  ASSERT_EQ(result.errors.size(), 3u);
  EXPECT_EQ(result.errors[0].str(), "t.toml:5:8: vrrp.instance[0].vrid: must be in 1..255, got 300");
  EXPECT_EQ(result.errors[1].str(),
            "t.toml:9:13: ipvs.service[0].scheduler: unknown value 'random' "
            "(expected rr | wrr | lc | wlc | sed | nq | mh | sh | dh | lblc | lblcr | fo | ovf)");
  EXPECT_EQ(result.errors[2].str(), "t.toml:12:9: virt.guest[0].vcpus: must be in 1..4096, got 0");
}

}  // namespace
}  // namespace vipd::conf

// Which NAT replies vipd drops when IPVS did not translate them, and the
// nft script for them (ipvs/nat_reply_guard.hpp).
#include "ipvs/nat_reply_guard.hpp"

#include <gtest/gtest.h>

#include "conf/load.hpp"

namespace vipd::ipvs {
namespace {

conf::Ipvs load(const std::string& text) {
  auto result = conf::loadString(text, "t.toml", conf::LoadOptions{.check_files = false, .vnc_ports_taken = {}});
  EXPECT_TRUE(result.errors.empty()) << (result.errors.empty() ? "" : result.errors.front().str());
  return result.config.value_or(conf::Config{}).ipvs;
}

const std::string kServices = R"(
[[ipvs.service]]
name = "web"
address = "203.0.113.100:80"
forwarding = "nat"
sorry_server = "198.51.100.50:8080"
real_server = [
  { address = "198.51.100.12:80" },
  { address = "198.51.100.11:80" },
  { address = "198.51.100.13:80", forwarding = "dr" },
]

[[ipvs.service]]
name = "dns"
address = "203.0.113.100:53"
protocol = "udp"
forwarding = "dr"
real_server = [ { address = "198.51.100.11:53", forwarding = "nat" }, { address = "198.51.100.12:53" } ]

[[ipvs.service]]
name = "web6"
address = "[2001:db8::100]:443"
forwarding = "nat"
real_server = [ { address = "[2001:db8:1::11]:443" } ]

[[ipvs.service]]
name = "marked"
fwmark = 7
forwarding = "nat"
real_server = [ { address = "198.51.100.22:8080" } ]
)";

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

TEST(NatReplyGuard, OffByDefault) { EXPECT_TRUE(natReplySources(load(kServices)).empty()); }

TEST(NatReplyGuard, EveryNatRealServerAndSorryServerWithItsProtocolAndPort) {
  auto sources = natReplySources(load("[ipvs]\ndrop_untranslated_replies = true\n" + kServices));
  using P = conf::Protocol;
  EXPECT_EQ(sources, (std::vector<ReplySource>{
                         {ip("198.51.100.11"), P::tcp, 80},
                         {ip("198.51.100.11"), P::udp, 53},
                         {ip("198.51.100.12"), P::tcp, 80},
                         {ip("198.51.100.22"), P::tcp, 8080},  // fwmark service
                         {ip("198.51.100.50"), P::tcp, 8080},  // sorry server of a NAT service
                         {ip("2001:db8:1::11"), P::tcp, 443},
                     }));
}

TEST(NatReplyGuard, NoSourcesOnlyRemovesTheTable) {
  EXPECT_EQ(natReplyGuardScript({}), "add table inet vipd_nat_replies\ndelete table inet vipd_nat_replies\n");
}

TEST(NatReplyGuard, ScriptDropsAfterIpvsForwardHook) {
  std::vector<ReplySource> sources{{ip("198.51.100.11"), conf::Protocol::tcp, 80},
                                   {ip("198.51.100.12"), conf::Protocol::sctp, 9}};
  EXPECT_EQ(natReplyGuardScript(sources),
            "add table inet vipd_nat_replies\n"
            "delete table inet vipd_nat_replies\n"
            "table inet vipd_nat_replies {\n"
            "  set v4 {\n"
            "    type ipv4_addr . inet_proto . inet_service\n"
            "    elements = { 198.51.100.11 . tcp . 80, 198.51.100.12 . sctp . 9 }\n"
            "  }\n"
            "  chain untranslated_replies {\n"
            "    type filter hook forward priority 200; policy accept;\n"
            "    ip saddr . meta l4proto . th sport @v4 counter drop\n"
            "  }\n"
            "}\n");
}

}  // namespace
}  // namespace vipd::ipvs

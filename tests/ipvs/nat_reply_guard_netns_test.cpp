// The nft script of ipvs/nat_reply_guard.hpp fed to the real nft in a
// network namespace of its own. Root only.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "ipvs/nat_reply_guard.hpp"

namespace vipd::ipvs {
namespace {

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

std::string shell(const std::string& command) {
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
    ::pclose(pipe);
  }
  return out;
}

// The real nft accepts the script, holds both families' sets, and the empty
// script removes the table again.
TEST(NatReplyGuardNetns, RealNftablesTakesTheScript) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root for a network namespace";
  const std::string ns = "vipd-natguard-" + std::to_string(::getpid());
  ASSERT_EQ(std::system(("ip netns add " + ns).c_str()), 0);
  struct Cleanup {
    std::string ns;
    ~Cleanup() { std::system(("ip netns del " + ns).c_str()); }
  } cleanup{ns};
  auto apply = [&](const std::string& script) {
    const std::string file = "/tmp/" + ns + ".nft";
    std::ofstream(file) << script;
    int rc = std::system(("ip netns exec " + ns + " nft -f " + file).c_str());
    std::remove(file.c_str());
    return rc;
  };
  std::vector<ReplySource> sources{{ip("198.51.100.11"), conf::Protocol::udp, 53},
                                   {ip("198.51.100.12"), conf::Protocol::tcp, 80},
                                   {ip("2001:db8:1::11"), conf::Protocol::tcp, 443}};
  ASSERT_EQ(apply(natReplyGuardScript(sources)), 0);
  ASSERT_EQ(apply(natReplyGuardScript(sources)), 0) << "replacing works too";
  std::string listed = shell("ip netns exec " + ns + " nft list table inet vipd_nat_replies 2>&1");
  EXPECT_NE(listed.find("198.51.100.11 . udp . 53"), std::string::npos) << listed;
  EXPECT_NE(listed.find("2001:db8:1::11 . tcp . 443"), std::string::npos) << listed;
  EXPECT_NE(listed.find("hook forward priority 200"), std::string::npos) << listed;
  ASSERT_EQ(apply(natReplyGuardScript({})), 0);
  EXPECT_EQ(shell("ip netns exec " + ns + " nft list tables"), "");
}

}  // namespace
}  // namespace vipd::ipvs

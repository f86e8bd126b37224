// Runs inside the test VM (tests/vm/vm-run.sh): shows that GoogleTest binaries
// run there and that the kernel answers IPVS generic netlink. Fails outside
// the VM on a kernel without IPVS, as it should.
#include <sys/socket.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>

#include <gtest/gtest.h>

namespace {

// Resolves a generic netlink family name to its id (CTRL_CMD_GETFAMILY).
std::optional<std::uint16_t> genl_family_id(const std::string& name) {
  const int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
  if (fd < 0) return std::nullopt;
  alignas(NLMSG_ALIGNTO) char buf[8192] = {};
  auto* nlh = reinterpret_cast<nlmsghdr*>(buf);
  nlh->nlmsg_type = GENL_ID_CTRL;
  nlh->nlmsg_flags = NLM_F_REQUEST;
  nlh->nlmsg_seq = 1;
  auto* genl = reinterpret_cast<genlmsghdr*>(NLMSG_DATA(nlh));
  genl->cmd = CTRL_CMD_GETFAMILY;
  genl->version = 1;
  auto* attr = reinterpret_cast<nlattr*>(reinterpret_cast<char*>(genl) + GENL_HDRLEN);
  attr->nla_type = CTRL_ATTR_FAMILY_NAME;
  attr->nla_len = static_cast<std::uint16_t>(NLA_HDRLEN + name.size() + 1);
  std::memcpy(reinterpret_cast<char*>(attr) + NLA_HDRLEN, name.c_str(), name.size() + 1);
  nlh->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN + NLA_ALIGN(attr->nla_len));
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  std::optional<std::uint16_t> id;
  if (::sendto(fd, buf, nlh->nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) >= 0) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    auto* reply = reinterpret_cast<nlmsghdr*>(buf);
    if (n > 0 && NLMSG_OK(reply, static_cast<unsigned>(n)) && reply->nlmsg_type == GENL_ID_CTRL) {
      auto* rgenl = reinterpret_cast<genlmsghdr*>(NLMSG_DATA(reply));
      int left = static_cast<int>(reply->nlmsg_len) - NLMSG_HDRLEN - GENL_HDRLEN;
      auto* a = reinterpret_cast<nlattr*>(reinterpret_cast<char*>(rgenl) + GENL_HDRLEN);
      while (left >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= left) {
        if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID) {
          std::uint16_t v;
          std::memcpy(&v, reinterpret_cast<char*>(a) + NLA_HDRLEN, sizeof v);
          id = v;
        }
        left -= NLA_ALIGN(a->nla_len);
        a = reinterpret_cast<nlattr*>(reinterpret_cast<char*>(a) + NLA_ALIGN(a->nla_len));
      }
    }
  }
  ::close(fd);
  return id;
}

TEST(VmSmoke, KernelAnswersIpvsGenericNetlink) {
  const auto id = genl_family_id("IPVS");
  ASSERT_TRUE(id.has_value()) << "no generic netlink family IPVS: not inside the VM?";
  EXPECT_GE(*id, GENL_MIN_ID);
}

TEST(VmSmoke, UnknownFamilyIsNotFound) {
  EXPECT_FALSE(genl_family_id("VIPD_NO_SUCH_FAMILY").has_value());
}

TEST(VmSmoke, ProcShowsIpvs) {
  std::ifstream in("/proc/net/ip_vs");
  std::string first;
  ASSERT_TRUE(std::getline(in, first));
  EXPECT_EQ(first.rfind("IP Virtual Server version", 0), 0u) << first;
}

TEST(VmSmoke, ScratchIsWritable) {
  const char* scratch = std::getenv("VIPD_VM_SCRATCH");
  ASSERT_NE(scratch, nullptr);
  std::ofstream out(std::string(scratch) + "/gtest-smoke.txt");
  out << "written in the VM\n";
  EXPECT_TRUE(out.good());
}

}  // namespace

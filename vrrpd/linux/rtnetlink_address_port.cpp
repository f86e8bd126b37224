#include "vrrpd/linux/rtnetlink_address_port.hpp"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

#include "vrrpd/linux/netlink_attributes.hpp"

namespace vipd::vrrp {

RtnetlinkAddressPort::RtnetlinkAddressPort() = default;

RtnetlinkAddressPort::~RtnetlinkAddressPort() {
  if (socket_) mnl_socket_close(socket_);
}

Status RtnetlinkAddressPort::open() {
  if (socket_) return Ok{};
  socket_ = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (!socket_) return Error::fromErrno(errno, "rtnetlink socket");
  if (mnl_socket_bind(socket_, 0, MNL_SOCKET_AUTOPID) < 0) {
    int err = errno;
    mnl_socket_close(socket_);
    socket_ = nullptr;
    return Error::fromErrno(err, "rtnetlink bind");
  }
  return Ok{};
}

Status RtnetlinkAddressPort::change(uint16_t type, uint16_t flags, const std::string& interface,
                                    const IpPrefix& prefix) {
  if (auto st = open(); !st) return st;
  unsigned ifindex = if_nametoindex(interface.c_str());
  if (ifindex == 0) return Error::fromErrno(errno, "interface " + interface);
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  nlh->nlmsg_seq = ++sequence_;
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = static_cast<uint8_t>(prefix.address.af());
  ifa->ifa_prefixlen = prefix.length;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = ifindex;
  auto size = static_cast<uint16_t>(prefix.address.size());
  mnl_attr_put(nlh, IFA_LOCAL, size, prefix.address.bytes.data());
  mnl_attr_put(nlh, IFA_ADDRESS, size, prefix.address.bytes.data());
  if (prefix.address.family == Family::v6 && type == RTM_NEWADDR) mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
  if (mnl_socket_sendto(socket_, nlh, nlh->nlmsg_len) < 0) return Error::fromErrno(errno, "rtnetlink send");
  ssize_t n = mnl_socket_recvfrom(socket_, buf.data(), buf.size());
  if (n < 0) return Error::fromErrno(errno, "rtnetlink receive");
  if (mnl_cb_run(buf.data(), n, nlh->nlmsg_seq, mnl_socket_get_portid(socket_), nullptr, nullptr) < 0)
    return Error::fromErrno(errno, (type == RTM_NEWADDR ? "add " : "remove ") + prefix.str() + " on " + interface);
  return Ok{};
}

Status RtnetlinkAddressPort::add(const std::string& interface, const IpPrefix& prefix) {
  auto st = change(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, interface, prefix);
  if (!st && st.error().is(std::errc::file_exists)) return Ok{};
  return st;
}

Status RtnetlinkAddressPort::remove(const std::string& interface, const IpPrefix& prefix) {
  auto st = change(RTM_DELADDR, 0, interface, prefix);
  if (!st && (st.error().is(std::errc::no_such_file_or_directory) || st.error().is(std::errc::address_not_available)))
    return Ok{};
  return st;
}

namespace {

struct ListContext {
  unsigned ifindex;
  std::vector<RtnetlinkAddressPort::Listed>* out;
};

int onAddress(const nlmsghdr* nlh, void* data) {
  auto* ctx = static_cast<ListContext*>(data);
  auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
  if (ifa->ifa_index != ctx->ifindex) return MNL_CB_OK;
  const void* local = nullptr;
  const void* address = nullptr;
  uint32_t flags = ifa->ifa_flags;
  forEachAttribute(nlh, sizeof(*ifa), [&](const nlattr* attr) {
    if (mnl_attr_get_type(attr) == IFA_LOCAL) local = mnl_attr_get_payload(attr);
    if (mnl_attr_get_type(attr) == IFA_ADDRESS) address = mnl_attr_get_payload(attr);
    if (mnl_attr_get_type(attr) == IFA_FLAGS) flags = mnl_attr_get_u32(attr);  // all of them, ifa_flags has 8
  });
  const void* chosen = local ? local : address;
  if (!chosen || (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)) return MNL_CB_OK;
  IpPrefix p;
  p.address.family = ifa->ifa_family == AF_INET ? Family::v4 : Family::v6;
  std::memcpy(p.address.bytes.data(), chosen, p.address.size());
  p.length = ifa->ifa_prefixlen;
  ctx->out->push_back({p, flags});
  return MNL_CB_OK;
}

}  // namespace

Result<std::vector<IpPrefix>> RtnetlinkAddressPort::list(const std::string& interface) {
  auto listed = dump(interface);
  if (!listed) return listed.error();
  std::vector<IpPrefix> prefixes;
  for (const auto& entry : *listed) prefixes.push_back(entry.prefix);
  return prefixes;
}

Result<bool> RtnetlinkAddressPort::tentative(const std::string& interface, const IpAddress& address) {
  auto listed = dump(interface);
  if (!listed) return listed.error();
  return std::any_of(listed->begin(), listed->end(), [&](const Listed& entry) {
    return entry.prefix.address == address && (entry.flags & IFA_F_TENTATIVE) != 0;
  });
}

Result<std::vector<RtnetlinkAddressPort::Listed>> RtnetlinkAddressPort::dump(const std::string& interface) {
  if (auto st = open(); !st) return st.error();
  unsigned ifindex = if_nametoindex(interface.c_str());
  if (ifindex == 0) return Error::fromErrno(errno, "interface " + interface);
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = RTM_GETADDR;
  nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  nlh->nlmsg_seq = ++sequence_;
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_UNSPEC;
  if (mnl_socket_sendto(socket_, nlh, nlh->nlmsg_len) < 0) return Error::fromErrno(errno, "rtnetlink send");
  std::vector<Listed> out;
  ListContext ctx{ifindex, &out};
  uint32_t seq = nlh->nlmsg_seq;
  while (true) {
    ssize_t n = mnl_socket_recvfrom(socket_, buf.data(), buf.size());
    if (n < 0) return Error::fromErrno(errno, "rtnetlink receive");
    int ret = mnl_cb_run(buf.data(), n, seq, mnl_socket_get_portid(socket_), onAddress, &ctx);
    if (ret < 0) return Error::fromErrno(errno, "list addresses");
    if (ret == MNL_CB_STOP) break;
  }
  return out;
}

}  // namespace vipd::vrrp

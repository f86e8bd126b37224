#include "virt/rtnetlink_bridge_links.hpp"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>
#include <functional>

namespace vipd::virt {

namespace {

size_t addressLength(int family) { return family == AF_INET6 ? 16 : 4; }

std::string formatIp(int family, const std::array<uint8_t, 16>& bytes) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(family, bytes.data(), text, sizeof text);
  return text;
}

}  // namespace

std::string toString(const IpAddress& address) {
  return formatIp(address.family, address.bytes) + "/" + std::to_string(address.prefix_len);
}

std::string toString(const Route& route) {
  std::string text = formatIp(route.family, route.dst) + "/" + std::to_string(route.dst_len);
  if (route.has_gateway) text += " via " + formatIp(route.family, route.gateway);
  return text;
}

Result<std::unique_ptr<RtnetlinkBridgeLinks>> RtnetlinkBridgeLinks::open() {
  mnl_socket* socket = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
  if (!socket) return Error::fromErrno(errno, "open rtnetlink socket");
  if (mnl_socket_bind(socket, 0, MNL_SOCKET_AUTOPID) < 0) {
    int err = errno;
    mnl_socket_close(socket);
    return Error::fromErrno(err, "bind rtnetlink socket");
  }
  return std::unique_ptr<RtnetlinkBridgeLinks>(new RtnetlinkBridgeLinks(socket));
}

RtnetlinkBridgeLinks::RtnetlinkBridgeLinks(mnl_socket* socket)
    : socket_(socket), port_id_(mnl_socket_get_portid(socket)) {}

RtnetlinkBridgeLinks::~RtnetlinkBridgeLinks() { mnl_socket_close(socket_); }

namespace {

using Callback = std::function<void(const nlmsghdr*)>;

int dispatch(const nlmsghdr* header, void* data) {
  (*static_cast<Callback*>(data))(header);
  return MNL_CB_OK;
}

// Sends one message and reads until its ack (or the end of a dump).
Status exchange(mnl_socket* socket, uint32_t port_id, nlmsghdr* header, const std::string& what, Callback each) {
  if (mnl_socket_sendto(socket, header, header->nlmsg_len) < 0) return Error::fromErrno(errno, what);
  std::vector<char> buffer(MNL_SOCKET_BUFFER_SIZE * 4);
  while (true) {
    ssize_t got = mnl_socket_recvfrom(socket, buffer.data(), buffer.size());
    if (got < 0) return Error::fromErrno(errno, what);
    int r = mnl_cb_run(buffer.data(), got, header->nlmsg_seq, port_id, each ? dispatch : nullptr, &each);
    if (r < 0) return Error::fromErrno(errno, what);
    if (r == MNL_CB_STOP) return Ok{};
  }
}

}  // namespace

template <class Fill>
Status RtnetlinkBridgeLinks::request(uint16_t type, uint16_t flags, const std::string& what, Fill fill) {
  std::vector<char> buffer(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* header = mnl_nlmsg_put_header(buffer.data());
  header->nlmsg_type = type;
  header->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  header->nlmsg_seq = seq_++;
  fill(header);
  return exchange(socket_, port_id_, header, what, nullptr);
}

template <class Fill, class Each>
Status RtnetlinkBridgeLinks::dump(uint16_t type, const std::string& what, Fill fill, Each each) {
  std::vector<char> buffer(MNL_SOCKET_BUFFER_SIZE);
  nlmsghdr* header = mnl_nlmsg_put_header(buffer.data());
  header->nlmsg_type = type;
  header->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  header->nlmsg_seq = seq_++;
  fill(header);
  return exchange(socket_, port_id_, header, what, each);
}

namespace {

// Attributes of a message after its fixed header, by type.
// (libmnl's iteration macros assign from void*, which C++ rejects.)
template <class Each>
void forEachAttribute(const void* start, const void* end, Each each) {
  auto* attr = static_cast<const nlattr*>(start);
  int left = static_cast<int>(static_cast<const char*>(end) - static_cast<const char*>(start));
  while (mnl_attr_ok(attr, left)) {
    each(attr);
    left -= static_cast<int>(MNL_ALIGN(attr->nla_len));
    attr = mnl_attr_next(attr);
  }
}

template <size_t N>
std::array<const nlattr*, N> attributes(const nlmsghdr* header, size_t offset) {
  std::array<const nlattr*, N> table{};
  forEachAttribute(mnl_nlmsg_get_payload_offset(header, offset), mnl_nlmsg_get_payload_tail(header),
                   [&](const nlattr* attr) {
                     uint16_t type = mnl_attr_get_type(attr);
                     if (type < N) table[type] = attr;
                   });
  return table;
}

std::string linkKind(const nlattr* linkinfo) {
  std::string kind;
  if (!linkinfo) return kind;
  const char* start = static_cast<const char*>(mnl_attr_get_payload(linkinfo));
  forEachAttribute(start, start + mnl_attr_get_payload_len(linkinfo), [&](const nlattr* attr) {
    if (mnl_attr_get_type(attr) == IFLA_INFO_KIND) kind = mnl_attr_get_str(attr);
  });
  return kind;
}

void copyAddress(const nlattr* attr, std::array<uint8_t, 16>& out) {
  if (!attr) return;
  size_t len = std::min<size_t>(mnl_attr_get_payload_len(attr), out.size());
  std::memcpy(out.data(), mnl_attr_get_payload(attr), len);
}

ifinfomsg* putLinkHeader(nlmsghdr* header, int index) {
  auto* info = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(header, sizeof(ifinfomsg)));
  info->ifi_family = AF_UNSPEC;
  info->ifi_index = index;
  return info;
}

}  // namespace

Result<std::vector<Link>> RtnetlinkBridgeLinks::links() {
  std::vector<Link> links;
  auto status = dump(
      RTM_GETLINK, "list links", [](nlmsghdr* h) { putLinkHeader(h, 0); },
      [&](const nlmsghdr* h) {
        if (h->nlmsg_type != RTM_NEWLINK) return;
        auto* info = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(h));
        auto attrs = attributes<IFLA_MAX + 1>(h, sizeof(ifinfomsg));
        Link link;
        link.index = info->ifi_index;
        link.up = info->ifi_flags & IFF_UP;
        if (attrs[IFLA_IFNAME]) link.name = mnl_attr_get_str(attrs[IFLA_IFNAME]);
        if (attrs[IFLA_MASTER]) link.master = static_cast<int>(mnl_attr_get_u32(attrs[IFLA_MASTER]));
        link.kind = linkKind(attrs[IFLA_LINKINFO]);
        links.push_back(link);
      });
  if (!status) return status.error();
  return links;
}

Status RtnetlinkBridgeLinks::createBridge(const std::string& name) {
  return request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, "create bridge " + name, [&](nlmsghdr* h) {
    putLinkHeader(h, 0);
    mnl_attr_put_strz(h, IFLA_IFNAME, name.c_str());
    nlattr* info = mnl_attr_nest_start(h, IFLA_LINKINFO);
    mnl_attr_put_strz(h, IFLA_INFO_KIND, "bridge");
    mnl_attr_nest_end(h, info);
  });
}

Status RtnetlinkBridgeLinks::deleteLink(int index) {
  return request(RTM_DELLINK, 0, "delete link " + std::to_string(index), [&](nlmsghdr* h) { putLinkHeader(h, index); });
}

Status RtnetlinkBridgeLinks::setMaster(int index, int master) {
  return request(RTM_NEWLINK, 0, "set master of link " + std::to_string(index), [&](nlmsghdr* h) {
    putLinkHeader(h, index);
    mnl_attr_put_u32(h, IFLA_MASTER, static_cast<uint32_t>(master));
  });
}

Status RtnetlinkBridgeLinks::setUp(int index) {
  return request(RTM_NEWLINK, 0, "bring up link " + std::to_string(index), [&](nlmsghdr* h) {
    auto* info = putLinkHeader(h, index);
    info->ifi_flags = IFF_UP;
    info->ifi_change = IFF_UP;
  });
}

Result<std::vector<IpAddress>> RtnetlinkBridgeLinks::addresses(int index) {
  std::vector<IpAddress> addresses;
  auto status = dump(
      RTM_GETADDR, "list addresses",
      [](nlmsghdr* h) {
        auto* msg = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(h, sizeof(ifaddrmsg)));
        msg->ifa_family = AF_UNSPEC;
      },
      [&](const nlmsghdr* h) {
        if (h->nlmsg_type != RTM_NEWADDR) return;
        auto* msg = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(h));
        if (static_cast<int>(msg->ifa_index) != index) return;
        if (msg->ifa_family == AF_INET6 && msg->ifa_scope == RT_SCOPE_LINK) return;  // the link's own fe80::
        auto attrs = attributes<IFA_MAX + 1>(h, sizeof(ifaddrmsg));
        IpAddress address;
        address.family = msg->ifa_family;
        address.prefix_len = msg->ifa_prefixlen;
        address.scope = msg->ifa_scope;
        copyAddress(attrs[IFA_LOCAL] ? attrs[IFA_LOCAL] : attrs[IFA_ADDRESS], address.bytes);
        addresses.push_back(address);
      });
  if (!status) return status.error();
  return addresses;
}

namespace {

void putAddress(nlmsghdr* h, int index, const IpAddress& address) {
  auto* msg = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(h, sizeof(ifaddrmsg)));
  msg->ifa_family = static_cast<uint8_t>(address.family);
  msg->ifa_prefixlen = static_cast<uint8_t>(address.prefix_len);
  msg->ifa_scope = address.scope;
  msg->ifa_index = static_cast<uint32_t>(index);
  size_t len = addressLength(address.family);
  mnl_attr_put(h, IFA_LOCAL, len, address.bytes.data());
  mnl_attr_put(h, IFA_ADDRESS, len, address.bytes.data());
}

}  // namespace

Status RtnetlinkBridgeLinks::addAddress(int index, const IpAddress& address) {
  return request(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, "add address " + toString(address),
                 [&](nlmsghdr* h) { putAddress(h, index, address); });
}

Status RtnetlinkBridgeLinks::deleteAddress(int index, const IpAddress& address) {
  return request(RTM_DELADDR, 0, "delete address " + toString(address),
                 [&](nlmsghdr* h) { putAddress(h, index, address); });
}

Result<std::vector<Route>> RtnetlinkBridgeLinks::routes(int index) {
  std::vector<Route> routes;
  for (int family : {AF_INET, AF_INET6}) {
    auto status = dump(
        RTM_GETROUTE, "list routes",
        [family](nlmsghdr* h) {
          auto* msg = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(h, sizeof(rtmsg)));
          msg->rtm_family = static_cast<uint8_t>(family);
        },
        [&](const nlmsghdr* h) {
          if (h->nlmsg_type != RTM_NEWROUTE) return;
          auto* msg = static_cast<const rtmsg*>(mnl_nlmsg_get_payload(h));
          if (msg->rtm_table != RT_TABLE_MAIN || msg->rtm_protocol == RTPROT_KERNEL) return;
          if (msg->rtm_type != RTN_UNICAST) return;
          auto attrs = attributes<RTA_MAX + 1>(h, sizeof(rtmsg));
          if (!attrs[RTA_OIF] || static_cast<int>(mnl_attr_get_u32(attrs[RTA_OIF])) != index) return;
          Route route;
          route.family = msg->rtm_family;
          route.dst_len = msg->rtm_dst_len;
          route.protocol = msg->rtm_protocol;
          route.scope = msg->rtm_scope;
          copyAddress(attrs[RTA_DST], route.dst);
          if (attrs[RTA_GATEWAY]) {
            route.has_gateway = true;
            copyAddress(attrs[RTA_GATEWAY], route.gateway);
          }
          if (attrs[RTA_PRIORITY]) route.priority = mnl_attr_get_u32(attrs[RTA_PRIORITY]);
          routes.push_back(route);
        });
    if (!status) return status.error();
  }
  return routes;
}

Status RtnetlinkBridgeLinks::addRoute(int index, const Route& route) {
  return request(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, "add route " + toString(route), [&](nlmsghdr* h) {
    auto* msg = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(h, sizeof(rtmsg)));
    msg->rtm_family = static_cast<uint8_t>(route.family);
    msg->rtm_dst_len = static_cast<uint8_t>(route.dst_len);
    msg->rtm_table = RT_TABLE_MAIN;
    msg->rtm_protocol = route.protocol;
    msg->rtm_scope = route.scope;
    msg->rtm_type = RTN_UNICAST;
    size_t len = addressLength(route.family);
    if (route.dst_len > 0) mnl_attr_put(h, RTA_DST, len, route.dst.data());
    if (route.has_gateway) mnl_attr_put(h, RTA_GATEWAY, len, route.gateway.data());
    if (route.priority) mnl_attr_put_u32(h, RTA_PRIORITY, route.priority);
    mnl_attr_put_u32(h, RTA_OIF, static_cast<uint32_t>(index));
  });
}

}  // namespace vipd::virt

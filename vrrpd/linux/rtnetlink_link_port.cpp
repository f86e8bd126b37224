#include "vrrpd/linux/rtnetlink_link_port.hpp"

#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "common/log.hpp"
#include "vrrpd/linux/netlink_attributes.hpp"

namespace vipd::vrrp {

RtnetlinkLinkPort::~RtnetlinkLinkPort() {
  if (stream_) stream_->release();
  stream_.reset();
  if (socket_) mnl_socket_close(socket_);
}

Result<LinkInfo> RtnetlinkLinkPort::query(const std::string& interface) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error::fromErrno(errno, "socket");
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, interface.c_str(), IFNAMSIZ - 1);
  LinkInfo info;
  if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
    int err = errno;
    close(fd);
    return Error::fromErrno(err, "interface " + interface);
  }
  info.index = ifr.ifr_ifindex;
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) info.up = (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
  if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0) std::memcpy(info.mac.data(), ifr.ifr_hwaddr.sa_data, 6);
  close(fd);
  return info;
}

void RtnetlinkLinkPort::watch(Handler handler) {
  handler_ = std::move(handler);
  if (socket_) return;
  socket_ = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (!socket_ || mnl_socket_bind(socket_, RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
    log::error(std::string("vrrp: cannot watch links: ") + std::strerror(errno));
    return;
  }
  stream_ = std::make_unique<asio::posix::stream_descriptor>(io_, mnl_socket_get_fd(socket_));
  wait();
}

void RtnetlinkLinkPort::wait() {
  stream_->async_wait(asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
    if (ec) return;
    drain();
    wait();
  });
}

namespace {
int onLink(const nlmsghdr* nlh, void* data) {
  auto* handler = static_cast<LinkPort::Handler*>(data);
  auto* ifi = static_cast<const ifinfomsg*>(mnl_nlmsg_get_payload(nlh));
  std::string name;
  forEachAttribute(nlh, sizeof(*ifi), [&](const nlattr* attr) {
    if (mnl_attr_get_type(attr) == IFLA_IFNAME) name = mnl_attr_get_str(attr);
  });
  bool up = nlh->nlmsg_type == RTM_NEWLINK && (ifi->ifi_flags & IFF_UP) && (ifi->ifi_flags & IFF_LOWER_UP);
  if (!name.empty() && *handler) (*handler)(name, up);
  return MNL_CB_OK;
}
}  // namespace

void RtnetlinkLinkPort::drain() {
  std::vector<char> buf(MNL_SOCKET_BUFFER_SIZE);
  while (true) {
    ssize_t n = mnl_socket_recvfrom(socket_, buf.data(), buf.size());
    if (n <= 0) return;
    mnl_cb_run(buf.data(), n, 0, 0, onLink, &handler_);
  }
}

}  // namespace vipd::vrrp

#include "vrrpd/linux/raw_socket_packet_port.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "vrrpd/core/advert.hpp"

namespace vipd::vrrp {

namespace {

class RawSocketPacketPort : public PacketPort {
 public:
  RawSocketPacketPort(asio::io_context& io, int fd, Family family, int ifindex)
      : stream_(io, fd), family_(family), ifindex_(ifindex) {}
  ~RawSocketPacketPort() override { *alive_ = false; }

  Status send(std::span<const uint8_t> payload, const IpAddress& source, const IpAddress& destination) override;
  void setHandler(Handler handler) override {
    handler_ = std::move(handler);
    wait();
  }
  void drainPending() override { drain(); }

 private:
  void wait();
  // Reads up to kBatch packets; false when the queue is not yet empty.
  bool drain();
  bool receiveOne();

  asio::posix::stream_descriptor stream_;
  Family family_;
  int ifindex_;
  Handler handler_;
  ReceivedPacket packet_;  // reused: its payload keeps its capacity, no allocation per packet
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

Status setOption(int fd, int level, int name, int value, const char* what) {
  if (setsockopt(fd, level, name, &value, sizeof value) < 0) return Error::fromErrno(errno, what);
  return Ok{};
}

Status configure(int fd, const std::string& interface, Family family, int ifindex) {
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(), interface.size()) < 0)
    return Error::fromErrno(errno, "SO_BINDTODEVICE " + interface);
  if (family == Family::v4) {
    ip_mreqn mreq{};
    inet_pton(AF_INET, "224.0.0.18", &mreq.imr_multiaddr);
    mreq.imr_ifindex = ifindex;
    if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq) < 0)
      return Error::fromErrno(errno, "IP_ADD_MEMBERSHIP");
    ip_mreqn out{};
    out.imr_ifindex = ifindex;
    if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &out, sizeof out) < 0)
      return Error::fromErrno(errno, "IP_MULTICAST_IF");
    for (auto [name, value, what] :
         {std::tuple{IP_MULTICAST_TTL, 255, "IP_MULTICAST_TTL"}, std::tuple{IP_TTL, 255, "IP_TTL"},
          std::tuple{IP_MULTICAST_LOOP, 0, "LOOP"}, std::tuple{IP_PKTINFO, 1, "IP_PKTINFO"}})
      if (auto st = setOption(fd, IPPROTO_IP, name, value, what); !st) return st;
  } else {
    ipv6_mreq mreq{};
    inet_pton(AF_INET6, "ff02::12", &mreq.ipv6mr_multiaddr);
    mreq.ipv6mr_interface = static_cast<unsigned>(ifindex);
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mreq, sizeof mreq) < 0)
      return Error::fromErrno(errno, "IPV6_ADD_MEMBERSHIP");
    for (auto [name, value, what] :
         {std::tuple{IPV6_MULTICAST_IF, ifindex, "IPV6_MULTICAST_IF"},
          std::tuple{IPV6_MULTICAST_HOPS, 255, "IPV6_MULTICAST_HOPS"},
          std::tuple{IPV6_UNICAST_HOPS, 255, "IPV6_UNICAST_HOPS"}, std::tuple{IPV6_MULTICAST_LOOP, 0, "LOOP"},
          std::tuple{IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT"}, std::tuple{IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO"}})
      if (auto st = setOption(fd, IPPROTO_IPV6, name, value, what); !st) return st;
  }
  return Ok{};
}

}  // namespace

Result<std::unique_ptr<PacketPort>> RawSocketPacketFactory::open(const std::string& interface, Family family) {
  int ifindex = static_cast<int>(if_nametoindex(interface.c_str()));
  if (ifindex == 0) return Error::fromErrno(errno, "interface " + interface);
  int fd = socket(family == Family::v4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, kVrrpProtocol);
  if (fd < 0) return Error::fromErrno(errno, "socket(SOCK_RAW, 112)");
  if (auto st = configure(fd, interface, family, ifindex); !st) {
    close(fd);
    return st.error();
  }
  return std::unique_ptr<PacketPort>(std::make_unique<RawSocketPacketPort>(io_, fd, family, ifindex));
}

Status RawSocketPacketPort::send(std::span<const uint8_t> payload, const IpAddress& source,
                                 const IpAddress& destination) {
  sockaddr_storage to{};
  socklen_t to_len;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo))] = {};
  msghdr msg{};
  iovec iov{const_cast<uint8_t*>(payload.data()), payload.size()};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  cmsghdr* cm = reinterpret_cast<cmsghdr*>(control);
  if (family_ == Family::v4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&to);
    sin->sin_family = AF_INET;
    std::memcpy(&sin->sin_addr, destination.bytes.data(), 4);
    to_len = sizeof(sockaddr_in);
    in_pktinfo info{};
    info.ipi_ifindex = ifindex_;
    std::memcpy(&info.ipi_spec_dst, source.bytes.data(), 4);
    cm->cmsg_level = IPPROTO_IP;
    cm->cmsg_type = IP_PKTINFO;
    cm->cmsg_len = CMSG_LEN(sizeof info);
    std::memcpy(CMSG_DATA(cm), &info, sizeof info);
    msg.msg_controllen = CMSG_SPACE(sizeof info);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&to);
    sin6->sin6_family = AF_INET6;
    std::memcpy(&sin6->sin6_addr, destination.bytes.data(), 16);
    if (destination.isLinkLocal() || destination.isMulticast()) sin6->sin6_scope_id = static_cast<uint32_t>(ifindex_);
    to_len = sizeof(sockaddr_in6);
    in6_pktinfo info{};
    info.ipi6_ifindex = static_cast<unsigned>(ifindex_);
    std::memcpy(&info.ipi6_addr, source.bytes.data(), 16);
    cm->cmsg_level = IPPROTO_IPV6;
    cm->cmsg_type = IPV6_PKTINFO;
    cm->cmsg_len = CMSG_LEN(sizeof info);
    std::memcpy(CMSG_DATA(cm), &info, sizeof info);
    msg.msg_controllen = CMSG_SPACE(sizeof info);
  }
  msg.msg_name = &to;
  msg.msg_namelen = to_len;
  if (sendmsg(stream_.native_handle(), &msg, 0) < 0) return Error::fromErrno(errno, "sendmsg to " + destination.str());
  return Ok{};
}

void RawSocketPacketPort::wait() {
  std::weak_ptr<bool> alive = alive_;
  stream_.async_wait(asio::posix::stream_descriptor::wait_read, [this, alive](const boost::system::error_code& ec) {
    if (alive.expired() || ec) return;
    if (drain()) return wait();
    // More queued than one batch: let timers and other sockets run, then go on reading.
    asio::post(stream_.get_executor(), [this, alive] {
      if (!alive.expired()) wait();
    });
  });
}

bool RawSocketPacketPort::drain() {
  constexpr int kBatch = 256;
  for (int i = 0; i < kBatch; ++i)
    if (!receiveOne()) return true;
  return false;
}

// False when the socket has nothing more (EAGAIN) or failed.
bool RawSocketPacketPort::receiveOne() {
  uint8_t buffer[2048];
  alignas(cmsghdr) char control[256];
  sockaddr_storage from{};
  iovec iov{buffer, sizeof buffer};
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = recvmsg(stream_.native_handle(), &msg, MSG_DONTWAIT);
  if (n < 0) return false;  // EAGAIN: drained
  ReceivedPacket& packet = packet_;
  packet.ttl = 0;
  if (family_ == Family::v4) {
    // IPv4 raw sockets deliver the IP header.
    if (n < 20) return true;
    std::size_t header = (buffer[0] & 0x0f) * 4u;
    if (header < 20 || static_cast<std::size_t>(n) < header) return true;
    packet.ttl = buffer[8];
    packet.source.family = packet.destination.family = Family::v4;
    std::memcpy(packet.source.bytes.data(), buffer + 12, 4);
    std::memcpy(packet.destination.bytes.data(), buffer + 16, 4);
    packet.payload.assign(buffer + header, buffer + n);
  } else {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&from);
    packet.source.family = packet.destination.family = Family::v6;
    packet.destination.bytes.fill(0);
    std::memcpy(packet.source.bytes.data(), &sin6->sin6_addr, 16);
    for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
      if (cm->cmsg_level != IPPROTO_IPV6) continue;
      if (cm->cmsg_type == IPV6_HOPLIMIT) {
        int hops = 0;
        std::memcpy(&hops, CMSG_DATA(cm), sizeof hops);
        packet.ttl = static_cast<uint8_t>(hops);
      } else if (cm->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo info{};
        std::memcpy(&info, CMSG_DATA(cm), sizeof info);
        std::memcpy(packet.destination.bytes.data(), &info.ipi6_addr, 16);
      }
    }
    packet.payload.assign(buffer, buffer + n);
  }
  if (handler_) handler_(packet);
  return true;
}

}  // namespace vipd::vrrp

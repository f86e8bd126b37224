#include "vrrpd/linux/packet_socket_frame_port.hpp"

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace vipd::vrrp {

PacketSocketFramePort::~PacketSocketFramePort() {
  if (fd_ >= 0) close(fd_);
}

Status PacketSocketFramePort::send(const std::string& interface, std::span<const uint8_t> frame) {
  if (frame.size() < 14) return Error::fromErrno(EINVAL, "frame too short");
  if (fd_ < 0) {
    fd_ = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);  // protocol 0: send only, receive nothing
    if (fd_ < 0) return Error::fromErrno(errno, "socket(AF_PACKET)");
  }
  unsigned ifindex = if_nametoindex(interface.c_str());
  if (ifindex == 0) return Error::fromErrno(errno, "interface " + interface);
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = static_cast<int>(ifindex);
  to.sll_halen = 6;
  std::memcpy(to.sll_addr, frame.data(), 6);
  std::memcpy(&to.sll_protocol, frame.data() + 12, 2);  // already network order
  if (sendto(fd_, frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) < 0)
    return Error::fromErrno(errno, "sendto(AF_PACKET) on " + interface);
  return Ok{};
}

}  // namespace vipd::vrrp

#pragma once
// FramePort over an AF_PACKET raw socket: sends gratuitous ARPs and unsolicited NAs.
#include "vrrpd/ports.hpp"

namespace vipd::vrrp {

class PacketSocketFramePort : public FramePort {
 public:
  ~PacketSocketFramePort() override;
  Status send(const std::string& interface, std::span<const uint8_t> frame) override;

 private:
  int fd_ = -1;
};

}  // namespace vipd::vrrp

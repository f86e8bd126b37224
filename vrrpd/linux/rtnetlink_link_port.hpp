#pragma once
// LinkPort: link state and MAC by ioctl, up/down events from rtnetlink (RTMGRP_LINK).
#include <libmnl/libmnl.h>

#include "common/asio.hpp"
#include "vrrpd/ports.hpp"

namespace vipd::vrrp {

class RtnetlinkLinkPort : public LinkPort {
 public:
  explicit RtnetlinkLinkPort(asio::io_context& io) : io_(io) {}
  ~RtnetlinkLinkPort() override;
  Result<LinkInfo> query(const std::string& interface) override;
  void watch(Handler handler) override;

 private:
  void wait();
  void drain();

  asio::io_context& io_;
  mnl_socket* socket_ = nullptr;
  std::unique_ptr<asio::posix::stream_descriptor> stream_;
  Handler handler_;
};

}  // namespace vipd::vrrp

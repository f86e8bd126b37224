#pragma once
// PacketPort over a raw IPPROTO_VRRP (112) socket bound to one interface,
// joined to 224.0.0.18 / ff02::12, sending with TTL / hop limit 255.
#include "common/asio.hpp"
#include "vrrpd/ports.hpp"

namespace vipd::vrrp {

class RawSocketPacketFactory : public PacketPortFactory {
 public:
  explicit RawSocketPacketFactory(asio::io_context& io) : io_(io) {}
  Result<std::unique_ptr<PacketPort>> open(const std::string& interface, Family family) override;

 private:
  asio::io_context& io_;
};

}  // namespace vipd::vrrp

#pragma once
// The port to the kernel's links, addresses and routes that bridges need
// (the real one is RtnetlinkBridgeLinks over libmnl). Blocking; called on the
// virt worker thread.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace vipd::virt {

struct Link {
  int index = 0;
  std::string name;
  std::string kind;  // IFLA_INFO_KIND: "bridge", "veth", "dummy", "" for plain NICs
  int master = 0;    // ifindex of the bridge it is enslaved to
  bool up = false;
};

struct IpAddress {
  int family = 0;  // AF_INET | AF_INET6
  int prefix_len = 0;
  std::array<uint8_t, 16> bytes{};
  uint8_t scope = 0;
  bool operator==(const IpAddress&) const = default;
};

struct Route {
  int family = 0;
  int dst_len = 0;
  std::array<uint8_t, 16> dst{};
  bool has_gateway = false;
  std::array<uint8_t, 16> gateway{};
  uint8_t protocol = 0;
  uint8_t scope = 0;
  uint32_t priority = 0;
  bool operator==(const Route&) const = default;
};

std::string toString(const IpAddress& address);
std::string toString(const Route& route);

class BridgeLinks {
 public:
  virtual ~BridgeLinks() = default;
  virtual Result<std::vector<Link>> links() = 0;
  virtual Status createBridge(const std::string& name) = 0;
  virtual Status deleteLink(int index) = 0;
  virtual Status setMaster(int index, int master) = 0;  // master 0: release
  virtual Status setUp(int index) = 0;
  virtual Result<std::vector<IpAddress>> addresses(int index) = 0;
  virtual Status addAddress(int index, const IpAddress& address) = 0;
  virtual Status deleteAddress(int index, const IpAddress& address) = 0;
  // Routes of the main table through this link, without the kernel's own
  // prefix routes (those follow the addresses).
  virtual Result<std::vector<Route>> routes(int index) = 0;
  virtual Status addRoute(int index, const Route& route) = 0;
};

}  // namespace vipd::virt

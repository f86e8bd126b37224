#pragma once
// BridgeLinks over rtnetlink with libmnl, one request at a time, each
// acknowledged. The socket lives in the network namespace of the thread that
// constructs the object.
#include <memory>

#include "virt/bridge_links.hpp"

struct mnl_socket;

namespace vipd::virt {

class RtnetlinkBridgeLinks final : public BridgeLinks {
 public:
  static Result<std::unique_ptr<RtnetlinkBridgeLinks>> open();
  ~RtnetlinkBridgeLinks() override;

  Result<std::vector<Link>> links() override;
  Status createBridge(const std::string& name) override;
  Status deleteLink(int index) override;
  Status setMaster(int index, int master) override;
  Status setUp(int index) override;
  Result<std::vector<IpAddress>> addresses(int index) override;
  Status addAddress(int index, const IpAddress& address) override;
  Status deleteAddress(int index, const IpAddress& address) override;
  Result<std::vector<Route>> routes(int index) override;
  Status addRoute(int index, const Route& route) override;

 private:
  explicit RtnetlinkBridgeLinks(mnl_socket* socket);
  template <class Fill>
  Status request(uint16_t type, uint16_t flags, const std::string& what, Fill fill);
  template <class Fill, class Each>
  Status dump(uint16_t type, const std::string& what, Fill fill, Each each);

  mnl_socket* socket_;
  uint32_t port_id_ = 0;
  uint32_t seq_ = 1;
};

}  // namespace vipd::virt

#pragma once
// Keeps the [[virt.bridge]] bridges: created, listed ports enslaved with
// their IP addresses and routes moved onto the bridge (what the ifcfg
// BRIDGE= recipe does by hand), brought up. Idempotent. A bridge dropped from
// the config is deleted only when every port it still has was one vipd added;
// the moved addresses stay where they are. Runs on the virt worker thread.
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "virt/bridge_links.hpp"

namespace vipd::virt {

struct BridgeStatus {
  std::string name;
  bool exists = false;
  bool up = false;
  std::vector<std::string> ports;  // enslaved now, configured or not (guest taps too)
  std::vector<std::string> missing_ports;
  std::string error;
};

class BridgeController {
 public:
  explicit BridgeController(BridgeLinks& links) : links_(links) {}

  std::vector<BridgeStatus> apply(const std::vector<conf::VirtBridge>& desired);

 private:
  BridgeStatus applyOne(const conf::VirtBridge& bridge);
  void removeDropped(const std::vector<conf::VirtBridge>& desired);
  Status movePortAddresses(const Link& port, const Link& bridge);

  BridgeLinks& links_;
  std::vector<conf::VirtBridge> applied_;  // what vipd set up, for removal
};

}  // namespace vipd::virt

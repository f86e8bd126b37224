#include "virt/bridge_controller.hpp"

#include <algorithm>
#include <optional>

#include "common/log.hpp"

namespace vipd::virt {

namespace {

std::optional<Link> byName(const std::vector<Link>& links, const std::string& name) {
  for (const auto& link : links)
    if (link.name == name) return link;
  return std::nullopt;
}

std::vector<std::string> portsOf(const std::vector<Link>& links, int bridge) {
  std::vector<std::string> ports;
  for (const auto& link : links)
    if (bridge != 0 && link.master == bridge) ports.push_back(link.name);
  return ports;
}

}  // namespace

// The port's addresses go (taking the kernel's routes through them along),
// then reappear on the bridge, then the port's other routes follow.
Status BridgeController::movePortAddresses(const Link& port, const Link& bridge) {
  auto addresses = links_.addresses(port.index);
  if (!addresses) return addresses.error();
  if (addresses->empty()) return Ok{};
  auto routes = links_.routes(port.index);
  if (!routes) return routes.error();
  for (const auto& address : *addresses) {
    if (auto removed = links_.deleteAddress(port.index, address); !removed) return removed;
    if (auto added = links_.addAddress(bridge.index, address); !added) return added;
    log::info("virt: moved " + toString(address) + " from " + port.name + " to bridge " + bridge.name);
  }
  for (const auto& route : *routes) {
    if (auto added = links_.addRoute(bridge.index, route); !added) return added;
    log::info("virt: moved route " + toString(route) + " from " + port.name + " to bridge " + bridge.name);
  }
  return Ok{};
}

BridgeStatus BridgeController::applyOne(const conf::VirtBridge& wanted) {
  BridgeStatus status;
  status.name = wanted.name;
  auto links = links_.links();
  if (!links) {
    status.error = links.error().message();
    return status;
  }
  auto bridge = byName(*links, wanted.name);
  if (!bridge) {
    if (auto created = links_.createBridge(wanted.name); !created) {
      status.error = created.error().message();
      return status;
    }
    log::info("virt: created bridge " + wanted.name);
    links = links_.links();
    if (!links) {
      status.error = links.error().message();
      return status;
    }
    bridge = byName(*links, wanted.name);
  }
  if (!bridge || bridge->kind != "bridge") {
    status.error = "link " + wanted.name + " exists and is not a bridge";
    return status;
  }
  status.exists = true;
  if (!bridge->up) {
    if (auto up = links_.setUp(bridge->index); !up) status.error = up.error().message();
  }
  for (const auto& name : wanted.ports) {
    auto port = byName(*links, name);
    if (!port) {
      status.missing_ports.push_back(name);
      continue;
    }
    Status step = Ok{};
    if (port->master != bridge->index) {
      step = links_.setMaster(port->index, bridge->index);
      if (step) log::info("virt: enslaved " + name + " to bridge " + wanted.name);
    }
    if (step) step = movePortAddresses(*port, *bridge);
    if (step && !port->up) step = links_.setUp(port->index);
    if (!step) status.error = step.error().message();
  }
  if (auto now = links_.links()) {
    status.ports = portsOf(*now, bridge->index);
    if (auto b = byName(*now, wanted.name)) status.up = b->up;
  }
  return status;
}

void BridgeController::removeDropped(const std::vector<conf::VirtBridge>& desired) {
  for (const auto& old : applied_) {
    bool kept = std::any_of(desired.begin(), desired.end(), [&](const auto& b) { return b.name == old.name; });
    if (kept) continue;
    auto links = links_.links();
    if (!links) continue;
    auto bridge = byName(*links, old.name);
    if (!bridge || bridge->kind != "bridge") continue;
    auto ports = portsOf(*links, bridge->index);
    bool foreign = std::any_of(ports.begin(), ports.end(), [&](const std::string& port) {
      return std::find(old.ports.begin(), old.ports.end(), port) == old.ports.end();
    });
    if (foreign) {
      log::warning("virt: bridge " + old.name + " left in place: it has ports vipd did not add");
      continue;
    }
    for (const auto& port : ports)
      if (auto found = byName(*links, port)) (void)links_.setMaster(found->index, 0);
    if (auto deleted = links_.deleteLink(bridge->index); deleted)
      log::info("virt: deleted bridge " + old.name);
    else
      log::warning("virt: " + deleted.error().message());
  }
}

std::vector<BridgeStatus> BridgeController::apply(const std::vector<conf::VirtBridge>& desired) {
  removeDropped(desired);
  std::vector<BridgeStatus> statuses;
  for (const auto& bridge : desired) statuses.push_back(applyOne(bridge));
  applied_ = desired;
  return statuses;
}

}  // namespace vipd::virt

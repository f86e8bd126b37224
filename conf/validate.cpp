// Checks across entries of the whole file: unique names and keys, references
// that must name something declared elsewhere.
#include <map>
#include <set>
#include <tuple>

#include "conf/sections.hpp"

namespace vipd::conf {

namespace {

std::string indexed(std::string_view base, std::size_t i) { return std::string(base) + "[" + std::to_string(i) + "]"; }

// Reports every repeat of a key after its first occurrence. `keyOf` returns nullopt to skip an entry.
template <class T, class KeyOf>
void requireUnique(const std::vector<T>& items, KeyOf keyOf, Context& ctx, std::string_view base,
                   std::string_view field, std::string_view what) {
  using Key = typename std::invoke_result_t<KeyOf, const T&>::value_type;
  std::map<Key, std::size_t> first;
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto key = keyOf(items[i]);
    if (!key) continue;
    auto [it, inserted] = first.emplace(*key, i);
    if (inserted) continue;
    std::string first_path = indexed(base, it->second) + "." + std::string(field);
    ctx.errorAt(indexed(base, i) + "." + std::string(field), "duplicate " + std::string(what) + " (first at line " +
                                                                 std::to_string(ctx.locate(first_path).line) + ")");
  }
}

template <class T>
std::optional<std::string> nameOf(const T& item) {
  return item.name.empty() ? std::nullopt : std::optional(item.name);
}

template <class T>
bool declared(const std::vector<T>& items, const std::string& name) {
  for (const auto& item : items) {
    if (item.name == name) return true;
  }
  return false;
}

void validateVrrp(const Config& config, Context& ctx) {
  requireUnique(config.vrrp_scripts, nameOf<VrrpScript>, ctx, "vrrp.script", "name", "script name");
  requireUnique(config.vrrp_instances, nameOf<VrrpInstance>, ctx, "vrrp.instance", "name", "instance name");
  requireUnique(config.sync_groups, nameOf<SyncGroup>, ctx, "vrrp.sync_group", "name", "sync group name");
  auto routerKey = [](const VrrpInstance& i) -> std::optional<std::tuple<std::string, int, Family>> {
    if (i.interface.empty() || i.vrid == 0) return std::nullopt;
    return std::tuple(i.interface, i.vrid, i.family());
  };
  requireUnique(config.vrrp_instances, routerKey, ctx, "vrrp.instance", "vrid",
                "vrid on this interface and address family");

  for (std::size_t i = 0; i < config.vrrp_instances.size(); ++i) {
    const auto& tracked = config.vrrp_instances[i].track_scripts;
    for (std::size_t k = 0; k < tracked.size(); ++k) {
      if (!declared(config.vrrp_scripts, tracked[k])) {
        ctx.errorAt(indexed(indexed("vrrp.instance", i) + ".track_scripts", k),
                    "no [[vrrp.script]] is named '" + tracked[k] + "'");
      }
    }
    const auto& services = config.vrrp_instances[i].track_services;
    for (std::size_t k = 0; k < services.size(); ++k) {
      if (!declared(config.ipvs.services, services[k])) {
        ctx.errorAt(indexed(indexed("vrrp.instance", i) + ".track_services", k),
                    "no [[ipvs.service]] is named '" + services[k] + "'");
      }
    }
  }
  std::map<std::string, std::size_t> group_of;
  for (std::size_t g = 0; g < config.sync_groups.size(); ++g) {
    const auto& members = config.sync_groups[g].instances;
    for (std::size_t k = 0; k < members.size(); ++k) {
      std::string path = indexed(indexed("vrrp.sync_group", g) + ".instances", k);
      if (!declared(config.vrrp_instances, members[k])) {
        ctx.errorAt(path, "no [[vrrp.instance]] is named '" + members[k] + "'");
        continue;
      }
      auto [it, inserted] = group_of.emplace(members[k], g);
      if (!inserted) {
        ctx.errorAt(path, "instance '" + members[k] + "' is already in sync group '" +
                              config.sync_groups[it->second].name + "'");
      }
    }
  }
}

void validateRealServers(const Config& config, const IpvsService& service, const std::string& base, Context& ctx) {
  std::string servers = base + ".real_server";
  requireUnique(
      service.real_servers, [](const RealServer& s) { return std::optional(s.address); }, ctx, servers, "address",
      "real server address");
  for (std::size_t j = 0; j < service.real_servers.size(); ++j) {
    const RealServer& server = service.real_servers[j];
    if (!server.guest.empty() && !declared(config.virt.guests, server.guest)) {
      ctx.errorAt(indexed(servers, j) + ".guest", "no [[virt.guest]] is named '" + server.guest + "'");
    }
    bool tunnel = server.forwarding.value_or(service.forwarding) == Forwarding::tun;
    const bool address_read = server.address.port != 0;  // a missing or malformed address is already reported
    if (address_read && server.address.address.family != service.family && !tunnel) {
      ctx.errorAt(indexed(servers, j) + ".address",
                  "is of another address family than the service (only tun forwarding allows it)");
    }
  }
}

void validateIpvs(const Config& config, Context& ctx) {
  const auto& services = config.ipvs.services;
  requireUnique(services, nameOf<IpvsService>, ctx, "ipvs.service", "name", "service name");
  auto byAddress = [](const IpvsService& s) -> std::optional<std::pair<Endpoint, Protocol>> {
    if (!s.address) return std::nullopt;
    return std::pair(*s.address, s.protocol);
  };
  requireUnique(services, byAddress, ctx, "ipvs.service", "address", "service address and protocol");
  auto byMark = [](const IpvsService& s) -> std::optional<std::pair<uint32_t, Family>> {
    if (!s.fwmark) return std::nullopt;
    return std::pair(*s.fwmark, s.family);
  };
  requireUnique(services, byMark, ctx, "ipvs.service", "fwmark", "service fwmark and family");
  for (std::size_t i = 0; i < services.size(); ++i) {
    validateRealServers(config, services[i], indexed("ipvs.service", i), ctx);
  }
  const auto& sync = config.ipvs.sync;
  if (sync && !sync->follow_instance.empty() && !declared(config.vrrp_instances, sync->follow_instance)) {
    ctx.errorAt("ipvs.sync.follow_instance", "no [[vrrp.instance]] is named '" + sync->follow_instance + "'");
  }
}

void validateVirt(const Config& config, Context& ctx) {
  requireUnique(config.virt.bridges, nameOf<VirtBridge>, ctx, "virt.bridge", "name", "bridge name");
  requireUnique(config.virt.guests, nameOf<VirtGuest>, ctx, "virt.guest", "name", "guest name");
  requireUnique(
      config.virt.guests, [](const VirtGuest& g) { return g.vnc_port; }, ctx, "virt.guest", "vnc", "VNC port");
  const auto& taken = ctx.options().vnc_ports_taken;
  std::set<int> fixed;
  for (const auto& guest : config.virt.guests)
    if (guest.vnc_port) fixed.insert(*guest.vnc_port);
  if (!taken || fixed.empty()) return;
  auto in_use = taken(config.virt, fixed);
  for (std::size_t i = 0; i < config.virt.guests.size(); ++i) {
    const auto& port = config.virt.guests[i].vnc_port;
    if (port && in_use.contains(*port))
      ctx.errorAt(indexed("virt.guest", i) + ".vnc", "port " + std::to_string(*port) + " is in use on this host");
  }
}

}  // namespace

void validate(const Config& config, Context& ctx) {
  validateVrrp(config, ctx);
  validateIpvs(config, ctx);
  validateVirt(config, ctx);
}

}  // namespace vipd::conf

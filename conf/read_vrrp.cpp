#include "conf/sections.hpp"

namespace vipd::conf {

namespace {

// RFC 3768 5.3.7: Adver Int is whole seconds in 8 bits. RFC 9568 5.2.7: 12 bits of centiseconds.
std::optional<std::string> advertIntervalProblem(int version, Duration interval) {
  auto ms = interval.count();
  if (version == 2) {
    if (ms % 1000 != 0 || ms < 1000 || ms > 255'000) return "VRRPv2 needs whole seconds in 1s..255s";
  } else {
    if (ms <= 0 || ms % 10 != 0 || ms > 40'950) return "VRRPv3 needs a multiple of 10ms in 10ms..40.95s";
  }
  return std::nullopt;
}

std::string familyName(Family family) { return family == Family::v4 ? "IPv4" : "IPv6"; }

VrrpScript readScript(TableReader& r) {
  VrrpScript script;
  assign(script.name, r.nonEmptyString("name", true));
  if (auto command = r.strings("command", true)) {
    if (command->empty())
      r.error("command", "must not be empty");
    else
      checkScript(r.context(), r.pathOf("command") + "[0]", command->front());
    script.command = std::move(*command);
  }
  assign(script.interval, r.duration("interval"));
  assign(script.timeout, r.duration("timeout"));
  assign(script.rise, r.integer("rise", 1, 1'000'000));
  assign(script.fall, r.integer("fall", 1, 1'000'000));
  assign(script.weight, r.integer("weight", -254, 254));
  if (script.interval <= Duration::zero()) r.error("interval", "must be greater than 0");
  if (script.timeout <= Duration::zero())
    r.error("timeout", "must be greater than 0");
  else if (script.timeout > script.interval)
    r.error("timeout", "(" + formatDuration(script.timeout) + ") must not exceed interval (" +
                           formatDuration(script.interval) + ")");
  return script;
}

void checkFamilies(TableReader& r, const VrrpInstance& instance) {
  if (instance.virtual_addresses.empty()) return;
  Family family = instance.family();
  for (std::size_t i = 1; i < instance.virtual_addresses.size(); ++i) {
    if (instance.virtual_addresses[i].address.family != family) {
      r.context().errorAt(r.pathOf("virtual_addresses") + "[" + std::to_string(i) + "]",
                          "mixes address families: the first virtual address is " + familyName(family));
      return;
    }
  }
  if (instance.source_address && instance.source_address->family != family) {
    r.error("source_address", "is not " + familyName(family) + " like the virtual addresses");
  }
  for (std::size_t i = 0; i < instance.unicast_peers.size(); ++i) {
    if (instance.unicast_peers[i].family != family) {
      r.context().errorAt(r.pathOf("unicast_peers") + "[" + std::to_string(i) + "]",
                          "is not " + familyName(family) + " like the virtual addresses");
    }
  }
  if (instance.version == 2 && family == Family::v6) r.error("version", "VRRPv2 supports IPv4 only");
}

VrrpInstance readInstance(TableReader& r) {
  VrrpInstance instance;
  assign(instance.name, r.nonEmptyString("name", true));
  assign(instance.interface, r.nonEmptyString("interface", true));
  assign(instance.vrid, r.integer("vrid", 1, 255, true));
  assign(instance.priority, r.integer("priority", 1, 255));
  bool version_ok = true;
  if (auto version = r.integer("version", 2, 3))
    instance.version = static_cast<int>(*version);
  else
    version_ok = !r.has("version");
  bool interval_ok = true;
  if (auto interval = r.duration("advert_interval"))
    instance.advert_interval = *interval;
  else
    interval_ok = !r.has("advert_interval");
  if (version_ok && interval_ok) {
    if (auto problem = advertIntervalProblem(instance.version, instance.advert_interval)) {
      r.error("advert_interval", *problem);
    }
  }
  assign(instance.preempt, r.boolean("preempt"));
  assign(instance.preempt_delay, r.duration("preempt_delay"));
  assign(instance.accept, r.boolean("accept"));
  if (auto source = r.parsed<IpAddress>("source_address", &IpAddress::parse, "IP address")) {
    instance.source_address = *source;
  }
  assign(instance.unicast_peers, r.parsedList<IpAddress>("unicast_peers", &IpAddress::parse, "IP address"));
  if (auto pass = r.string("auth_pass")) {
    if (pass->size() > 8)
      r.error("auth_pass", "is longer than 8 characters");
    else if (!pass->empty() && version_ok && instance.version != 2)
      r.error("auth_pass", "is only for version = 2");
    instance.auth_pass = *pass;
  }
  if (auto vips = r.parsedList<IpPrefix>("virtual_addresses", &IpPrefix::parse, "address or CIDR", true)) {
    if (vips->empty() && r.has("virtual_addresses") && !r.context().seen(r.pathOf("virtual_addresses") + "[0]")) {
      r.error("virtual_addresses", "must not be empty");
    }
    instance.virtual_addresses = std::move(*vips);
  }
  assign(instance.track_scripts, r.strings("track_scripts"));
  assign(instance.track_interfaces, r.strings("track_interfaces"));
  assign(instance.track_services, r.strings("track_services"));
  assign(instance.track_services_weight, r.integer("track_services_weight", -254, 0));
  if (auto notify = r.string("notify")) {
    if (!notify->empty()) checkScript(r.context(), r.pathOf("notify"), *notify);
    instance.notify = *notify;
  }
  assign(instance.checksum_pseudo_header, r.boolean("checksum_pseudo_header"));
  assign(instance.garp_count, r.integer("garp_count", 0, 100));
  assign(instance.garp_interval, r.duration("garp_interval"));
  if (version_ok) checkFamilies(r, instance);
  return instance;
}

SyncGroup readSyncGroup(TableReader& r) {
  SyncGroup group;
  assign(group.name, r.nonEmptyString("name", true));
  if (auto instances = r.strings("instances", true)) {
    if (instances->empty()) r.error("instances", "must not be empty");
    group.instances = std::move(*instances);
  }
  return group;
}

}  // namespace

void readVrrp(TableReader& root, Config& config) {
  const toml::table* table = root.table("vrrp");
  if (!table) return;
  TableReader vrrp(*table, "vrrp", root.context());
  for (auto& [t, path] : vrrp.tables("script")) {
    TableReader r(*t, path, root.context());
    config.vrrp_scripts.push_back(readScript(r));
  }
  for (auto& [t, path] : vrrp.tables("instance")) {
    TableReader r(*t, path, root.context());
    config.vrrp_instances.push_back(readInstance(r));
  }
  for (auto& [t, path] : vrrp.tables("sync_group")) {
    TableReader r(*t, path, root.context());
    config.sync_groups.push_back(readSyncGroup(r));
  }
}

}  // namespace vipd::conf

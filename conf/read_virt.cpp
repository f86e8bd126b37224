#include "conf/sections.hpp"

namespace vipd::conf {

namespace {

VirtBridge readBridge(TableReader& r) {
  VirtBridge bridge;
  assign(bridge.name, r.nonEmptyString("name", true));
  if (bridge.name.size() > 15) r.error("name", "is longer than 15 characters (IFNAMSIZ)");
  assign(bridge.ports, r.strings("ports"));
  return bridge;
}

void readVnc(TableReader& r, VirtGuest& guest) {
  const toml::node* vnc = r.node("vnc");
  if (!vnc) return;
  if (vnc->is_integer()) {
    auto port = r.integer("vnc", 5900, 65535);
    guest.vnc_auto = false;
    if (port) guest.vnc_port = static_cast<int>(*port);
    return;
  }
  if (!vnc->is_string()) {
    r.error("vnc", "expected \"auto\", \"off\" or a port number, got " + typeName(*vnc));
    return;
  }
  if (auto mode = r.choice("vnc", {"auto", "off"})) guest.vnc_auto = *mode == "auto";
}

VirtGuest readGuest(TableReader& r) {
  VirtGuest guest;
  assign(guest.name, r.nonEmptyString("name", true));
  const std::pair<std::string_view, std::string*> paths[] = {{"base_image", &guest.base_image},
                                                             {"disk", &guest.disk},
                                                             {"kernel", &guest.kernel},
                                                             {"initrd", &guest.initrd},
                                                             {"console_log", &guest.console_log}};
  for (auto [key, out] : paths) {
    auto value = r.string(key);
    if (!value) continue;
    if (!value->empty() && value->front() != '/') r.error(key, "must be an absolute path");
    *out = *value;
  }
  if (auto memory = r.size("memory")) {
    if (*memory < (1ull << 20))
      r.error("memory", "must be at least 1MiB");
    else
      guest.memory = *memory;
  }
  assign(guest.vcpus, r.integer("vcpus", 1, 4096));
  assign(guest.bridges, r.strings("bridges"));
  readVnc(r, guest);
  assign(guest.autostart, r.boolean("autostart"));
  if (auto state = r.choice("state", {"running", "stopped"})) guest.running = *state == "running";
  assign(guest.cmdline, r.string("cmdline"));
  if (!guest.initrd.empty() && guest.kernel.empty()) r.error("initrd", "needs kernel");
  if (!guest.cmdline.empty() && guest.kernel.empty()) r.error("cmdline", "needs kernel");
  return guest;
}

}  // namespace

void readVirt(TableReader& root, Virt& virt) {
  const toml::table* table = root.table("virt");
  if (!table) return;
  TableReader r(*table, "virt", root.context());
  if (auto uri = r.nonEmptyString("uri")) virt.uri = *uri;
  if (auto timeout = r.duration("shutdown_timeout")) {
    if (*timeout <= Duration::zero())
      r.error("shutdown_timeout", "must be greater than 0");
    else
      virt.shutdown_timeout = *timeout;
  }
  for (auto& [t, path] : r.tables("bridge")) {
    TableReader bridge(*t, path, root.context());
    virt.bridges.push_back(readBridge(bridge));
  }
  for (auto& [t, path] : r.tables("guest")) {
    TableReader guest(*t, path, root.context());
    virt.guests.push_back(readGuest(guest));
  }
}

}  // namespace vipd::conf

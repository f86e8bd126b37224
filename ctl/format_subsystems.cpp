// Tables for `vipctl vrrp`, `vipctl ipvs` and `vipctl checks`.
#include <cctype>
#include <cstdio>
#include <sstream>

#include "ctl/format.hpp"
#include "ctl/table.hpp"

namespace vipd::ctl {

namespace {

using nlohmann::json;

std::string text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "-";
  return value.dump();
}

std::string joinedText(const json& list) {
  std::string out;
  for (const auto& item : list) out += (out.empty() ? "" : ",") + text(item);
  return out.empty() ? "-" : out;
}

std::string droppedText(const json& drops) {
  std::string out;
  for (const auto& [reason, count] : drops.items())
    if (count.get<uint64_t>() > 0) out += (out.empty() ? "" : ",") + reason + "=" + text(count);
  return out.empty() ? "0" : out;
}

// ipvsadm's names for the forwarding methods.
std::string forwardName(const std::string& method) {
  if (method == "dr") return "Route";
  if (method == "nat") return "Masq";
  if (method == "tun") return "Tunnel";
  if (method == "local") return "Local";
  return method;
}

std::string serviceAddress(const json& s) {
  if (s.value("fwmark", 0) != 0) return "FWM  " + std::to_string(s.value("fwmark", 0)) + " " + s.value("family", "");
  std::string protocol = s.value("protocol", "");
  for (auto& c : protocol) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::string address = s.value("address", "");
  if (s.value("family", "") == "inet6") address = "[" + address + "]";
  return protocol + "  " + address + ":" + std::to_string(s.value("port", 0));
}

std::string endpoint(const json& d) {
  std::string address = d.value("address", "");
  if (address.find(':') != std::string::npos) address = "[" + address + "]";
  return address + ":" + std::to_string(d.value("port", 0));
}

}  // namespace

std::string formatVrrp(const json& status) {
  std::ostringstream out;
  out << "VRRP: " << status.value("summary", "") << "\n";
  Table table({"INSTANCE", "IFACE", "VRID", "V", "STATE", "SINCE", "PRIO", "MASTER", "INTERVAL", "TRANS", "SENT",
               "RCVD", "DROPPED"});
  for (const auto& i : status.value("instances", json::array())) {
    table.add({text(i["name"]), text(i["interface"]), text(i["vrid"]), text(i["version"]), text(i["state"]),
               text(i["since"]), text(i["base_priority"]) + "/" + text(i["effective_priority"]),
               text(i["master_address"]), text(i["advert_interval_ms"]) + "ms", text(i["transitions"]),
               text(i["adverts_sent"]), text(i["adverts_received"]), droppedText(i.value("drops", json::object()))});
  }
  out << table.str();
  bool any_tracked = false;
  Table tracked({"INSTANCE", "TRACKED", "KIND", "WEIGHT", "STATE"});
  for (const auto& i : status.value("instances", json::array())) {
    for (const auto& t : i.value("tracked", json::array())) {
      any_tracked = true;
      tracked.add({text(i["name"]), text(t["name"]), text(t["kind"]), text(t["weight"]), text(t["state"])});
    }
  }
  if (any_tracked) out << "\n" << tracked.str();
  const json failed = status.value("failed", json::object());
  for (const auto& [name, why] : failed.items())
    out << "instance " << name << " could not start: " << text(why) << "\n";
  return out.str();
}

std::string formatIpvs(const json& status) {
  std::ostringstream out;
  out << "IP Virtual Server (vipd): " << status.value("summary", "") << "\n";
  out << "Prot LocalAddress:Port Scheduler Flags\n";
  out << "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn Health\n";
  for (const auto& s : status.value("services", json::array())) {
    std::string line = serviceAddress(s) + " " + s.value("scheduler", "");
    std::string flags;  // as ipvsadm: "mh (mh-fallback,mh-port)"; persistence follows on its own
    for (const auto& flag : s.value("flags", json::array()))
      if (text(flag) != "persistent") flags += (flags.empty() ? "" : ",") + text(flag);
    if (!flags.empty()) line += " (" + flags + ")";
    if (s.value("persistence_s", 0) > 0) line += " persistent " + std::to_string(s.value("persistence_s", 0));
    std::string name = s.value("name", "");
    line += name.empty() ? "  (not in config)" : "  [" + name + "]";
    if (s.value("sorry_active", false)) line += "  sorry server active";
    out << line << "\n";
    for (const auto& d : s.value("real_servers", json::array())) {
      char row[200];
      std::snprintf(row, sizeof row, "  -> %-28s %-7s %-6s %-10s %-9s %s\n", endpoint(d).c_str(),
                    forwardName(d.value("forwarding", "")).c_str(), text(d["weight"]).c_str(),
                    text(d["active_conns"]).c_str(), text(d["inactive_conns"]).c_str(), d.value("health", "").c_str());
      out << row;
    }
  }
  if (auto sync = status.find("sync"); sync != status.end() && sync->value("configured", false)) {
    out << "connection sync: " << sync->value("role", "");
    for (const auto& d : sync->value("daemons", json::array()))
      out << "; " << text(d["state"]) << " daemon on " << text(d["interface"]) << ", sync id " << text(d["sync_id"]);
    out << "\n";
  }
  return out.str();
}

std::string formatChecks(const json& status) {
  std::ostringstream out;
  out << "Health checks: " << status.value("summary", "") << "\n";
  Table table({"CHECK", "STATE", "LAST", "LATENCY", "OK", "FAILED", "RISE/FALL", "ERROR"});
  for (const auto& c : status.value("checks", json::array())) {
    const json& last = c["last"];
    bool has_last = last.is_object();
    table.add({text(c["label"]), text(c["state"]), has_last ? (last.value("success", false) ? "ok" : "failed") : "-",
               has_last ? text(last["latency_ms"]) + "ms" : "-", text(c["successes"]), text(c["failures"]),
               text(c["rise"]) + "/" + text(c["fall"]),
               has_last && !last.value("error", "").empty() ? last.value("error", "") : "-"});
  }
  out << table.str();
  Table services({"SERVICE", "QUORUM", "HEALTHY", "REAL SERVERS DOWN"});
  for (const auto& s : status.value("services", json::array())) {
    std::string down;
    for (const auto& r : s.value("real_servers", json::array()))
      if (r.value("state", "") != "healthy") down += (down.empty() ? "" : ",") + r.value("address", "");
    services.add({text(s["name"]), text(s["quorum"]) + (s.value("has_quorum", true) ? "" : " (lost)"),
                  text(s["healthy_servers"]), down.empty() ? "-" : down});
  }
  out << "\n" << services.str();
  return out.str();
}

std::string formatVirt(const json& status) {
  std::ostringstream out;
  out << "KVM guests: " << status.value("summary", "") << "\n";
  Table guests({"GUEST", "STATE", "DESIRED", "SINCE", "MEMORY", "VCPUS", "DISK", "BACKING", "MACS", "VNC", "AUTOSTART",
                "RESTARTS"});
  for (const auto& g : status.value("guests", json::array())) {
    guests.add({text(g["name"]), text(g["state"]), text(g["desired"]), text(g["since"]),
                std::to_string(g.value("memory", uint64_t{0}) >> 20) + "MiB", text(g["vcpus"]), text(g["disk"]),
                text(g["backing_file"]), g.contains("macs") ? joinedText(g["macs"]) : "-", text(g["vnc_port"]),
                g.value("autostart", false) ? "yes" : "no", text(g["restarts"])});
  }
  out << guests.str();
  Table bridges({"BRIDGE", "EXISTS", "UP", "PORTS", "MISSING PORTS"});
  for (const auto& b : status.value("bridges", json::array()))
    bridges.add({text(b["name"]), b.value("exists", false) ? "yes" : "no", b.value("up", false) ? "yes" : "no",
                 b.contains("ports") ? joinedText(b["ports"]) : "-",
                 b.contains("missing_ports") ? joinedText(b["missing_ports"]) : "-"});
  out << "\n" << bridges.str();
  return out.str();
}

}  // namespace vipd::ctl

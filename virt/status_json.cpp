#include "virt/status_json.hpp"

#include <ctime>

#include "common/duration.hpp"

namespace vipd::virt {

namespace {

nlohmann::json guestJson(const GuestStatus& g) {
  bool running = g.state == "running";
  return {
      {"name", g.name},
      {"state", g.state},
      {"desired", g.desired_running ? "running" : "stopped"},
      {"since", g.since == WallTime{} ? nlohmann::json(nullptr) : nlohmann::json(formatUtc(g.since))},
      {"memory", g.memory_kib * 1024},
      {"live_memory", running ? nlohmann::json(g.live_memory_kib * 1024) : nlohmann::json(nullptr)},
      {"vcpus", g.vcpus},
      {"live_vcpus", running ? nlohmann::json(g.live_vcpus) : nlohmann::json(nullptr)},
      {"disk", g.disk},
      {"backing_file", g.backing_file},
      {"macs", g.macs},
      {"taps", g.taps},
      {"vnc_port", g.vnc_port ? nlohmann::json(*g.vnc_port) : nlohmann::json(nullptr)},
      {"autostart", g.autostart},
      {"restarts", g.restarts},
      {"last_error", g.last_error},
  };
}

std::string summary(const Snapshot& guests, const std::vector<BridgeStatus>& bridges) {
  if (!guests.error.empty() && guests.guests.empty()) return "libvirt unavailable: " + guests.error;
  int running = 0, off = 0, other = 0;
  for (const auto& g : guests.guests) {
    if (g.state == "running")
      ++running;
    else if (g.state == "shut off")
      ++off;
    else
      ++other;
  }
  std::string text = std::to_string(guests.guests.size()) + (guests.guests.size() == 1 ? " guest" : " guests");
  if (!guests.guests.empty()) {
    text += ": " + std::to_string(running) + " running";
    if (off) text += ", " + std::to_string(off) + " shut off";
    if (other) text += ", " + std::to_string(other) + " absent or in conflict";
  }
  text += "; " + std::to_string(bridges.size()) + (bridges.size() == 1 ? " bridge" : " bridges");
  return text;
}

}  // namespace

nlohmann::json statusJson(const std::string& uri, const Snapshot& guests, const std::vector<BridgeStatus>& bridges) {
  nlohmann::json doc{{"summary", summary(guests, bridges)}, {"uri", uri},
                     {"connected", guests.connected},       {"error", guests.error},
                     {"guests", nlohmann::json::array()},   {"bridges", nlohmann::json::array()}};
  for (const auto& g : guests.guests) doc["guests"].push_back(guestJson(g));
  for (const auto& b : bridges)
    doc["bridges"].push_back({{"name", b.name},
                              {"exists", b.exists},
                              {"up", b.up},
                              {"ports", b.ports},
                              {"missing_ports", b.missing_ports},
                              {"error", b.error}});
  return doc;
}

}  // namespace vipd::virt

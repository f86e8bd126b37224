#include "virt/status_json.hpp"

#include <gtest/gtest.h>

namespace vipd::virt {
namespace {

GuestStatus guest(const std::string& name, const std::string& state) {
  GuestStatus g;
  g.name = name;
  g.state = state;
  g.memory_kib = 1024;
  g.live_memory_kib = 512;
  g.vcpus = 2;
  g.live_vcpus = 1;
  return g;
}

TEST(StatusJson, SummaryTable) {
  struct Row {
    Snapshot snapshot;
    size_t bridges;
    std::string summary;
  };
  Snapshot down;
  down.error = "connect to qemu:///system: refused";
  Snapshot mixed;
  mixed.guests = {guest("a", "running"), guest("b", "shut off"), guest("c", "conflict"), guest("d", "running")};
  Snapshot one;
  one.guests = {guest("a", "running")};
  const Row rows[] = {
      {Snapshot{}, 0, "0 guests; 0 bridges"},
      {one, 1, "1 guest: 1 running; 1 bridge"},
      {mixed, 2, "4 guests: 2 running, 1 shut off, 1 absent or in conflict; 2 bridges"},
      {down, 0, "libvirt unavailable: connect to qemu:///system: refused"},
  };
  for (const auto& row : rows) {
    std::vector<BridgeStatus> bridges(row.bridges);
    EXPECT_EQ(statusJson("qemu:///system", row.snapshot, bridges)["summary"], row.summary);
  }
}

TEST(StatusJson, LiveFieldsAreNullUnlessRunning) {
  Snapshot s;
  s.connected = true;
  s.guests = {guest("a", "running"), guest("b", "shut off")};
  s.guests[0].vnc_port = 5901;
  s.guests[0].since = WallTime{} + std::chrono::seconds(1767225600);
  auto doc = statusJson("qemu:///system", s, {});
  EXPECT_EQ(doc["connected"], true);
  EXPECT_EQ(doc["guests"][0]["live_memory"], 512 * 1024);
  EXPECT_EQ(doc["guests"][0]["memory"], 1024 * 1024);
  EXPECT_EQ(doc["guests"][0]["live_vcpus"], 1);
  EXPECT_EQ(doc["guests"][0]["vnc_port"], 5901);
  EXPECT_EQ(doc["guests"][0]["since"], "2026-01-01T00:00:00Z");
  EXPECT_TRUE(doc["guests"][1]["live_memory"].is_null());
  EXPECT_TRUE(doc["guests"][1]["live_vcpus"].is_null());
  EXPECT_TRUE(doc["guests"][1]["vnc_port"].is_null());
  EXPECT_TRUE(doc["guests"][1]["since"].is_null());
  EXPECT_EQ(doc["guests"][1]["desired"], "running");
}

TEST(StatusJson, BridgesListed) {
  BridgeStatus b{"br0", true, true, {"em1", "vnet0"}, {"em9"}, ""};
  auto doc = statusJson("qemu:///system", {}, {b});
  EXPECT_EQ(doc["bridges"][0]["ports"], nlohmann::json::array({"em1", "vnet0"}));
  EXPECT_EQ(doc["bridges"][0]["missing_ports"], nlohmann::json::array({"em9"}));
  EXPECT_EQ(doc["bridges"][0]["up"], true);
}

}  // namespace
}  // namespace vipd::virt

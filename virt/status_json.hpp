#pragma once
// The `vipctl virt --json` document from a reconcile snapshot. Pure.
//
// {
//   "summary": "2 guests: 1 running, 1 shut off; 1 bridge",
//   "uri": "qemu:///system", "connected": true, "error": "",
//   "guests": [{"name", "state": "running|shut off|absent|conflict", "desired": "running|stopped",
//               "since": "2026-01-01T00:00:00Z" | null, "memory": bytes, "live_memory": bytes | null,
//               "vcpus", "live_vcpus": n | null, "disk", "backing_file", "macs": [..], "taps": [..],
//               "vnc_port": n | null, "autostart", "restarts", "last_error"}],
//   "bridges": [{"name", "exists", "up", "ports": [..], "missing_ports": [..], "error"}]
// }
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "virt/bridge_controller.hpp"
#include "virt/guest_controller.hpp"

namespace vipd::virt {

nlohmann::json statusJson(const std::string& uri, const Snapshot& guests, const std::vector<BridgeStatus>& bridges);


}  // namespace vipd::virt

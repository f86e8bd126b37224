#pragma once
// Keeps libvirt's domains equal to the desired guests: reads the actual
// domains, runs the pure diff and executes its operations through the
// Hypervisor port. Runs on the virt worker thread only (it blocks); time comes
// in as arguments so tests drive it. Remembers per guest what the diff cannot
// see: restarts and their backoff, operator overrides, when the state changed.
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "virt/domain_spec.hpp"
#include "virt/hypervisor.hpp"

namespace vipd::virt {

struct ControllerOptions {
  std::chrono::milliseconds shutdown_timeout{30000};  // ACPI shutdown, then destroy; [virt] shutdown_timeout wins
  std::chrono::milliseconds backoff_initial{1000};    // first restart of a guest that died
  std::chrono::milliseconds backoff_max{60000};
  std::chrono::milliseconds stable_after{60000};  // running this long resets the backoff
};

using SteadyTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

struct GuestStatus {
  std::string name;
  std::string state = "absent";  // running | shut off | absent | conflict
  WallTime since{};
  bool desired_running = true;
  uint64_t memory_kib = 0;       // persistent definition
  uint64_t live_memory_kib = 0;  // while running
  int vcpus = 0;
  int live_vcpus = 0;
  std::string disk;
  std::string backing_file;
  std::vector<std::string> macs;
  std::vector<std::string> taps;
  std::optional<int> vnc_port;
  bool autostart = false;
  int restarts = 0;
  std::string last_error;
};

struct Snapshot {
  bool connected = false;
  std::string error;  // connection or listing failure
  std::vector<GuestStatus> guests;
};

class GuestController {
 public:
  GuestController(Hypervisor& hypervisor, ControllerOptions options);

  // A reload: guests whose config changed lose their operator override.
  void setDesired(const conf::Virt& virt);

  // One pass: connect if needed, diff, execute, and report.
  Snapshot reconcile(SteadyTime now, WallTime wall);

  // start | stop | restart NAME, from the operator: the override holds until
  // the guest's config changes. Returns an error for an unknown guest/action.
  Status command(const std::string& action, const std::string& guest, SteadyTime now);

 private:
  struct Book {
    int restarts = 0;
    int consecutive_deaths = 0;
    SteadyTime next_start{};
    SteadyTime active_since{};
    bool was_active = false;
    std::string state;
    WallTime since{};
    std::optional<bool> override_running;
    std::string last_error;
    std::string backing_file;  // cached: an overlay's backing file does not change
  };

  std::vector<DomainSpec> effectiveSpecs() const;
  void noteDeaths(const std::vector<DomainInfo>& domains, SteadyTime now);
  bool execute(const struct Op& op, const std::map<std::string, DomainSpec>& specs,
               const std::map<std::string, DomainInfo>& domains);
  Status stopGracefully(const std::string& name);
  Snapshot report(WallTime wall);
  bool setError(const std::string& guest, const Status& status);  // false on error

  Hypervisor& hypervisor_;
  ControllerOptions options_;
  conf::Virt desired_;
  bool desired_set_ = false;
  SteadyTime now_{};  // of the pass being executed
  std::map<std::string, Book> books_;
};

}  // namespace vipd::virt

#pragma once
// An in-memory IPVS table that answers like the kernel (ip_vs_ctl.c):
// EEXIST on a duplicate add, ESRCH for a missing service, ENOENT for a
// missing real server or an unknown scheduler. Records every change asked.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ipvs/kernel.hpp"
#include "ipvs/state.hpp"

namespace vipd::ipvs::testing {

class FakeIpvsKernel final : public Kernel {
 public:
  Result<std::vector<Service>> services() override;
  Result<std::vector<Destination>> destinations(const ServiceKey& service) override;
  Status execute(const Op& op) override;
  Result<Info> info() override;
  Result<Timeouts> timeouts() override;
  Status setTimeouts(const Timeouts& timeouts) override;
  Result<std::vector<SyncDaemon>> syncDaemons() override;
  Status startSyncDaemon(const SyncDaemon& daemon) override;
  Status stopSyncDaemon(SyncState state) override;
  Result<int> sysctl(const std::string& name) override;
  Status setSysctl(const std::string& name, int value) override;

  // The table as the kernel holds it; tests add "foreign" rules here directly.
  Table table;
  std::vector<Op> executed;             // every change asked, accepted or not
  int reads = 0;                        // services() + destinations() calls
  std::optional<int> fail_next_errno;   // the next change fails with this errno
  std::optional<int> fail_reads_errno;  // every read fails with this errno (e.g. no IPVS)
  Timeouts current_timeouts{900, 120, 300};
  std::vector<SyncDaemon> daemons;
  std::map<std::string, int> sysctls{
      {"expire_nodest_conn", 0}, {"sloppy_tcp", 0}, {"expire_quiescent_template", 0}, {"conn_reuse_mode", 1}};
  int sysctl_writes = 0;
  std::optional<int> fail_sysctl_errno;  // every sysctl write fails with this errno

  void clearLog() {
    executed.clear();
    reads = 0;
  }
  void setActiveConnections(const ServiceKey& service, const DestinationKey& destination, uint32_t active);
};

}  // namespace vipd::ipvs::testing

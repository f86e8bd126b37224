#pragma once
// The port to the kernel's IPVS table. Every call returns the kernel's errno
// in the Error (EEXIST, ENOENT, ESRCH, ...); nothing throws.
#include <span>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "ipvs/op.hpp"
#include "ipvs/types.hpp"

namespace vipd::ipvs {

class Kernel {
 public:
  virtual ~Kernel() = default;

  virtual Result<std::vector<Service>> services() = 0;
  virtual Result<std::vector<Destination>> destinations(const ServiceKey& service) = 0;

  // One table change.
  virtual Status execute(const Op& op) = 0;
  // Several independent changes in order; one status per op. Implementations
  // may pipeline them (the kernel still applies them one by one, in order).
  virtual std::vector<Status> executeAll(std::span<const Op> ops) {
    std::vector<Status> results;
    results.reserve(ops.size());
    for (const Op& op : ops) results.push_back(execute(op));
    return results;
  }

  virtual Result<Info> info() = 0;
  virtual Result<Timeouts> timeouts() = 0;
  virtual Status setTimeouts(const Timeouts& timeouts) = 0;
  virtual Result<std::vector<SyncDaemon>> syncDaemons() = 0;
  virtual Status startSyncDaemon(const SyncDaemon& daemon) = 0;
  virtual Status stopSyncDaemon(SyncState state) = 0;
  // The IPVS sysctl net.ipv4.vs.NAME of this network namespace.
  virtual Result<int> sysctl(const std::string& name) = 0;
  virtual Status setSysctl(const std::string& name, int value) = 0;
};

}  // namespace vipd::ipvs

#include "tests/fakes/fake_ipvs_kernel.hpp"

#include <algorithm>

namespace vipd::ipvs::testing {

namespace {
Error kernelError(int err, const Op& op) { return Error::fromErrno(err, op.str()); }
}  // namespace

Result<std::vector<Service>> FakeIpvsKernel::services() {
  ++reads;
  if (fail_reads_errno) return Error::fromErrno(*fail_reads_errno, "list IPVS services");
  std::vector<Service> list;
  for (const auto& [key, state] : table) list.push_back(state.service);
  return list;
}

Result<std::vector<Destination>> FakeIpvsKernel::destinations(const ServiceKey& service) {
  ++reads;
  if (fail_reads_errno) return Error::fromErrno(*fail_reads_errno, "list real servers");
  auto it = table.find(service);
  if (it == table.end()) return Error::fromErrno(ESRCH, "list real servers of " + service.str());
  std::vector<Destination> list;
  for (const auto& [key, destination] : it->second.destinations) list.push_back(destination);
  return list;
}

Status FakeIpvsKernel::execute(const Op& op) {
  executed.push_back(op);
  if (fail_next_errno) {
    const int err = *fail_next_errno;
    fail_next_errno.reset();
    return kernelError(err, op);
  }
  auto service = table.find(op.service.key);
  if (op.kind == Op::Kind::addService) {
    if (service != table.end()) return kernelError(EEXIST, op);
    if (!isKnownScheduler(op.service.scheduler)) return kernelError(ENOENT, op);
  } else {
    if (service == table.end()) return kernelError(ESRCH, op);
    if (op.kind == Op::Kind::updateService && !isKnownScheduler(op.service.scheduler)) return kernelError(ENOENT, op);
    const auto& destinations = service->second.destinations;
    const bool exists = destinations.contains(op.destination.key);
    if (op.kind == Op::Kind::addDestination && exists) return kernelError(EEXIST, op);
    if ((op.kind == Op::Kind::updateDestination || op.kind == Op::Kind::drainDestination ||
         op.kind == Op::Kind::deleteDestination) &&
        !exists)
      return kernelError(ENOENT, op);
  }
  applyToTable(table, op);
  return Ok{};
}

Result<Info> FakeIpvsKernel::info() { return Info{0x010201, 4096}; }

Result<int> FakeIpvsKernel::sysctl(const std::string& name) {
  auto it = sysctls.find(name);
  if (it == sysctls.end()) return Error::fromErrno(ENOENT, "read /proc/sys/net/ipv4/vs/" + name);
  return it->second;
}

Status FakeIpvsKernel::setSysctl(const std::string& name, int value) {
  ++sysctl_writes;
  if (fail_sysctl_errno) return Error::fromErrno(*fail_sysctl_errno, "write /proc/sys/net/ipv4/vs/" + name);
  if (!sysctls.contains(name)) return Error::fromErrno(ENOENT, "write /proc/sys/net/ipv4/vs/" + name);
  sysctls[name] = value;
  return Ok{};
}

Result<Timeouts> FakeIpvsKernel::timeouts() { return current_timeouts; }

Status FakeIpvsKernel::setTimeouts(const Timeouts& timeouts) {
  if (timeouts.tcp) current_timeouts.tcp = timeouts.tcp;
  if (timeouts.tcp_fin) current_timeouts.tcp_fin = timeouts.tcp_fin;
  if (timeouts.udp) current_timeouts.udp = timeouts.udp;
  return Ok{};
}

Result<std::vector<SyncDaemon>> FakeIpvsKernel::syncDaemons() { return daemons; }

Status FakeIpvsKernel::startSyncDaemon(const SyncDaemon& daemon) {
  if (std::any_of(daemons.begin(), daemons.end(), [&](const SyncDaemon& d) { return d.state == daemon.state; }))
    return Error::fromErrno(EEXIST, "start sync daemon");
  daemons.push_back(daemon);
  return Ok{};
}

Status FakeIpvsKernel::stopSyncDaemon(SyncState state) {
  const auto removed = std::erase_if(daemons, [&](const SyncDaemon& d) { return d.state == state; });
  if (removed == 0) return Error::fromErrno(ESRCH, "stop sync daemon");
  return Ok{};
}

void FakeIpvsKernel::setActiveConnections(const ServiceKey& service, const DestinationKey& destination,
                                          uint32_t active) {
  table.at(service).destinations.at(destination).active_conns = active;
}

}  // namespace vipd::ipvs::testing

#pragma once
// The port to the hypervisor: every libvirt call vipd makes goes through
// this interface (the real one is LibvirtHypervisor). All calls block; they
// run on the virt worker thread, never on the io_context.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace vipd::virt {

struct DomainInfo {
  std::string name;
  bool active = false;
  bool autostart = false;
  bool persistent = false;
  std::string inactive_xml;  // the persistent definition
  std::string live_xml;      // the running definition (== inactive_xml when shut off)
  uint64_t memory_kib = 0;   // live
  int vcpus = 0;             // live
};

struct VolumeInfo {
  std::string path;
  std::string format;
  uint64_t capacity = 0;  // bytes
  std::string backing_path;
};

class Hypervisor {
 public:
  virtual ~Hypervisor() = default;

  // Opens the connection when there is none or the old one died.
  virtual Status connect() = 0;
  virtual bool connected() = 0;
  // The domain type this hypervisor runs: "qemu" (TCG; never "kvm" here), "test".
  virtual std::string domainType() = 0;

  virtual Result<std::vector<DomainInfo>> listDomains() = 0;
  virtual Result<bool> isActive(const std::string& name) = 0;
  virtual Status define(const std::string& xml) = 0;
  virtual Status start(const std::string& name) = 0;
  virtual Status shutdown(const std::string& name) = 0;  // ACPI power button
  virtual Status destroy(const std::string& name) = 0;
  virtual Status undefine(const std::string& name) = 0;  // keeps disks
  virtual Status setAutostart(const std::string& name, bool on) = 0;
  virtual Status setLiveMemory(const std::string& name, uint64_t kib) = 0;
  virtual Status setLiveVcpus(const std::string& name, int vcpus) = 0;

  // Creates `disk` as a qcow2 overlay backed by `base` through the storage
  // API (dir pools over both directories) unless it exists. Never writes base.
  virtual Status ensureOverlay(const std::string& disk, const std::string& base) = 0;
  virtual Result<VolumeInfo> volume(const std::string& path) = 0;

  // Called (on some libvirt thread) with a domain's name when its lifecycle
  // changes, and with "" when the connection closed.
  using EventHandler = std::function<void(const std::string& domain)>;
  virtual void onEvent(EventHandler handler) = 0;
};

}  // namespace vipd::virt

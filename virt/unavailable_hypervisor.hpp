#pragma once
// A hypervisor that cannot be reached at all (its module did not load):
// every call fails with the reason, as calls fail while libvirtd is down.
#include "virt/hypervisor.hpp"

namespace vipd::virt {

class UnavailableHypervisor final : public Hypervisor {
 public:
  explicit UnavailableHypervisor(Error why) : why_(std::move(why)) {}

  Status connect() override { return why_; }
  bool connected() override { return false; }
  std::string domainType() override { return ""; }

  Result<std::vector<DomainInfo>> listDomains() override { return why_; }
  Result<bool> isActive(const std::string&) override { return why_; }
  Status define(const std::string&) override { return why_; }
  Status start(const std::string&) override { return why_; }
  Status shutdown(const std::string&) override { return why_; }
  Status destroy(const std::string&) override { return why_; }
  Status undefine(const std::string&) override { return why_; }
  Status setAutostart(const std::string&, bool) override { return why_; }
  Status setLiveMemory(const std::string&, uint64_t) override { return why_; }
  Status setLiveVcpus(const std::string&, int) override { return why_; }

  Status ensureOverlay(const std::string&, const std::string&) override { return why_; }
  Result<VolumeInfo> volume(const std::string&) override { return why_; }

  void onEvent(EventHandler) override {}

 private:
  Error why_;
};

}  // namespace vipd::virt

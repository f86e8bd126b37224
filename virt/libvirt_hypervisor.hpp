#pragma once
// Hypervisor over the libvirt C API. Lifecycle events come from libvirt's
// default event loop, run on one process-wide thread started on first use;
// a keepalive and a close callback notice a libvirtd that went away, and
// connect() opens a fresh connection after that.
#include <memory>
#include <mutex>

#include "virt/hypervisor.hpp"

typedef struct _virConnect virConnect;

namespace vipd::virt {

class LibvirtHypervisor final : public Hypervisor {
 public:
  explicit LibvirtHypervisor(std::string uri);
  ~LibvirtHypervisor() override;
  LibvirtHypervisor(const LibvirtHypervisor&) = delete;
  LibvirtHypervisor& operator=(const LibvirtHypervisor&) = delete;

  Status connect() override;
  bool connected() override;
  std::string domainType() override;

  Result<std::vector<DomainInfo>> listDomains() override;
  Result<bool> isActive(const std::string& name) override;
  Status define(const std::string& xml) override;
  Status start(const std::string& name) override;
  Status shutdown(const std::string& name) override;
  Status destroy(const std::string& name) override;
  Status undefine(const std::string& name) override;
  Status setAutostart(const std::string& name, bool on) override;
  Status setLiveMemory(const std::string& name, uint64_t kib) override;
  Status setLiveVcpus(const std::string& name, int vcpus) override;

  Status ensureOverlay(const std::string& disk, const std::string& base) override;
  Result<VolumeInfo> volume(const std::string& path) override;

  void onEvent(EventHandler handler) override;

  // Shared with libvirt's callbacks, which may outlive a connection.
  struct Listener {
    std::mutex mutex;
    EventHandler handler;
    bool closed = false;
    void notify(const std::string& domain);
  };

 private:
  void disconnect();

  std::string uri_;
  virConnect* conn_ = nullptr;
  int lifecycle_callback_ = -1;
  std::shared_ptr<Listener> listener_ = std::make_shared<Listener>();
};

}  // namespace vipd::virt

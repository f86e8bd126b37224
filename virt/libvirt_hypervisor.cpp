#include "virt/libvirt_hypervisor.hpp"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <system_error>
#include <thread>

#include "common/log.hpp"
#include "virt/storage_xml.hpp"

namespace vipd::virt {

namespace {

// libvirt prints every error to stderr unless told otherwise; vipd reports
// them through Result instead.
void quietErrors(void*, virErrorPtr) {}

// The default event loop is process-wide: registered once, run forever on
// its own thread (it must exist before the first connection opens).
void ensureEventLoop() {
  static std::once_flag once;
  std::call_once(once, [] {
    virSetErrorFunc(nullptr, quietErrors);
    if (virEventRegisterDefaultImpl() < 0) {
      log::error("virt: cannot register libvirt's event loop; lifecycle events will be polled only");
      return;
    }
    try {
      std::thread([] {
        while (true) virEventRunDefaultImpl();
      }).detach();
    } catch (const std::system_error& e) {
      log::error(std::string("virt: no thread for libvirt's event loop (") + e.what() +
                 "); lifecycle events will be polled only");
    }
  });
}

Error lastError(const std::string& what) {
  virErrorPtr err = virGetLastError();
  int code = EIO;
  std::string message = "unknown libvirt error";
  if (err) {
    if (err->code == VIR_ERR_NO_DOMAIN || err->code == VIR_ERR_NO_STORAGE_VOL || err->code == VIR_ERR_NO_STORAGE_POOL)
      code = ENOENT;
    else if (err->code == VIR_ERR_OPERATION_INVALID)
      code = EINVAL;
    else if (err->code == VIR_ERR_NO_CONNECT || err->code == VIR_ERR_SYSTEM_ERROR || err->code == VIR_ERR_RPC)
      code = ECONNRESET;
    if (err->message) message = err->message;
  }
  return Error{std::error_code(code, std::system_category()), what + ": " + message};
}

std::string takeString(char* text) {
  std::string copy = text ? text : "";
  std::free(text);
  return copy;
}

struct DomainFree {
  void operator()(virDomainPtr d) const { virDomainFree(d); }
};
struct PoolFree {
  void operator()(virStoragePoolPtr p) const { virStoragePoolFree(p); }
};
struct VolFree {
  void operator()(virStorageVolPtr v) const { virStorageVolFree(v); }
};
using Domain = std::unique_ptr<virDomain, DomainFree>;
using Pool = std::unique_ptr<virStoragePool, PoolFree>;
using Vol = std::unique_ptr<virStorageVol, VolFree>;

int lifecycleEvent(virConnectPtr, virDomainPtr dom, int, int, void* opaque) {
  static_cast<std::shared_ptr<LibvirtHypervisor::Listener>*>(opaque)->get()->notify(virDomainGetName(dom));
  return 0;
}

void connectionClosed(virConnectPtr, int, void* opaque) {
  auto* listener = static_cast<LibvirtHypervisor::Listener*>(opaque);
  {
    std::lock_guard lock(listener->mutex);
    listener->closed = true;
  }
  listener->notify("");
}

void freeListener(void* opaque) { delete static_cast<std::shared_ptr<LibvirtHypervisor::Listener>*>(opaque); }

}  // namespace

void LibvirtHypervisor::Listener::notify(const std::string& domain) {
  EventHandler copy;
  {
    std::lock_guard lock(mutex);
    copy = handler;
  }
  if (copy) copy(domain);
}

LibvirtHypervisor::LibvirtHypervisor(std::string uri) : uri_(std::move(uri)) { ensureEventLoop(); }

LibvirtHypervisor::~LibvirtHypervisor() {
  {
    std::lock_guard lock(listener_->mutex);
    listener_->handler = nullptr;
  }
  disconnect();
}

void LibvirtHypervisor::onEvent(EventHandler handler) {
  std::lock_guard lock(listener_->mutex);
  listener_->handler = std::move(handler);
}

void LibvirtHypervisor::disconnect() {
  if (!conn_) return;
  if (lifecycle_callback_ >= 0) virConnectDomainEventDeregisterAny(conn_, lifecycle_callback_);
  virConnectUnregisterCloseCallback(conn_, connectionClosed);
  virConnectClose(conn_);
  conn_ = nullptr;
  lifecycle_callback_ = -1;
}

bool LibvirtHypervisor::connected() {
  if (!conn_) return false;
  {
    std::lock_guard lock(listener_->mutex);
    if (listener_->closed) return false;
  }
  return virConnectIsAlive(conn_) == 1;
}

Status LibvirtHypervisor::connect() {
  if (connected()) return Ok{};
  disconnect();
  conn_ = virConnectOpen(uri_.c_str());
  if (!conn_) return lastError("connect to " + uri_);
  {
    std::lock_guard lock(listener_->mutex);
    listener_->closed = false;
  }
  virConnectSetKeepAlive(conn_, 2, 3);  // fails harmlessly on drivers without keepalive (test:///)
  // Drivers without close callbacks (test:///) accept the registration and
  // never call a free function, so this opaque is not owned by libvirt: it is
  // our listener_, unregistered in disconnect() before it can go away.
  virConnectRegisterCloseCallback(conn_, connectionClosed, listener_.get(), nullptr);
  auto* opaque = new std::shared_ptr<Listener>(listener_);  // libvirt frees it on deregistration
  lifecycle_callback_ = virConnectDomainEventRegisterAny(
      conn_, nullptr, VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK(lifecycleEvent), opaque, freeListener);
  if (lifecycle_callback_ < 0) {
    delete opaque;
    log::warning("virt: no lifecycle events from " + uri_ + ", polling only");
  }
  return Ok{};
}

std::string LibvirtHypervisor::domainType() {
  const char* type = conn_ ? virConnectGetType(conn_) : nullptr;
  return type && std::string(type) == "TEST" ? "test" : "qemu";
}

Result<std::vector<DomainInfo>> LibvirtHypervisor::listDomains() {
  if (!conn_) return Error::fromErrno(ENOTCONN, "list domains");
  virDomainPtr* domains = nullptr;
  int count = virConnectListAllDomains(conn_, &domains, 0);
  if (count < 0) return lastError("list domains");
  std::vector<Domain> owned(domains, domains + count);
  std::free(domains);

  std::vector<DomainInfo> infos;
  for (auto& dom : owned) {
    DomainInfo info;
    info.name = virDomainGetName(dom.get());
    info.active = virDomainIsActive(dom.get()) == 1;
    info.persistent = virDomainIsPersistent(dom.get()) == 1;
    int autostart = 0;
    if (virDomainGetAutostart(dom.get(), &autostart) == 0) info.autostart = autostart != 0;
    info.inactive_xml = takeString(virDomainGetXMLDesc(dom.get(), VIR_DOMAIN_XML_INACTIVE));
    info.live_xml = info.active ? takeString(virDomainGetXMLDesc(dom.get(), 0)) : info.inactive_xml;
    virDomainInfo state;
    if (virDomainGetInfo(dom.get(), &state) == 0) {
      info.memory_kib = state.memory;
      info.vcpus = state.nrVirtCpu;
    }
    infos.push_back(std::move(info));
  }
  return infos;
}

namespace {

template <class Call>
Status onDomain(virConnectPtr conn, const std::string& name, const std::string& what, Call call) {
  if (!conn) return Error::fromErrno(ENOTCONN, what + " " + name);
  Domain dom(virDomainLookupByName(conn, name.c_str()));
  if (!dom) return lastError(what + " " + name);
  if (call(dom.get()) < 0) return lastError(what + " " + name);
  return Ok{};
}

}  // namespace

Result<bool> LibvirtHypervisor::isActive(const std::string& name) {
  bool active = false;
  auto status = onDomain(conn_, name, "state of", [&](virDomainPtr d) {
    int r = virDomainIsActive(d);
    active = r == 1;
    return r;
  });
  if (!status) return status.error();
  return active;
}

Status LibvirtHypervisor::define(const std::string& xml) {
  if (!conn_) return Error::fromErrno(ENOTCONN, "define");
  Domain dom(virDomainDefineXML(conn_, xml.c_str()));
  if (!dom) return lastError("define");
  return Ok{};
}

Status LibvirtHypervisor::start(const std::string& name) { return onDomain(conn_, name, "start", virDomainCreate); }
Status LibvirtHypervisor::shutdown(const std::string& name) {
  return onDomain(conn_, name, "shutdown", virDomainShutdown);
}
Status LibvirtHypervisor::destroy(const std::string& name) {
  return onDomain(conn_, name, "destroy", virDomainDestroy);
}

Status LibvirtHypervisor::undefine(const std::string& name) {
  return onDomain(conn_, name, "undefine", [](virDomainPtr d) {
    // Managed save and snapshot metadata go with the definition; disks stay.
    return virDomainUndefineFlags(d, VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA);
  });
}

Status LibvirtHypervisor::setAutostart(const std::string& name, bool on) {
  return onDomain(conn_, name, "autostart", [on](virDomainPtr d) { return virDomainSetAutostart(d, on ? 1 : 0); });
}

Status LibvirtHypervisor::setLiveMemory(const std::string& name, uint64_t kib) {
  return onDomain(conn_, name, "set live memory of",
                  [kib](virDomainPtr d) { return virDomainSetMemoryFlags(d, kib, VIR_DOMAIN_AFFECT_LIVE); });
}

Status LibvirtHypervisor::setLiveVcpus(const std::string& name, int vcpus) {
  return onDomain(conn_, name, "set live vcpus of",
                  [vcpus](virDomainPtr d) { return virDomainSetVcpusFlags(d, vcpus, VIR_DOMAIN_AFFECT_LIVE); });
}

namespace {

// The active pool whose target is `directory`; a transient dir pool named
// after the directory is created when none covers it.
Result<Pool> poolFor(virConnectPtr conn, const std::string& directory) {
  virStoragePoolPtr* pools = nullptr;
  int count = virConnectListAllStoragePools(conn, &pools, 0);
  if (count < 0) return lastError("list storage pools");
  std::vector<Pool> owned(pools, pools + count);
  std::free(pools);
  for (auto& pool : owned) {
    if (poolTargetPath(takeString(virStoragePoolGetXMLDesc(pool.get(), 0))) != directory) continue;
    if (virStoragePoolIsActive(pool.get()) != 1 && virStoragePoolCreate(pool.get(), 0) < 0)
      return lastError("start storage pool for " + directory);
    if (virStoragePoolRefresh(pool.get(), 0) < 0) return lastError("refresh storage pool for " + directory);
    return std::move(pool);
  }
  std::string xml = dirPoolXml(poolNameFor(directory), directory);
  Pool pool(virStoragePoolCreateXML(conn, xml.c_str(), 0));
  if (!pool) return lastError("create storage pool for " + directory);
  return pool;
}

}  // namespace

Status LibvirtHypervisor::ensureOverlay(const std::string& disk, const std::string& base) {
  if (!conn_) return Error::fromErrno(ENOTCONN, "create overlay " + disk);
  auto [disk_dir, disk_name] = splitPath(disk);
  auto disk_pool = poolFor(conn_, disk_dir);
  if (!disk_pool) return disk_pool.error();
  if (Vol existing(virStorageVolLookupByName(disk_pool->get(), disk_name.c_str())); existing) return Ok{};

  auto [base_dir, base_name] = splitPath(base);
  std::optional<Result<Pool>> other_pool;
  if (base_dir != disk_dir) other_pool = poolFor(conn_, base_dir);
  if (other_pool && !*other_pool) return other_pool->error();
  virStoragePoolPtr base_pool = other_pool ? (*other_pool)->get() : disk_pool->get();
  Vol base_vol(virStorageVolLookupByName(base_pool, base_name.c_str()));
  if (!base_vol) return lastError("base image " + base);
  VolumeFacts facts = parseVolumeXml(takeString(virStorageVolGetXMLDesc(base_vol.get(), 0)));

  OverlaySpec overlay{disk_name, facts.capacity, base, facts.format.empty() ? "raw" : facts.format};
  Vol created(virStorageVolCreateXML(disk_pool->get(), overlayVolumeXml(overlay).c_str(), 0));
  if (!created) return lastError("create overlay " + disk + " on " + base);
  log::info("virt: created " + disk + " as a qcow2 overlay on " + base);
  return Ok{};
}

Result<VolumeInfo> LibvirtHypervisor::volume(const std::string& path) {
  if (!conn_) return Error::fromErrno(ENOTCONN, "volume " + path);
  Vol vol(virStorageVolLookupByPath(conn_, path.c_str()));
  if (!vol) return lastError("volume " + path);
  VolumeFacts facts = parseVolumeXml(takeString(virStorageVolGetXMLDesc(vol.get(), 0)));
  return VolumeInfo{facts.path.empty() ? path : facts.path, facts.format, facts.capacity, facts.backing_path};
}

}  // namespace vipd::virt

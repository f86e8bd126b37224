#include "virt/guest_controller.hpp"

#include <algorithm>
#include <thread>

#include "common/log.hpp"
#include "virt/domain_xml.hpp"
#include "virt/reconcile.hpp"

namespace vipd::virt {

GuestController::GuestController(Hypervisor& hypervisor, ControllerOptions options)
    : hypervisor_(hypervisor), options_(options) {}

void GuestController::setDesired(const conf::Virt& virt) {
  for (const auto& guest : virt.guests) {
    auto before = std::find_if(desired_.guests.begin(), desired_.guests.end(),
                               [&](const conf::VirtGuest& g) { return g.name == guest.name; });
    if (before == desired_.guests.end() || !(*before == guest)) books_[guest.name].override_running.reset();
  }
  desired_ = virt;
  desired_set_ = true;
}

std::vector<DomainSpec> GuestController::effectiveSpecs() const {
  auto specs = specsFromConfig(desired_, hypervisor_.domainType());
  for (auto& spec : specs) {
    auto book = books_.find(spec.name);
    if (book != books_.end() && book->second.override_running) spec.running = *book->second.override_running;
  }
  return specs;
}

bool GuestController::setError(const std::string& guest, const Status& status) {
  if (status) return true;
  log::warning("virt: " + status.error().message());
  books_[guest].last_error = status.error().message();
  return false;
}

// A guest seen running that is now off without vipd stopping it died: its
// next start waits for an exponential backoff, counted from the start of the
// pass that saw it (the death happened about then: a pass is short unless
// libvirt itself is busy with the dying guest).
void GuestController::noteDeaths(const std::vector<DomainInfo>& domains, SteadyTime now) {
  for (const auto& domain : domains) {
    auto found = books_.find(domain.name);
    if (found == books_.end()) continue;
    Book& book = found->second;
    if (domain.active && !book.was_active) book.active_since = now;
    if (!domain.active && book.was_active) {
      if (now - book.active_since >= options_.stable_after) book.consecutive_deaths = 0;
      ++book.consecutive_deaths;
      auto delay = options_.backoff_initial * (1 << std::min(book.consecutive_deaths - 1, 16));
      book.next_start = now + std::min<std::chrono::milliseconds>(delay, options_.backoff_max);
      log::warning(
          "virt: guest " + domain.name + " stopped unexpectedly; starting it again in " +
          std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(book.next_start - now).count()) + " ms");
    }
    book.was_active = domain.active;
  }
}

Status GuestController::stopGracefully(const std::string& name) {
  auto sent = hypervisor_.shutdown(name);
  auto deadline = std::chrono::steady_clock::now() + desired_.shutdown_timeout.value_or(options_.shutdown_timeout);
  while (sent && std::chrono::steady_clock::now() < deadline) {
    auto active = hypervisor_.isActive(name);
    if (!active) return active.error();
    if (!*active) return Ok{};
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto active = hypervisor_.isActive(name);
  if (active && !*active) return Ok{};
  log::info("virt: guest " + name + " did not shut down gracefully; destroying it");
  return hypervisor_.destroy(name);
}

bool GuestController::execute(const Op& op, const std::map<std::string, DomainSpec>& specs,
                              const std::map<std::string, DomainInfo>& domains) {
  Book& book = books_[op.guest];
  auto spec = specs.find(op.guest);
  switch (op.kind) {
    case OpKind::remove: {
      auto domain = domains.find(op.guest);
      Status stopped = Ok{};
      if (domain != domains.end() && domain->second.active) stopped = stopGracefully(op.guest);
      if (!stopped) return setError(op.guest, stopped);
      if (!setError(op.guest, hypervisor_.undefine(op.guest))) return false;
      log::info("virt: guest " + op.guest + " removed from the config: shut down and undefined, disk kept");
      books_.erase(op.guest);
      return true;
    }
    case OpKind::define: {
      const DomainSpec& s = spec->second;
      if (!s.base_image.empty() && !s.disk.empty()) {
        auto overlay = hypervisor_.ensureOverlay(s.disk, s.base_image);
        if (!overlay) return setError(op.guest, overlay);
      }
      auto defined = hypervisor_.define(buildDomainXml(s));
      if (defined) log::info("virt: guest " + op.guest + " defined");
      return setError(op.guest, defined);
    }
    case OpKind::apply_live: {
      const DomainSpec& s = spec->second;
      const DomainInfo& live = domains.at(op.guest);
      if (live.vcpus != s.vcpus) {
        if (auto set = hypervisor_.setLiveVcpus(op.guest, s.vcpus); !set)
          log::warning("virt: guest " + op.guest + ": vcpus apply at next boot (" + set.error().message() + ")");
      }
      if (live.memory_kib != s.memory_kib) {
        if (auto set = hypervisor_.setLiveMemory(op.guest, s.memory_kib); !set)
          log::warning("virt: guest " + op.guest + ": memory applies at next boot (" + set.error().message() + ")");
      }
      return true;
    }
    case OpKind::set_autostart:
      return setError(op.guest, hypervisor_.setAutostart(op.guest, op.value));
    case OpKind::start: {
      auto started = hypervisor_.start(op.guest);
      if (started) {
        if (book.consecutive_deaths > 0) ++book.restarts;
        book.was_active = true;
        book.active_since = now_;
        log::info("virt: guest " + op.guest + " started");
        book.last_error.clear();
      } else {
        book.next_start = std::chrono::steady_clock::now() + options_.backoff_initial;
      }
      return setError(op.guest, started);
    }
    case OpKind::stop:
      book.was_active = false;
      return setError(op.guest, stopGracefully(op.guest));
    case OpKind::conflict:
      book.last_error = "a domain named " + op.guest + " exists and is not vipd's: left untouched";
      return false;
  }
  return false;
}

Snapshot GuestController::reconcile(SteadyTime now, WallTime wall) {
  now_ = now;
  Snapshot snapshot;
  if (auto connected = hypervisor_.connect(); !connected) {
    snapshot.error = connected.error().message();
    return snapshot;
  }
  auto domains = hypervisor_.listDomains();
  if (!domains) {
    snapshot.error = domains.error().message();
    return snapshot;
  }
  if (desired_set_) {
    for (const auto& guest : desired_.guests) books_[guest.name];
    noteDeaths(*domains, now);
    auto specs = effectiveSpecs();
    std::map<std::string, DomainSpec> byName;
    for (const auto& spec : specs) byName[spec.name] = spec;
    std::map<std::string, DomainInfo> live;
    std::vector<ActualDomain> actual;
    for (const auto& domain : *domains) {
      live[domain.name] = domain;
      auto facts = parseDomainXml(domain.inactive_xml);
      bool owned = facts && facts->owned;
      actual.push_back({domain.name, owned, owned ? facts->digest : "", domain.active, domain.autostart});
    }
    std::set<std::string> held;
    for (const auto& [name, book] : books_)
      if (now < book.next_start) held.insert(name);
    std::set<std::string> failed;  // a failed define skips the guest's later operations
    for (const auto& op : diff(specs, actual, held)) {
      if (failed.count(op.guest)) continue;
      log::debug("virt: " + toString(op));
      if (!execute(op, byName, live) && op.kind == OpKind::define) failed.insert(op.guest);
    }
  }
  return report(wall);
}

Snapshot GuestController::report(WallTime wall) {
  Snapshot snapshot;
  snapshot.connected = hypervisor_.connected();
  auto domains = hypervisor_.listDomains();
  if (!domains) {
    snapshot.error = domains.error().message();
    return snapshot;
  }
  std::map<std::string, const DomainInfo*> byName;
  for (const auto& domain : *domains) byName[domain.name] = &domain;
  for (const auto& spec : effectiveSpecs()) {
    Book& book = books_[spec.name];
    GuestStatus status;
    status.name = spec.name;
    status.desired_running = spec.running;
    status.disk = spec.disk;
    if (auto found = byName.find(spec.name); found != byName.end()) {
      const DomainInfo& domain = *found->second;
      auto persistent = parseDomainXml(domain.inactive_xml);
      auto live = parseDomainXml(domain.live_xml);
      if (persistent && !persistent->owned) {
        status.state = "conflict";
      } else {
        status.state = domain.active ? "running" : "shut off";
      }
      if (persistent) {
        status.memory_kib = persistent->memory_kib;
        status.vcpus = persistent->vcpus;
        status.macs = persistent->macs;
        if (!persistent->disk.empty()) status.disk = persistent->disk;
      }
      if (domain.active) {
        status.live_memory_kib = domain.memory_kib;
        status.live_vcpus = domain.vcpus;
        if (live) {
          status.vnc_port = live->vnc_port;
          status.taps = live->taps;
        }
      }
      status.autostart = domain.autostart;
    }
    if (book.backing_file.empty() && !status.disk.empty() && status.state != "absent") {
      if (auto volume = hypervisor_.volume(status.disk)) book.backing_file = volume->backing_path;
    }
    status.backing_file = book.backing_file;
    if (book.state != status.state) {
      book.state = status.state;
      book.since = wall;
    }
    status.since = book.since;
    status.restarts = book.restarts;
    status.last_error = book.last_error;
    snapshot.guests.push_back(std::move(status));
  }
  return snapshot;
}

Status GuestController::command(const std::string& action, const std::string& guest, SteadyTime now) {
  bool known = std::any_of(desired_.guests.begin(), desired_.guests.end(),
                           [&](const conf::VirtGuest& g) { return g.name == guest; });
  if (!known) return Error::fromErrno(ENOENT, "no guest named " + guest + " in the config");
  if (auto connected = hypervisor_.connect(); !connected) return connected;
  Book& book = books_[guest];
  if (action == "start") {
    book.override_running = true;
    book.next_start = now;
    return Ok{};  // the next reconcile starts it (and defines it first when needed)
  }
  if (action == "stop") {
    book.override_running = false;
    book.was_active = false;
    auto active = hypervisor_.isActive(guest);
    if (!active) return active.error();
    return *active ? stopGracefully(guest) : Status(Ok{});
  }
  if (action == "restart") {
    book.override_running = true;
    auto active = hypervisor_.isActive(guest);
    if (!active) return active.error();
    book.was_active = false;
    if (*active) {
      if (auto destroyed = hypervisor_.destroy(guest); !destroyed) return destroyed;
    }
    auto started = hypervisor_.start(guest);
    if (started) {
      ++book.restarts;
      book.was_active = true;
      book.active_since = now;
    }
    return started;
  }
  return Error::fromErrno(EINVAL, "unknown action " + action + " (start | stop | restart)");
}

}  // namespace vipd::virt

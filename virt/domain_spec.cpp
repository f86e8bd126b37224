#include "virt/domain_spec.hpp"

#include <cstdio>

namespace vipd::virt {

VncSpec vncFromConfig(const conf::VirtGuest& guest) {
  if (guest.vnc_port) return VncSpec{VncMode::fixed, *guest.vnc_port};
  if (guest.vnc_auto) return VncSpec{VncMode::automatic, 0};
  return VncSpec{};
}

std::vector<DomainSpec> specsFromConfig(const conf::Virt& virt, const std::string& domain_type) {
  std::vector<NicRequest> requests;
  for (const auto& guest : virt.guests) requests.push_back({guest.name, guest.bridges.size()});
  auto macs = assignMacs(requests);

  std::vector<DomainSpec> specs;
  for (const auto& guest : virt.guests) {
    DomainSpec spec;
    spec.name = guest.name;
    spec.uuid = guestUuid(guest.name);
    spec.domain_type = domain_type;
    spec.memory_kib = guest.memory / 1024;
    spec.vcpus = guest.vcpus;
    spec.disk = guest.disk;
    spec.base_image = guest.base_image;
    for (size_t i = 0; i < guest.bridges.size(); ++i)
      spec.nics.push_back({guest.bridges[i], formatMac(macs[guest.name][i])});
    spec.vnc = vncFromConfig(guest);
    spec.kernel = guest.kernel;
    spec.initrd = guest.initrd;
    spec.cmdline = guest.cmdline;
    spec.console_log = guest.console_log;
    spec.autostart = guest.autostart;
    spec.running = guest.running;
    specs.push_back(std::move(spec));
  }
  return specs;
}

namespace {

// FNV-1a, 64 bit: stable across builds and platforms.
struct Fnv {
  uint64_t hash = 14695981039346656037ull;
  void add(const std::string& text) {
    for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
    hash = (hash ^ 0xff) * 1099511628211ull;  // field separator
  }
};

}  // namespace

std::string specDigest(const DomainSpec& spec) {
  Fnv fnv;
  for (const std::string& field :
       {spec.name, spec.uuid, spec.domain_type, std::to_string(spec.memory_kib), std::to_string(spec.vcpus), spec.disk,
        spec.base_image, spec.kernel, spec.initrd, spec.cmdline, spec.console_log,
        std::to_string(static_cast<int>(spec.vnc.mode)), std::to_string(spec.vnc.port)})
    fnv.add(field);
  for (const auto& nic : spec.nics) {
    fnv.add(nic.bridge);
    fnv.add(nic.mac);
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(fnv.hash));
  return text;
}

}  // namespace vipd::virt

#pragma once
// The desired definition of one guest as plain data, built from the config
// (conf::VirtGuest) plus the derived identities. Pure.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "conf/config.hpp"
#include "virt/identity.hpp"

namespace vipd::virt {

enum class VncMode { off, automatic, fixed };

struct VncSpec {
  VncMode mode = VncMode::off;
  int port = 0;  // fixed only
  bool operator==(const VncSpec&) const = default;
};

VncSpec vncFromConfig(const conf::VirtGuest& guest);

struct NicSpec {
  std::string bridge;
  std::string mac;
  bool operator==(const NicSpec&) const = default;
};

struct DomainSpec {
  std::string name;
  std::string uuid;
  std::string domain_type = "qemu";  // never "kvm" on these hosts; "test" for the test driver
  uint64_t memory_kib = 0;
  int vcpus = 1;
  std::string disk;
  std::string base_image;
  std::vector<NicSpec> nics;
  VncSpec vnc;
  std::string kernel, initrd, cmdline;
  std::string console_log;
  bool autostart = true;
  bool running = true;

  bool operator==(const DomainSpec&) const = default;
};

// Specs for all guests of the config, with collision-free MACs.
std::vector<DomainSpec> specsFromConfig(const conf::Virt& virt, const std::string& domain_type);

// A short stable fingerprint of everything that goes into the persistent
// definition (not autostart / running, which libvirt keeps outside the XML).
std::string specDigest(const DomainSpec& spec);

}  // namespace vipd::virt

#pragma once
// libvirt domain XML from a DomainSpec, and the few facts vipd reads back
// from a domain's XML. Built with pugixml, never by pasting strings. Pure.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "virt/domain_spec.hpp"

namespace vipd::virt {

// vipd's ownership marker: <metadata><vipd:guest xmlns:vipd=URI digest=".."/>.
inline constexpr const char* kMetadataNamespace = "https://vipd.dev/xmlns/libvirt/guest/1";
inline constexpr const char* kMetadataPrefix = "vipd";

std::string buildDomainXml(const DomainSpec& spec);

struct DomainFacts {
  std::string name;
  std::string uuid;
  bool owned = false;  // carries vipd's metadata marker
  std::string digest;  // from the marker
  uint64_t memory_kib = 0;
  int vcpus = 0;
  std::string disk;               // first disk's source file
  std::vector<std::string> macs;  // in NIC order
  std::vector<std::string> taps;  // <target dev> of each NIC, live XML only
  std::optional<int> vnc_port;    // live XML: the port autoport picked
};

Result<DomainFacts> parseDomainXml(const std::string& xml);

}  // namespace vipd::virt

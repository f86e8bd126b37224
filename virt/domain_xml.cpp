#include "virt/domain_xml.hpp"

#include <sstream>

#include <pugixml.hpp>

namespace vipd::virt {

namespace {

void text(pugi::xml_node parent, const char* name, const std::string& value) {
  parent.append_child(name).text().set(value.c_str());
}

void memory(pugi::xml_node domain, const char* name, uint64_t kib) {
  auto node = domain.append_child(name);
  node.append_attribute("unit") = "KiB";
  node.text().set(static_cast<unsigned long long>(kib));
}

void appendOs(pugi::xml_node domain, const DomainSpec& spec) {
  auto os = domain.append_child("os");
  auto type = os.append_child("type");
  type.append_attribute("arch") = "x86_64";
  type.text().set("hvm");
  if (spec.kernel.empty()) {
    os.append_child("boot").append_attribute("dev") = "hd";
    return;
  }
  text(os, "kernel", spec.kernel);
  if (!spec.initrd.empty()) text(os, "initrd", spec.initrd);
  if (!spec.cmdline.empty()) text(os, "cmdline", spec.cmdline);
}

void appendDisk(pugi::xml_node devices, const DomainSpec& spec) {
  auto disk = devices.append_child("disk");
  disk.append_attribute("type") = "file";
  disk.append_attribute("device") = "disk";
  auto driver = disk.append_child("driver");
  driver.append_attribute("name") = "qemu";
  driver.append_attribute("type") = "qcow2";
  disk.append_child("source").append_attribute("file") = spec.disk.c_str();
  auto target = disk.append_child("target");
  target.append_attribute("dev") = "vda";
  target.append_attribute("bus") = "virtio";
}

void appendNic(pugi::xml_node devices, const NicSpec& nic) {
  auto iface = devices.append_child("interface");
  iface.append_attribute("type") = "bridge";
  iface.append_child("mac").append_attribute("address") = nic.mac.c_str();
  iface.append_child("source").append_attribute("bridge") = nic.bridge.c_str();
  iface.append_child("model").append_attribute("type") = "virtio";
}

void appendSerial(pugi::xml_node devices, const DomainSpec& spec) {
  auto serial = devices.append_child("serial");
  if (spec.console_log.empty()) {
    serial.append_attribute("type") = "pty";
  } else {
    serial.append_attribute("type") = "file";
    auto source = serial.append_child("source");
    source.append_attribute("path") = spec.console_log.c_str();
    source.append_attribute("append") = "on";
  }
  serial.append_child("target").append_attribute("port") = 0;
}

void appendVnc(pugi::xml_node devices, const VncSpec& vnc) {
  if (vnc.mode == VncMode::off) return;
  auto graphics = devices.append_child("graphics");
  graphics.append_attribute("type") = "vnc";
  if (vnc.mode == VncMode::fixed) {
    graphics.append_attribute("port") = vnc.port;
    graphics.append_attribute("autoport") = "no";
  } else {
    graphics.append_attribute("autoport") = "yes";
  }
  graphics.append_attribute("listen") = "127.0.0.1";
}

}  // namespace

std::string buildDomainXml(const DomainSpec& spec) {
  pugi::xml_document doc;
  auto domain = doc.append_child("domain");
  domain.append_attribute("type") = spec.domain_type.c_str();
  text(domain, "name", spec.name);
  text(domain, "uuid", spec.uuid);

  auto marker = domain.append_child("metadata").append_child((std::string(kMetadataPrefix) + ":guest").c_str());
  marker.append_attribute((std::string("xmlns:") + kMetadataPrefix).c_str()) = kMetadataNamespace;
  marker.append_attribute("digest") = specDigest(spec).c_str();

  memory(domain, "memory", spec.memory_kib);
  memory(domain, "currentMemory", spec.memory_kib);
  domain.append_child("vcpu").text().set(spec.vcpus);
  appendOs(domain, spec);
  domain.append_child("features").append_child("acpi");
  text(domain, "on_poweroff", "destroy");
  text(domain, "on_reboot", "restart");
  text(domain, "on_crash", "destroy");

  auto devices = domain.append_child("devices");
  appendDisk(devices, spec);
  for (const auto& nic : spec.nics) appendNic(devices, nic);
  appendSerial(devices, spec);
  appendVnc(devices, spec.vnc);
  devices.append_child("memballoon").append_attribute("model") = "virtio";

  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default | pugi::format_no_declaration);
  return out.str();
}

namespace {

uint64_t kibOf(pugi::xml_node node) {
  uint64_t value = node.text().as_ullong();
  std::string unit = node.attribute("unit").as_string("KiB");
  if (unit == "b" || unit == "bytes") return value / 1024;
  if (unit == "M" || unit == "MiB") return value * 1024;
  if (unit == "G" || unit == "GiB") return value * 1024 * 1024;
  return value;
}

// The metadata child in vipd's namespace, whatever prefix libvirt gave it.
pugi::xml_node findMarker(pugi::xml_node metadata) {
  for (auto child : metadata.children()) {
    for (auto attr : child.attributes()) {
      std::string name = attr.name();
      if (name.rfind("xmlns", 0) == 0 && std::string(attr.value()) == kMetadataNamespace) return child;
    }
  }
  return {};
}

}  // namespace

Result<DomainFacts> parseDomainXml(const std::string& xml) {
  pugi::xml_document doc;
  auto parsed = doc.load_string(xml.c_str());
  if (!parsed) return Error::fromErrno(EINVAL, std::string("domain XML: ") + parsed.description());
  auto domain = doc.child("domain");
  if (!domain) return Error::fromErrno(EINVAL, "domain XML: no <domain> element");

  DomainFacts facts;
  facts.name = domain.child("name").text().as_string();
  facts.uuid = domain.child("uuid").text().as_string();
  if (auto marker = findMarker(domain.child("metadata"))) {
    facts.owned = true;
    facts.digest = marker.attribute("digest").as_string();
  }
  facts.memory_kib = kibOf(domain.child("memory"));
  facts.vcpus = domain.child("vcpu").text().as_int();
  auto devices = domain.child("devices");
  if (auto disk = devices.find_child_by_attribute("disk", "device", "disk"))
    facts.disk = disk.child("source").attribute("file").as_string();
  for (auto iface : devices.children("interface")) {
    facts.macs.push_back(iface.child("mac").attribute("address").as_string());
    if (auto target = iface.child("target")) facts.taps.push_back(target.attribute("dev").as_string());
  }
  if (auto vnc = devices.find_child_by_attribute("graphics", "type", "vnc")) {
    int port = vnc.attribute("port").as_int(-1);
    if (port > 0) facts.vnc_port = port;
  }
  return facts;
}

}  // namespace vipd::virt

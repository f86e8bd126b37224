#include "virt/storage_xml.hpp"

#include <cstdio>
#include <sstream>

#include <pugixml.hpp>

namespace vipd::virt {

namespace {

std::string save(const pugi::xml_document& doc) {
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default | pugi::format_no_declaration);
  return out.str();
}

}  // namespace

std::string poolNameFor(const std::string& directory) {
  uint64_t hash = 14695981039346656037ull;  // FNV-1a 64
  for (unsigned char c : directory) hash = (hash ^ c) * 1099511628211ull;
  char name[32];
  std::snprintf(name, sizeof name, "vipd-%016llx", static_cast<unsigned long long>(hash));
  return name;
}

std::string dirPoolXml(const std::string& name, const std::string& directory) {
  pugi::xml_document doc;
  auto pool = doc.append_child("pool");
  pool.append_attribute("type") = "dir";
  pool.append_child("name").text().set(name.c_str());
  pool.append_child("target").append_child("path").text().set(directory.c_str());
  return save(doc);
}

std::string overlayVolumeXml(const OverlaySpec& spec) {
  pugi::xml_document doc;
  auto volume = doc.append_child("volume");
  volume.append_child("name").text().set(spec.name.c_str());
  auto capacity = volume.append_child("capacity");
  capacity.append_attribute("unit") = "bytes";
  capacity.text().set(static_cast<unsigned long long>(spec.capacity));
  auto target = volume.append_child("target");
  target.append_child("format").append_attribute("type") = "qcow2";
  target.append_child("compat").text().set("1.1");
  auto backing = volume.append_child("backingStore");
  backing.append_child("path").text().set(spec.backing_path.c_str());
  backing.append_child("format").append_attribute("type") = spec.backing_format.c_str();
  return save(doc);
}

std::pair<std::string, std::string> splitPath(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return {".", path};
  if (slash == 0) return {"/", path.substr(1)};
  return {path.substr(0, slash), path.substr(slash + 1)};
}

}  // namespace vipd::virt

namespace vipd::virt {

std::string poolTargetPath(const std::string& pool_xml) {
  pugi::xml_document doc;
  if (!doc.load_string(pool_xml.c_str())) return "";
  std::string path = doc.child("pool").child("target").child("path").text().as_string();
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

VolumeFacts parseVolumeXml(const std::string& volume_xml) {
  VolumeFacts facts;
  pugi::xml_document doc;
  if (!doc.load_string(volume_xml.c_str())) return facts;
  auto volume = doc.child("volume");
  facts.path = volume.child("target").child("path").text().as_string();
  facts.format = volume.child("target").child("format").attribute("type").as_string();
  facts.capacity = volume.child("capacity").text().as_ullong();  // libvirt reports bytes
  facts.backing_path = volume.child("backingStore").child("path").text().as_string();
  return facts;
}

}  // namespace vipd::virt

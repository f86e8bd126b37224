#pragma once
// libvirt storage XML: a dir pool over a directory, and a qcow2 overlay
// volume whose backing store is the base image (never written). Pure.
#include <cstdint>
#include <string>

namespace vipd::virt {

// "vipd-<16 hex digits>" from the directory, stable and unique per path.
std::string poolNameFor(const std::string& directory);

std::string dirPoolXml(const std::string& name, const std::string& directory);

struct OverlaySpec {
  std::string name;          // the file name inside the pool's directory
  uint64_t capacity = 0;     // bytes, the base image's virtual size
  std::string backing_path;  // the base image
  std::string backing_format = "qcow2";
};

std::string overlayVolumeXml(const OverlaySpec& spec);

// "/a/b/c.qcow2" -> {"/a/b", "c.qcow2"}
std::pair<std::string, std::string> splitPath(const std::string& path);

}  // namespace vipd::virt

namespace vipd::virt {

// <pool><target><path> of a pool's XML, "" when absent or unparsable.
std::string poolTargetPath(const std::string& pool_xml);

struct VolumeFacts {
  std::string path;
  std::string format;
  uint64_t capacity = 0;
  std::string backing_path;
};
VolumeFacts parseVolumeXml(const std::string& volume_xml);

}  // namespace vipd::virt

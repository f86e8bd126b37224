#include "virt/libvirt_module.hpp"

#include <dlfcn.h>

#include <filesystem>
#include <vector>

#include "common/log.hpp"
#include "virt/unavailable_hypervisor.hpp"

namespace vipd::virt {

namespace {

using Factory = Hypervisor* (*)(const char* uri);

std::vector<std::string> candidatePaths() {
  std::vector<std::string> paths;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return paths;
  paths.push_back(exe.parent_path() / kLibvirtModuleFile);  // the build tree
  paths.push_back((exe.parent_path() / VIPD_MODULE_FROM_SBIN / kLibvirtModuleFile).lexically_normal());
  return paths;
}

Result<Factory> loadFactory() {
  std::string tried;
  for (const auto& path : candidatePaths()) {
    if (!tried.empty()) tried += "; ";
    if (!std::filesystem::exists(path)) {
      tried += path + ": not found";
      continue;
    }
    // Never closed: its hypervisors and libvirt's event thread live as long as the process.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      tried += dlerror();
      continue;
    }
    if (auto* make = reinterpret_cast<Factory>(dlsym(handle, kLibvirtModuleFactory))) {
      log::info("virt: loaded " + path);
      return make;
    }
    tried += path + ": no " + kLibvirtModuleFactory;
  }
  return Error{std::make_error_code(std::errc::no_such_file_or_directory),
               std::string("cannot load ") + kLibvirtModuleFile + " (" + tried + ")"};
}

}  // namespace

std::unique_ptr<Hypervisor> makeLibvirtHypervisor(const std::string& uri) {
  static const Result<Factory> factory = loadFactory();
  if (!factory) {
    log::error("virt: " + factory.error().message());
    return std::make_unique<UnavailableHypervisor>(factory.error());
  }
  return std::unique_ptr<Hypervisor>((*factory)(uri.c_str()));
}

}  // namespace vipd::virt

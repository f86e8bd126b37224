#pragma once
// LibvirtHypervisor is built as a module of its own (vipd-libvirt.so), so
// that vipd loads libvirt and the ~50 shared libraries it pulls in only when
// it first talks to libvirt: configs without guests never do.
#include <memory>
#include <string>

#include "virt/hypervisor.hpp"

namespace vipd::virt {

inline constexpr const char* kLibvirtModuleFile = "vipd-libvirt.so";
// The module's one entry point: extern "C" Hypervisor* (const char* uri).
inline constexpr const char* kLibvirtModuleFactory = "vipd_libvirt_hypervisor";

// A LibvirtHypervisor from the module, loaded on the first call (from the
// executable's directory, else VIPD_MODULE_INSTALL_DIR beside its sbin) and kept for the process.
// When it cannot be loaded: a hypervisor whose every call fails with why.
std::unique_ptr<Hypervisor> makeLibvirtHypervisor(const std::string& uri);

}  // namespace vipd::virt

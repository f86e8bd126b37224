// The entry point of vipd-libvirt.so (see libvirt_module.hpp).
#include "virt/libvirt_hypervisor.hpp"

extern "C" __attribute__((visibility("default"))) vipd::virt::Hypervisor* vipd_libvirt_hypervisor(const char* uri) {
  return new vipd::virt::LibvirtHypervisor(uri);
}

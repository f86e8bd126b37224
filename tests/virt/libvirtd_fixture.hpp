#pragma once
// The virt tier's own libvirtd and virtlogd, in a network namespace the test
// creates (so every tap and bridge stays out of the host's networking; no
// default network exists). Started in the foreground by pid, ready when virsh
// answers, stopped by pid (SIGTERM, then SIGKILL) also when a test fails.
#include <signal.h>

#include <stdexcept>
#include <string>

#include "tests/support/process.hpp"

namespace vipd::test {

class LibvirtDaemons {
 public:
  explicit LibvirtDaemons(const std::string& log_dir) : netns_("vipd-virt") {
    int status = 0;
    capture("pgrep -x libvirtd >/dev/null", &status);
    if (status == 0) throw std::runtime_error("a libvirtd is already running on this machine; not touching it");
    virtlogd_ = Child::spawn({"/usr/bin/nsenter", enter(), "/usr/sbin/virtlogd"}, log_dir + "/virtlogd.log");
    log_dir_ = log_dir;
    startLibvirtd();
  }

  // libvirtd going away and coming back (guests keep running meanwhile).
  void stopLibvirtd() {
    libvirtd_.signal(SIGTERM);
    if (!libvirtd_.waitExit(std::chrono::seconds(15))) throw std::runtime_error("libvirtd did not stop");
  }

  void startLibvirtd() {
    libvirtd_ = Child::spawn({"/usr/bin/nsenter", enter(), "/usr/sbin/libvirtd"}, log_dir_ + "/libvirtd.log");
    bool ready = eventually(
        [&] {
          int rc = 1;
          capture("virsh -c qemu:///system -q version >/dev/null 2>&1", &rc);
          return rc == 0 || !libvirtd_.running();
        },
        std::chrono::seconds(60), std::chrono::milliseconds(100));
    if (!ready || !libvirtd_.running()) throw std::runtime_error("libvirtd did not come up; see " + log_dir_);
  }

  ~LibvirtDaemons() {
    for (Child* daemon : {&libvirtd_, &virtlogd_}) {
      daemon->signal(SIGTERM);
      daemon->waitExit(std::chrono::seconds(15));  // Child's destructor SIGKILLs what is left
    }
  }

  LibvirtDaemons(const LibvirtDaemons&) = delete;
  LibvirtDaemons& operator=(const LibvirtDaemons&) = delete;

  const std::string& netns() const { return netns_.name(); }
  pid_t libvirtdPid() const { return libvirtd_.pid(); }

 private:
  std::string enter() const { return "--net=/run/netns/" + netns_.name(); }

  std::string log_dir_;
  NetNamespace netns_;
  Child virtlogd_;
  Child libvirtd_;
};

}  // namespace vipd::test

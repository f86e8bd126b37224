// Defines and starts N guests from one base image through virt::Manager (as
// vipd does on start-up): overlays through the storage API, direct kernel
// boot, TCG. Prints the time from apply() to all guests running (libvirt) and
// to all guests booted (their serial console says VIPD-GUEST-READY), then
// removes them (disks kept for run.sh to measure).
//   vipd_virt_bench N BASE KERNEL INITRD WORKDIR
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "common/log.hpp"
#include "virt/manager.hpp"

using namespace vipd;
using Clock = std::chrono::steady_clock;

namespace {

bool booted(const std::string& log) {
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  return text.str().find("VIPD-GUEST-READY") != std::string::npos;
}

double seconds(Clock::time_point from) { return std::chrono::duration<double>(Clock::now() - from).count(); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s N BASE KERNEL INITRD WORKDIR\n", argv[0]);
    return 2;
  }
  int n = std::stoi(argv[1]);
  std::string base = argv[2], kernel = argv[3], initrd = argv[4], work = argv[5];
  vipd::log::setMinimumLevel(vipd::log::Level::warning);

  conf::Config config;
  for (int i = 0; i < n; ++i) {
    conf::VirtGuest g;
    g.name = "vbench-vipd-" + std::to_string(i);
    g.base_image = base;
    g.disk = work + "/" + g.name + ".qcow2";
    g.memory = 128ull << 20;
    g.vnc_auto = false;
    g.autostart = false;
    g.kernel = kernel;
    g.initrd = initrd;
    g.cmdline = "console=ttyS0 panic=-1 quiet";
    g.console_log = work + "/" + g.name + ".log";
    config.virt.guests.push_back(g);
  }

  asio::io_context io;
  virt::ManagerOptions options{std::chrono::milliseconds(100), {}};
  options.controller.shutdown_timeout = std::chrono::milliseconds(0);  // the appliance ignores ACPI
  virt::Manager manager(io, options);
  auto runUntil = [&](auto pred, std::chrono::seconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (!pred() && Clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(10));
    return pred();
  };
  auto allRunning = [&] {
    auto status = manager.status();
    int running = 0;
    for (const auto& g : status["guests"]) running += g["state"] == "running";
    return running == n;
  };
  auto allBooted = [&] {
    for (const auto& g : config.virt.guests)
      if (!booted(g.console_log)) return false;
    return true;
  };

  auto start = Clock::now();
  manager.apply(config);
  if (!runUntil(allRunning, std::chrono::seconds(600))) {
    std::fprintf(stderr, "not all running: %s\n", manager.status().dump(2).c_str());
    return 1;
  }
  double running = seconds(start);
  if (!runUntil(allBooted, std::chrono::seconds(900))) {
    std::fprintf(stderr, "not all booted\n");
    return 1;
  }
  double boot = seconds(start);
  std::printf("vipd: %d guests running after %.2f s, booted after %.2f s\n", n, running, boot);
  std::fflush(stdout);

  // Removal: the first pass after this apply destroys and undefines them all.
  uint64_t before = manager.passes();
  manager.apply(conf::Config{});
  runUntil([&] { return manager.passes() >= before + 2; }, std::chrono::seconds(300));
  return 0;
}

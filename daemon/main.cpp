// vipd: the high-availability load-balancer daemon.
#include <malloc.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "common/log.hpp"
#include "conf/load.hpp"
#include "daemon/daemon.hpp"
#include "daemon/subsystems.hpp"
#include "healthcheck/process_runner.hpp"
#include "healthcheck/process_spawn.hpp"
#include "virt/host_vnc_ports.hpp"

namespace {

const char* kUsage =
    "usage: vipd -f FILE [--check [--no-file-checks]] [--socket PATH] [--debug]\n"
    "  -f, --config FILE  the configuration file (required)\n"
    "      --check        validate FILE, print every error as FILE:LINE:COL: key.path: message, and exit\n"
    "      --no-file-checks  with --check: skip the on-disk checks of scripts and the host's VNC ports\n"
    "                     (for validating a config away from the machine it is for)\n"
    "      --socket PATH  control socket path (overrides global.control_socket)\n"
    "      --debug        log debug messages\n"
    "  -V, --version      print the version\n";

// Loading a large config and applying it allocate and free hundreds of
// megabytes. glibc would hand freed memory back to the kernel at once and
// fault fresh zeroed pages in again moments later (a tenth of a cold start of
// 110,000 rules in the bench VM), so the start keeps it and returns it at the end.
void holdFreedMemory() {
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  mallopt(M_TOP_PAD, 64 << 20);
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's largest
}

void releaseHeldMemory() {
  constexpr int kGlibcDefault = 128 << 10;
  for (int option : {M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD}) mallopt(option, kGlibcDefault);
  malloc_trim(0);
}

struct Arguments {
  vipd::daemon::Options options;
  bool check = false;
  bool file_checks = true;
  bool debug = false;
};

// Returns false (after printing why) when the command line is not usable.
bool parseArguments(int argc, char** argv, Arguments& args) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char* { return i + 1 < argc ? argv[++i] : nullptr; };
    if (arg == "-f" || arg == "--config") {
      const char* v = value();
      if (!v) return false;
      args.options.config_path = v;
    } else if (arg == "--socket") {
      const char* v = value();
      if (!v) return false;
      args.options.socket_override = v;
    } else if (arg == "--check") {
      args.check = true;
    } else if (arg == "--no-file-checks") {
      args.file_checks = false;
    } else if (arg == "--debug") {
      args.debug = true;
    } else if (arg == "-V" || arg == "--version") {
      std::printf("vipd %s\n", VIPD_VERSION);
      std::exit(0);
    } else if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else {
      std::fprintf(stderr, "vipd: unknown argument: %s\n", arg.c_str());
      return false;
    }
  }
  return !args.options.config_path.empty() && (args.check || args.file_checks);
}

}  // namespace

int main(int argc, char** argv) {
  Arguments args;
  if (!parseArguments(argc, argv, args)) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  if (args.debug) vipd::log::setMinimumLevel(vipd::log::Level::debug);

  args.options.load.check_files = args.file_checks;
  // Fixed VNC ports in use on this host (not by vipd's own running guests, which libvirt names) are errors.
  if (args.file_checks) args.options.load.vnc_ports_taken = vipd::virt::vncPortsTakenAskingLibvirt;
  holdFreedMemory();
  auto loaded = vipd::conf::loadFile(args.options.config_path, args.options.load);
  for (auto& error : loaded.errors) std::cerr << error.str() << "\n";
  if (args.check) {
    if (loaded.config) std::cout << args.options.config_path << ": configuration is valid\n";
    return loaded.config ? 0 : 1;
  }
  if (!loaded.config) {
    vipd::log::error("not starting: " + std::to_string(loaded.errors.size()) + " configuration error(s)");
    return 1;
  }

  vipd::process::raiseOpenFileLimit();
  // Script process groups killed at their timeout are reaped by us, not left to init.
  if (auto adopted = vipd::process::adoptOrphans(); !adopted)
    vipd::log::warning("cannot become a child subreaper: " + adopted.error().message());
  vipd::asio::io_context io;
  auto subsystems = vipd::daemon::makeSubsystems(io, &args.options.load);  // before args.options is copied
  vipd::daemon::Daemon daemon(io, args.options, std::move(*loaded.config), std::move(subsystems));
  if (auto started = daemon.start(); !started) {
    vipd::log::error("not starting: " + started.error().message());
    return 1;
  }
  releaseHeldMemory();
  io.run();
  vipd::log::info("stopped");
  return 0;
}

// Test-only executable for the netns tests: loads a config file and runs the
// VRRP engine on an io_context with the real ports. SIGTERM/SIGINT: graceful
// stop (masters send priority 0, VIPs removed). SIGHUP: reload. SIGUSR1:
// status JSON written to the file named by the second argument.
#include <fstream>
#include <iostream>

#include "common/asio.hpp"
#include "common/log.hpp"
#include "conf/load.hpp"
#include "vrrpd/engine.hpp"
#include "vrrpd/linux/linux_ports.hpp"

using namespace vipd;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: vrrp_node CONFIG [STATUS_FILE]\n";
    return 2;
  }
  std::string path = argv[1];
  std::string status_file = argc > 2 ? argv[2] : "";
  conf::LoadOptions options;
  options.check_files = false;
  auto loaded = conf::loadFile(path, options);
  if (!loaded.config) {
    for (const auto& e : loaded.errors) std::cerr << e.str() << "\n";
    return 1;
  }
  asio::io_context io;
  vrrp::LinuxPorts ports(io);
  vrrp::Engine engine(ports.ports());
  engine.apply(*loaded.config);

  asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  asio::signal_set status_signal(io, SIGUSR1);
  std::function<void()> wait_status = [&] {
    status_signal.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      std::ofstream(status_file + ".tmp") << engine.status().dump(2) << "\n";
      std::rename((status_file + ".tmp").c_str(), status_file.c_str());
      wait_status();
    });
  };
  wait_status();
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
      if (ec) return;
      if (signal == SIGHUP) {
        auto reloaded = conf::loadFile(path, options);
        if (reloaded.config)
          engine.apply(*reloaded.config);
        else
          log::error("reload rejected");
        return wait_signal();
      }
      engine.stop([&] { io.stop(); });
    });
  };
  wait_signal();
  io.run();
  return 0;
}

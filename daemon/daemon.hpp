#pragma once
// The composition root's state: the current config and its generation, the
// subsystems it feeds, the control socket, signals and systemd notification.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/asio.hpp"
#include "common/result.hpp"
#include "common/subsystem.hpp"
#include "conf/config.hpp"
#include "conf/load.hpp"
#include "daemon/control_protocol.hpp"
#include "daemon/control_server.hpp"
#include "daemon/systemd_notifier.hpp"

namespace vipd::daemon {

struct Options {
  std::string config_path;
  std::optional<std::string> socket_override;
  conf::LoadOptions load;  // what reloads check besides the file itself
};

struct ReloadOutcome {
  bool ok = false;
  unsigned generation = 0;  // the generation running after the attempt
  std::vector<std::string> errors;
};

class Daemon {
 public:
  Daemon(asio::io_context& io, Options options, conf::Config config,
         std::vector<std::unique_ptr<Subsystem>> subsystems);

  // Binds the control socket, hands the config to every subsystem, installs
  // the signal handlers and tells systemd it is ready.
  Status start();
  ReloadOutcome reload();
  // Stops the subsystems one after another, then lets io.run() return.
  void shutdown();

  nlohmann::json status() const;
  unsigned generation() const { return generation_; }

 private:
  std::string socketPath() const;
  void waitForSignal();
  void stopNext(std::size_t index);
  void finish();

  asio::io_context& io_;
  Options options_;
  conf::Config config_;
  std::vector<std::unique_ptr<Subsystem>> subsystems_;
  unsigned generation_ = 1;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  nlohmann::json last_reload_;
  bool stopping_ = false;
  Commands commands_;

  ControlServer control_;
  SystemdNotifier notifier_;
  asio::signal_set signals_;
  asio::steady_timer stop_deadline_;
};

}  // namespace vipd::daemon

#include "daemon/daemon.hpp"

#include <unistd.h>

#include <csignal>

#include "common/log.hpp"
#include "conf/load.hpp"
#include "daemon/control_protocol.hpp"

namespace vipd::daemon {

namespace {
// A subsystem that has not finished stopping by then is abandoned, so that a
// stop never hangs the service manager.
constexpr auto kStopDeadline = std::chrono::seconds(5);
}  // namespace

Daemon::Daemon(asio::io_context& io, Options options, conf::Config config,
               std::vector<std::unique_ptr<Subsystem>> subsystems)
    : io_(io),
      options_(std::move(options)),
      config_(std::move(config)),
      subsystems_(std::move(subsystems)),
      control_(io, [this](const std::string& line) { return answerRequest(line, commands_); }),
      notifier_(io),
      signals_(io, SIGHUP, SIGTERM, SIGINT),
      stop_deadline_(io) {
  commands_["status"] = [this](const nlohmann::json&) { return status(); };
  commands_["reload"] = [this](const nlohmann::json&) {
    auto outcome = reload();
    return nlohmann::json{{"ok", outcome.ok}, {"generation", outcome.generation}, {"errors", outcome.errors}};
  };
  for (auto& subsystem : subsystems_)
    commands_[subsystem->name()] = [s = subsystem.get()](const nlohmann::json& request) { return s->request(request); };
}

std::string Daemon::socketPath() const {
  return options_.socket_override ? *options_.socket_override : config_.global.control_socket;
}

Status Daemon::start() {
  if (auto listening = control_.listen(socketPath()); !listening) return listening;
  for (auto& subsystem : subsystems_) subsystem->apply(config_);
  waitForSignal();
  notifier_.ready(generation_);
  notifier_.startWatchdog();
  log::info("vipd " VIPD_VERSION " running " + options_.config_path + " (generation 1), control socket " +
            control_.path());
  return Ok{};
}

void Daemon::waitForSignal() {
  signals_.async_wait([this](auto ec, int signal) {
    if (ec) return;
    if (signal == SIGHUP) {
      log::info("SIGHUP: reloading " + options_.config_path);
      reload();
    } else {
      log::info(std::string(signal == SIGTERM ? "SIGTERM" : "SIGINT") + ": stopping");
      shutdown();
    }
    waitForSignal();
  });
}

ReloadOutcome Daemon::reload() {
  ReloadOutcome outcome;
  auto loaded = conf::loadFile(options_.config_path, options_.load, &config_);
  if (!loaded.config) {
    for (auto& error : loaded.errors) {
      outcome.errors.push_back(error.str());
      log::error("reload rejected: " + error.str());
    }
    log::warning("reload rejected with " + std::to_string(outcome.errors.size()) + " error(s); generation " +
                 std::to_string(generation_) + " keeps running");
  } else {
    notifier_.reloading();
    if (!options_.socket_override && loaded.config->global.control_socket != config_.global.control_socket)
      log::warning("global.control_socket changed: the new path takes effect at the next start");
    config_ = std::move(*loaded.config);
    ++generation_;
    for (auto& subsystem : subsystems_) subsystem->apply(config_);
    notifier_.ready(generation_);
    log::info("reloaded: generation " + std::to_string(generation_));
    outcome.ok = true;
  }
  outcome.generation = generation_;
  last_reload_ = {{"ok", outcome.ok}, {"errors", outcome.errors}, {"generation", generation_}};
  return outcome;
}

nlohmann::json Daemon::status() const {
  auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
  nlohmann::json summaries = nlohmann::json::object();
  for (auto& subsystem : subsystems_) summaries[subsystem->name()] = subsystem->summary();
  return {
      {"version", VIPD_VERSION},
      {"pid", ::getpid()},
      {"router_id", config_.global.router_id},
      {"config", options_.config_path},
      {"generation", generation_},
      {"uptime_seconds", uptime.count()},
      {"subsystems", summaries},
      {"last_reload", last_reload_.is_null() ? nlohmann::json(nullptr) : last_reload_},
  };
}

void Daemon::shutdown() {
  if (stopping_) return;
  stopping_ = true;
  notifier_.stopping();
  stop_deadline_.expires_after(kStopDeadline);
  stop_deadline_.async_wait([this](auto ec) {
    if (ec) return;
    log::warning("stop deadline passed with subsystems still stopping; exiting anyway");
    finish();
  });
  // Subsystems stop in reverse order of creation, each after the previous one finished.
  stopNext(subsystems_.size());
}

void Daemon::stopNext(std::size_t remaining) {
  if (remaining == 0) return finish();
  auto& subsystem = subsystems_[remaining - 1];
  subsystem->stop([this, remaining] { asio::post(io_, [this, remaining] { stopNext(remaining - 1); }); });
}

void Daemon::finish() {
  stop_deadline_.cancel();
  control_.close();
  signals_.cancel();
  io_.stop();
}

}  // namespace vipd::daemon

#pragma once
// What the daemon composes: each subsystem (vrrp, ipvs, checks, virt) takes
// the whole config on start and on every reload, reports a status snapshot
// for vipctl, and stops gracefully. All calls happen on the one io_context
// thread.
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace vipd {

namespace conf {
struct Config;
}

class Subsystem {
public:
  virtual ~Subsystem() = default;

  // "vrrp", "ipvs", "checks", "virt": the vipctl command that shows it.
  virtual std::string name() const = 0;

  // First start and every reload. Must adjust in place: what did not change
  // in the config keeps running untouched.
  virtual void apply(const conf::Config& config) = 0;

  // Snapshot for `vipctl NAME --json`; "summary" (a one-line string) is shown
  // by `vipctl status`.
  virtual nlohmann::json status() const = 0;

  // The one-line summary alone; override when status() is costly.
  virtual std::string summary() const { return status().value("summary", ""); }

  // `vipctl NAME [ACTION ...]`: the request object as sent; by default the
  // status snapshot answers.
  virtual nlohmann::json request(const nlohmann::json& /*request*/) { return status(); }

  // Graceful stop (masters send priority 0, ...); calls done() when finished.
  virtual void stop(std::function<void()> done) = 0;
};

}  // namespace vipd

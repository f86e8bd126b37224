#pragma once
// ScriptPort on the shared healthcheck/ process runner (process group, timeout, user).
#include "healthcheck/process_runner.hpp"
#include "vrrpd/ports.hpp"

namespace vipd::vrrp {

class ProcessScriptPort : public ScriptPort {
 public:
  explicit ProcessScriptPort(asio::io_context& io) : runner_(io) {}
  void run(const std::vector<std::string>& argv, const std::string& user, Millis timeout,
           std::function<void(const ScriptOutcome&)> done) override;

 private:
  process::ProcessRunner runner_;
};

}  // namespace vipd::vrrp

#pragma once
// The port through which the monitor probes: one Checker per check, one file
// per kind (tcp_checker, http_checker, script_checker). Real checkers run on
// the io_context; tests substitute fakes.
#include <functional>
#include <memory>
#include <string>

#include "common/asio.hpp"
#include "healthcheck/check_plan.hpp"
#include "healthcheck/health_book.hpp"

namespace vipd::process {
class ProcessRunner;
}

namespace vipd::healthcheck {

class Checker {
 public:
  virtual ~Checker() = default;
  // One probe within the check's timeout; `done` is called exactly once,
  // later, on the io_context, unless cancel() comes first.
  virtual void probe(std::function<void(ProbeResult)> done) = 0;
  // Abandons a probe in flight (its callback is not called). Idempotent.
  virtual void cancel() = 0;
};

// Makes the checker of one check; scripts run as `script_user` (global.script_user).
using CheckerFactory = std::function<std::unique_ptr<Checker>(const CheckSpec&, const std::string& script_user)>;

// The real checkers.
CheckerFactory realCheckers(asio::io_context& io, process::ProcessRunner& runner);

asio::ip::tcp::endpoint toAsio(const Endpoint& endpoint);

}  // namespace vipd::healthcheck

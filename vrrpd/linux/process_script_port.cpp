#include "vrrpd/linux/process_script_port.hpp"

#include "common/log.hpp"

namespace vipd::vrrp {

void ProcessScriptPort::run(const std::vector<std::string>& argv, const std::string& user, Millis timeout,
                            std::function<void(const ScriptOutcome&)> done) {
  process::Command command;
  command.argv = argv;
  command.user = user;
  command.timeout = timeout;
  runner_.run(command, [done = std::move(done), program = argv.empty() ? "" : argv[0]](Result<process::Outcome> r) {
    ScriptOutcome outcome;
    if (!r) {
      log::warning("vrrp: cannot run " + program + ": " + r.error().message());
    } else {
      outcome.success = r->success();
      outcome.timed_out = r->end == process::Outcome::End::timed_out;
      outcome.exit_code = r->exit_code;
    }
    done(outcome);
  });
}

}  // namespace vipd::vrrp

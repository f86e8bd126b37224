#include "healthcheck/script_checker.hpp"

namespace vipd::healthcheck {

std::string outputExcerpt(const std::string& output, std::size_t limit) {
  std::string line = output.substr(0, output.find('\n'));
  if (line.size() > limit) line = line.substr(0, limit) + "...";
  return line;
}

void ScriptChecker::probe(std::function<void(ProbeResult)> done) {
  cancel();
  process::Command command{spec_.params.command, user_, spec_.params.timeout, {}};
  // The target, so that one script can serve many real servers.
  command.env.push_back("VIPD_TARGET_ADDRESS=" + spec_.target.address.str());
  command.env.push_back("VIPD_TARGET_PORT=" + std::to_string(spec_.target.port));
  running_ = runner_.run(command, [this, done = std::move(done)](Result<process::Outcome> outcome) {
    running_.reset();
    if (!outcome) return done(ProbeResult{false, outcome.error().message(), Duration(0)});
    ProbeResult result{outcome->success(), "", outcome->duration};
    if (!result.success) {
      result.error = outcome->describe();
      const std::string excerpt = outputExcerpt(outcome->output);
      if (!excerpt.empty()) result.error += ": " + excerpt;
    }
    done(std::move(result));
  });
}

void ScriptChecker::cancel() {
  if (running_) runner_.cancel(*running_);
  running_.reset();
}

}  // namespace vipd::healthcheck

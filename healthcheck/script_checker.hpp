#pragma once
// script: runs the check's argv through the process runner as the script
// user; exit status 0 is healthy. At the timeout the process group is killed.
#include <memory>
#include <optional>

#include "healthcheck/checker.hpp"
#include "healthcheck/process_runner.hpp"

namespace vipd::healthcheck {

class ScriptChecker : public Checker {
 public:
  ScriptChecker(process::ProcessRunner& runner, CheckSpec spec, std::string user)
      : runner_(runner), spec_(std::move(spec)), user_(std::move(user)) {}
  ~ScriptChecker() override { cancel(); }

  void probe(std::function<void(ProbeResult)> done) override;
  void cancel() override;

 private:
  process::ProcessRunner& runner_;
  CheckSpec spec_;
  std::string user_;
  std::optional<process::ProcessRunner::Id> running_;
};

// The first line of a command's output, cut short, for a log line or status.
std::string outputExcerpt(const std::string& output, std::size_t limit = 160);

}  // namespace vipd::healthcheck

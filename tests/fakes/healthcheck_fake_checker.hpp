#pragma once
// A Checker whose probe results the test decides, per target: answers on the
// next turn of the io_context and counts the probes of each check.
#include <map>
#include <memory>
#include <string>

#include "healthcheck/checker.hpp"

namespace vipd::healthcheck::fakes {

struct FakeTargets {
  std::map<Endpoint, bool> healthy;          // absent = healthy
  std::map<std::string, int> probes;         // by check id
  std::map<std::string, std::string> users;  // script user each checker was made with, by check id
  int checkers_made = 0;
};

class FakeChecker : public Checker {
 public:
  FakeChecker(asio::io_context& io, std::shared_ptr<FakeTargets> targets, CheckSpec spec)
      : io_(io), targets_(std::move(targets)), spec_(std::move(spec)) {}

  void probe(std::function<void(ProbeResult)> done) override {
    ++targets_->probes[spec_.id];
    auto it = targets_->healthy.find(spec_.target);
    const bool success = it == targets_->healthy.end() || it->second;
    auto token = std::make_shared<bool>(true);
    token_ = token;
    asio::post(io_, [token, done = std::move(done), success] {
      if (*token) done(ProbeResult{success, success ? "" : "fake failure", Duration(1)});
    });
  }
  void cancel() override {
    if (auto token = token_.lock()) *token = false;
  }

 private:
  asio::io_context& io_;
  std::shared_ptr<FakeTargets> targets_;
  CheckSpec spec_;
  std::weak_ptr<bool> token_;
};

inline CheckerFactory fakeCheckers(asio::io_context& io, std::shared_ptr<FakeTargets> targets) {
  return [&io, targets](const CheckSpec& spec, const std::string& user) -> std::unique_ptr<Checker> {
    ++targets->checkers_made;
    targets->users[spec.id] = user;
    return std::make_unique<FakeChecker>(io, targets, spec);
  };
}

}  // namespace vipd::healthcheck::fakes

#pragma once
// tcp: healthy when the target accepts a connection within the timeout: by
// default a half-open probe (SYN answered by SYN-ACK, syn_prober.hpp), with
// handshake = "full" or without CAP_NET_RAW a connect() (connect_waiter.hpp).
#include <memory>

#include "healthcheck/checker.hpp"
#include "healthcheck/probe_attempt.hpp"

namespace vipd::healthcheck {

class TcpChecker : public Checker {
 public:
  TcpChecker(asio::io_context& io, CheckSpec spec) : io_(io), spec_(std::move(spec)) {}
  ~TcpChecker() override { cancel(); }

  void probe(std::function<void(ProbeResult)> done) override;
  void cancel() override;

 private:
  asio::io_context& io_;
  CheckSpec spec_;
  // Weak: the attempt lives while its operations are pending, not for a whole
  // interval after it finished (an http attempt holds an 8 KiB buffer).
  std::weak_ptr<ProbeAttempt> attempt_;
};

}  // namespace vipd::healthcheck

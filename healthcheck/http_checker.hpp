#pragma once
// http / https: GET the check's path and judge the response (status list,
// expect_body, digest). https verifies the certificate only with tls_verify,
// against the PEM bundle `ca_file` when set, else the system store; it sends
// SNI (`sni`, else `host`) when it is a name.
//
// Plain http with `keepalive` (the default) keeps its connection from probe to
// probe, as Envoy's health checker does (reuse_connection): a probe is then a
// request and its answer, no handshake. A connection is kept only after a
// passing answer that leaves it open (responseKeepsConnection()), and for at
// most kMaxRequestsPerConnection requests.
#include <memory>

#include <boost/asio/ssl.hpp>
#include "common/asio.hpp"

#include "healthcheck/checker.hpp"
#include "healthcheck/http_exchange.hpp"
#include "healthcheck/probe_attempt.hpp"

namespace vipd::healthcheck {

struct KeptHttpConnection;

class HttpChecker : public Checker {
 public:
  HttpChecker(asio::io_context& io, CheckSpec spec);
  ~HttpChecker() override { cancel(); }

  void probe(std::function<void(ProbeResult)> done) override;
  // Also closes the kept connection.
  void cancel() override;

  static constexpr std::size_t kMaxResponse = 1 << 20;
  // Requests a kept connection carries before a new one is made, so that the
  // server's listener itself is checked regularly (Apache's MaxKeepAliveRequests
  // has the same default).
  static constexpr int kMaxRequestsPerConnection = 100;

 private:
  asio::io_context& io_;
  std::shared_ptr<const CheckSpec> spec_;  // shared with the attempts
  std::shared_ptr<const std::string> request_;
  std::shared_ptr<const ResponseJudge> judge_;  // regex and digest prepared once per check
  std::unique_ptr<asio::ssl::context> tls_;
  std::string trust_error_;  // the ca_file could not be loaded
  // Weak: the attempt lives while its operations are pending, not for a whole
  // interval after it finished (an http attempt holds an 8 KiB buffer).
  std::weak_ptr<ProbeAttempt> attempt_;
  // Plain http with keepalive: the connection between probes. An attempt takes
  // it when it starts and gives it back when it ends, through a weak_ptr (it
  // may outlive its checker: then it closes the connection).
  std::shared_ptr<KeptHttpConnection> kept_;

  void abandonAttempt();
};

}  // namespace vipd::healthcheck

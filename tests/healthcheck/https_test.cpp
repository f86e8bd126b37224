// The https checker against a real TLS server on loopback with a self-signed
// certificate made at test time: without verification it passes; with
// tls_verify an untrusted certificate or a wrong name fails with a clear error;
// SNI carries the check's name. "Trusted" = the certificate is the trust store,
// through OpenSSL's SSL_CERT_FILE (read by set_default_verify_paths).
#include <gtest/gtest.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <optional>

#include "healthcheck/http_checker.hpp"
#include "healthcheck/http_exchange.hpp"
#include "tests/healthcheck/process_test_support.hpp"
#include "tests/healthcheck/test_tls_server.hpp"
#include "tests/support/process.hpp"

namespace vipd::healthcheck {
namespace {

using namespace std::chrono_literals;

constexpr const char* kName = "vip.example.test";

class HttpsTest : public ::testing::Test {
 protected:
  HttpsTest() { vipd::testing::writeSelfSignedCertificate(kName, dir.file("cert.pem"), dir.file("key.pem")); }
  ~HttpsTest() override { unsetenv("SSL_CERT_FILE"); }

  void trustTheCertificate() { setenv("SSL_CERT_FILE", dir.file("cert.pem").c_str(), 1); }

  ProbeResult probe(const std::function<void(conf::HealthCheck&)>& change) {
    conf::HealthCheck check;
    check.type = conf::CheckType::http;
    check.tls = true;
    check.timeout = 2s;
    change(check);
    Endpoint target;
    target.address = *IpAddress::parse("127.0.0.1");
    target.port = server->port();
    HttpChecker checker(io, makeCheckSpec(check, target));
    std::optional<ProbeResult> result;
    checker.probe([&](ProbeResult r) { result = std::move(r); });
    EXPECT_TRUE(vipd::testing::runUntil(
        io, [&] { return result.has_value(); }, 5s));
    return result.value_or(ProbeResult{false, "no result", Duration(0)});
  }

  vipd::test::TempDir dir;
  asio::io_context io;
  std::optional<vipd::testing::TestTlsServer> server;

  void SetUp() override { server.emplace(io, dir.file("cert.pem"), dir.file("key.pem")); }
};

TEST_F(HttpsTest, PassesWithoutVerificationAndSendsTheHostAsSni) {
  const ProbeResult result = probe([](conf::HealthCheck& c) {
    c.host = kName;
    c.expect_body = "over tls";
  });
  EXPECT_TRUE(result.success) << result.error;
  EXPECT_EQ(server->last_sni, kName);
  EXPECT_NE(server->last_request.find(std::string("Host: ") + kName + "\r\n"), std::string::npos);
}

TEST_F(HttpsTest, SniKeyOverridesTheHostAndAnAddressSendsNoSni) {
  EXPECT_TRUE(probe([](conf::HealthCheck& c) {
                c.host = "www.example.test";
                c.sni = kName;
              }).success);
  EXPECT_EQ(server->last_sni, kName);
  EXPECT_NE(server->last_request.find("Host: www.example.test\r\n"), std::string::npos);

  EXPECT_TRUE(probe([](conf::HealthCheck&) {}).success);
  EXPECT_EQ(server->handshakes, 2);
  EXPECT_EQ(server->last_sni, "");  // RFC 6066: no IP literals in SNI
}

TEST_F(HttpsTest, VerificationRejectsAnUntrustedCertificate) {
  const ProbeResult result = probe([](conf::HealthCheck& c) {
    c.host = kName;
    c.tls_verify = true;
  });
  EXPECT_FALSE(result.success);
  const std::string reason = X509_verify_cert_error_string(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
  EXPECT_EQ(result.error, "tls: certificate verify failed: " + reason + " (expected name " + kName + ")");
  EXPECT_EQ(server->handshakes, 0);
  EXPECT_EQ(server->last_request, "");
}

TEST_F(HttpsTest, VerificationPassesForATrustedCertificateAndItsName) {
  trustTheCertificate();
  const ProbeResult result = probe([](conf::HealthCheck& c) {
    c.host = kName;
    c.tls_verify = true;
  });
  EXPECT_TRUE(result.success) << result.error;
  EXPECT_EQ(server->last_sni, kName);
}

TEST_F(HttpsTest, VerificationRejectsAWrongName) {
  trustTheCertificate();
  const ProbeResult wrong_name = probe([](conf::HealthCheck& c) {
    c.host = "other.example.test";
    c.tls_verify = true;
  });
  EXPECT_FALSE(wrong_name.success);
  const std::string mismatch = X509_verify_cert_error_string(X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(wrong_name.error, "tls: certificate verify failed: " + mismatch + " (expected name other.example.test)");
  EXPECT_EQ(server->last_sni, "");  // the server never completed a handshake

  // No name at all: the target address is verified, and the certificate has none.
  const ProbeResult by_address = probe([](conf::HealthCheck& c) { c.tls_verify = true; });
  EXPECT_FALSE(by_address.success);
  const std::string ip_mismatch = X509_verify_cert_error_string(X509_V_ERR_IP_ADDRESS_MISMATCH);
  EXPECT_EQ(by_address.error, "tls: certificate verify failed: " + ip_mismatch + " (expected name 127.0.0.1)");
  EXPECT_EQ(server->handshakes, 0);
}

TEST_F(HttpsTest, CaFileIsTrustedInsteadOfTheSystemStore) {
  // No SSL_CERT_FILE: only the ca_file trusts the certificate.
  const ProbeResult trusted = probe([&](conf::HealthCheck& c) {
    c.host = kName;
    c.tls_verify = true;
    c.ca_file = dir.file("cert.pem");
  });
  EXPECT_TRUE(trusted.success) << trusted.error;
  EXPECT_EQ(server->handshakes, 1);

  const std::string missing = dir.file("missing.pem");
  const ProbeResult unreadable = probe([&](conf::HealthCheck& c) {
    c.host = kName;
    c.tls_verify = true;
    c.ca_file = missing;
  });
  EXPECT_FALSE(unreadable.success);
  EXPECT_EQ(unreadable.error.rfind("tls: cannot load ca_file " + missing + ": ", 0), 0u) << unreadable.error;
  EXPECT_EQ(server->handshakes, 1);

  // A ca_file is part of the check's identity (another trust = another probe).
  conf::HealthCheck check;
  check.type = conf::CheckType::http;
  Endpoint target = *Endpoint::parse("127.0.0.1:443");
  const std::string plain_id = makeCheckSpec(check, target).id;
  check.ca_file = missing;
  EXPECT_NE(makeCheckSpec(check, target).id, plain_id);
}

TEST(ResponseJudge, PreparesTheRegexOnceAndReportsABadOneOnEveryProbe) {
  conf::HealthCheck check;
  check.expect_body = "^ok [0-9]+$";
  check.expect_body_regex = true;
  const ResponseJudge judge(check);
  EXPECT_EQ(judge.judge(HttpResponse{200, "ok 42"}), "");
  EXPECT_EQ(judge.judge(HttpResponse{200, "ok forty"}), "body does not match expect_body");
  EXPECT_EQ(judge.judge(HttpResponse{503, "ok 42"}), "unexpected status 503");
  check.expect_body = "([unclosed";
  const ResponseJudge broken(check);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(broken.judge(HttpResponse{200, "([unclosed"}).rfind("invalid expect_body regex: ", 0), 0u);
  }
}

}  // namespace
}  // namespace vipd::healthcheck

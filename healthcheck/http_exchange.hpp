#pragma once
// The bytes of an http check: the request to send, when a response is
// complete, parsing it, and judging it against the check (status list, body
// substring or regex, body digest as keepalived's genhash prints it).
#include <cstddef>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "healthcheck/check_plan.hpp"

namespace vipd::healthcheck {

struct HttpResponse {
  int status = 0;
  std::string body;
};

// Whether the check keeps its connection from probe to probe: plain http
// with `keepalive` (https opens one connection per probe).
bool keepsHttpConnection(const conf::HealthCheck& check);

// "GET path HTTP/1.0" with Host (the `host` key, else the target) and
// "Connection: keep-alive" when keepsHttpConnection(), else "Connection: close".
// HTTP/1.0 either way, so that no server answers with chunked framing.
std::string buildHttpRequest(const CheckSpec& spec);

// The Host header value: `host`, else the target address (IPv6 in brackets),
// with the port unless it is the scheme's default.
std::string httpHostHeader(const CheckSpec& spec);

// Total response length once the head is in and declares Content-Length;
// otherwise the response ends with the connection.
std::optional<std::size_t> expectedResponseLength(std::string_view received);

// Whether `response` (complete) leaves its connection able to carry the next
// request: framed by Content-Length and exactly that long, no Transfer-Encoding,
// and the server keeps it (RFC 9112 section 9.3: HTTP/1.1 unless "Connection:
// close"; HTTP/1.0 only with "Connection: keep-alive"; options case-insensitive).
bool responseKeepsConnection(std::string_view response);

// A parse error is a string saying what is wrong.
std::variant<HttpResponse, std::string> parseHttpResponse(std::string_view received);

// Hex digest of `data`; algorithm "md5" or "sha256". Empty for an unknown algorithm.
std::string hexDigest(std::string_view algorithm, std::string_view data);

// Judges responses against one check: the expect_body regex and the digest
// are prepared once, when the check starts, not per probe.
class ResponseJudge {
 public:
  explicit ResponseJudge(const conf::HealthCheck& check);
  // Empty when the response passes the check, else why it fails.
  std::string judge(const HttpResponse& response) const;

 private:
  std::vector<int> expect_status_;
  std::string expect_body_;
  std::optional<std::regex> body_regex_;
  std::string regex_error_;  // the check's regex does not compile: every probe fails with this
  std::string digest_algorithm_;
  std::string digest_expected_;
};

// One-off judgement (tests): ResponseJudge(check).judge(response).
std::string judgeHttpResponse(const conf::HealthCheck& check, const HttpResponse& response);

}  // namespace vipd::healthcheck

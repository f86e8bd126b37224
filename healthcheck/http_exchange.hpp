#pragma once
// The bytes of an http check: the request to send, when a response is
// complete, parsing it, and judging it against the check (status list, body
// substring or regex, body digest as keepalived's genhash prints it).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "healthcheck/check_plan.hpp"

namespace vipd::healthcheck {

struct HttpResponse {
  int status = 0;
  std::string body;
};

// "GET path HTTP/1.0" with Host (the `host` key, else the target), Connection: close.
std::string buildHttpRequest(const CheckSpec& spec);

// The Host header value: `host`, else the target address (IPv6 in brackets),
// with the port unless it is the scheme's default.
std::string httpHostHeader(const CheckSpec& spec);

// Total response length once the head is in and declares Content-Length;
// otherwise the response ends with the connection.
std::optional<std::size_t> expectedResponseLength(std::string_view received);

// A parse error is a string saying what is wrong.
std::variant<HttpResponse, std::string> parseHttpResponse(std::string_view received);

// Hex digest of `data`; algorithm "md5" or "sha256". Empty for an unknown algorithm.
std::string hexDigest(std::string_view algorithm, std::string_view data);

// Empty when the response passes the check, else why it fails.
std::string judgeHttpResponse(const conf::HealthCheck& check, const HttpResponse& response);

}  // namespace vipd::healthcheck

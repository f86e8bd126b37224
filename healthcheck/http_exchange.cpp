#include "healthcheck/http_exchange.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace vipd::healthcheck {

namespace {

constexpr std::string_view kHeadEnd = "\r\n\r\n";

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

// The value of a header in `head` (status line excluded), or nullopt.
std::optional<std::string_view> headerValue(std::string_view head, std::string_view name) {
  std::size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos && pos + 2 < head.size()) {
    const std::size_t start = pos + 2;
    const std::size_t end = head.find("\r\n", start);
    const std::string_view line = head.substr(start, end == std::string_view::npos ? end : end - start);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && equalsIgnoreCase(trim(line.substr(0, colon)), name)) {
      return trim(line.substr(colon + 1));
    }
    pos = end;
  }
  return std::nullopt;
}

// Whether the comma-separated header value `options` lists `option`.
bool listsOption(std::string_view options, std::string_view option) {
  while (!options.empty()) {
    const std::size_t comma = options.find(',');
    if (equalsIgnoreCase(trim(options.substr(0, comma)), option)) return true;
    if (comma == std::string_view::npos) break;
    options.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

bool keepsHttpConnection(const conf::HealthCheck& check) { return check.keepalive && !check.tls; }

std::string httpHostHeader(const CheckSpec& spec) {
  if (!spec.params.host.empty()) return spec.params.host;
  std::string host =
      spec.target.address.family == Family::v6 ? "[" + spec.target.address.str() + "]" : spec.target.address.str();
  const uint16_t default_port = spec.params.tls ? 443 : 80;
  if (spec.target.port != default_port) host += ":" + std::to_string(spec.target.port);
  return host;
}

std::string buildHttpRequest(const CheckSpec& spec) {
  const std::string path = spec.params.path.empty() ? "/" : spec.params.path;
  return "GET " + path + " HTTP/1.0\r\nHost: " + httpHostHeader(spec) +
         "\r\nUser-Agent: vipd-healthcheck\r\nAccept: */*\r\nConnection: " +
         (keepsHttpConnection(spec.params) ? "keep-alive" : "close") + "\r\n\r\n";
}

std::optional<std::size_t> expectedResponseLength(std::string_view received) {
  const std::size_t head_end = received.find(kHeadEnd);
  if (head_end == std::string_view::npos) return std::nullopt;
  const auto length = headerValue(received.substr(0, head_end + 2), "Content-Length");
  if (!length) return std::nullopt;
  std::size_t value = 0;
  const auto [ptr, ec] = std::from_chars(length->data(), length->data() + length->size(), value);
  if (ec != std::errc{} || ptr != length->data() + length->size()) return std::nullopt;
  return head_end + kHeadEnd.size() + value;
}

bool responseKeepsConnection(std::string_view response) {
  if (expectedResponseLength(response) != response.size()) return false;
  const std::string_view head = response.substr(0, response.find(kHeadEnd) + 2);
  if (headerValue(head, "Transfer-Encoding")) return false;
  const std::string_view connection = headerValue(head, "Connection").value_or("");
  if (head.substr(0, 9) == "HTTP/1.1 ") return !listsOption(connection, "close");
  return head.substr(0, 9) == "HTTP/1.0 " && listsOption(connection, "keep-alive");
}

std::variant<HttpResponse, std::string> parseHttpResponse(std::string_view received) {
  const std::size_t head_end = received.find(kHeadEnd);
  if (head_end == std::string_view::npos) {
    return received.empty() ? std::string("empty response") : std::string("incomplete response head");
  }
  const std::string_view status_line = received.substr(0, received.find("\r\n"));
  // "HTTP/1.1 200 OK"
  if (status_line.substr(0, 5) != "HTTP/" || status_line.size() < 12 || status_line[8] != ' ') {
    return "malformed status line: " + std::string(status_line.substr(0, 80));
  }
  HttpResponse response;
  const auto [ptr, ec] = std::from_chars(status_line.data() + 9, status_line.data() + 12, response.status);
  if (ec != std::errc{} || ptr != status_line.data() + 12) {
    return "malformed status line: " + std::string(status_line.substr(0, 80));
  }
  std::string_view body = received.substr(head_end + kHeadEnd.size());
  if (auto expected = expectedResponseLength(received)) {
    if (received.size() < *expected) return "response body shorter than its Content-Length";
    body = body.substr(0, *expected - head_end - kHeadEnd.size());
  }
  response.body = std::string(body);
  return response;
}

std::string hexDigest(std::string_view algorithm, std::string_view data) {
  const EVP_MD* md = algorithm == "md5" ? EVP_md5() : algorithm == "sha256" ? EVP_sha256() : nullptr;
  if (md == nullptr) return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &size, md, nullptr) != 1) return {};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xf];
  }
  return hex;
}

ResponseJudge::ResponseJudge(const conf::HealthCheck& check)
    : expect_status_(check.expect_status), expect_body_(check.expect_body) {
  if (!expect_body_.empty() && check.expect_body_regex) {
    try {
      body_regex_.emplace(expect_body_, std::regex::ECMAScript | std::regex::optimize);
    } catch (const std::regex_error& e) {
      regex_error_ = std::string("invalid expect_body regex: ") + e.what();
    }
  }
  if (!check.digest.empty()) {
    std::string digest = check.digest;
    std::transform(digest.begin(), digest.end(), digest.begin(), [](unsigned char c) { return std::tolower(c); });
    const std::size_t colon = digest.find(':');
    digest_algorithm_ = digest.substr(0, colon);
    digest_expected_ = colon == std::string::npos ? "" : digest.substr(colon + 1);
  }
}

std::string ResponseJudge::judge(const HttpResponse& response) const {
  if (std::find(expect_status_.begin(), expect_status_.end(), response.status) == expect_status_.end()) {
    return "unexpected status " + std::to_string(response.status);
  }
  if (!regex_error_.empty()) return regex_error_;
  if (!expect_body_.empty()) {
    const bool found = body_regex_ ? std::regex_search(response.body, *body_regex_)
                                   : response.body.find(expect_body_) != std::string::npos;
    if (!found) return "body does not match expect_body";
  }
  if (!digest_algorithm_.empty()) {
    const std::string actual = hexDigest(digest_algorithm_, response.body);
    if (actual.empty()) return "unsupported digest algorithm: " + digest_algorithm_;
    if (actual != digest_expected_) return digest_algorithm_ + " digest of the body is " + actual;
  }
  return {};
}

std::string judgeHttpResponse(const conf::HealthCheck& check, const HttpResponse& response) {
  return ResponseJudge(check).judge(response);
}

}  // namespace vipd::healthcheck

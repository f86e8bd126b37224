#include <cctype>

#include "conf/sections.hpp"

namespace vipd::conf {

namespace {

constexpr std::string_view kHttpOnlyKeys[] = {"path", "expect_status", "host", "expect_body", "expect_body_regex",
                                              "digest", "tls", "tls_verify", "sni", "ca_file", "keepalive"};

bool isHex(std::string_view text) {
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// "sha256:HEX" (64 digits) or "md5:HEX" (32 digits).
bool validDigest(std::string_view digest) {
  auto colon = digest.find(':');
  if (colon == std::string_view::npos) return false;
  auto algorithm = digest.substr(0, colon);
  auto hex = digest.substr(colon + 1);
  std::size_t want = algorithm == "sha256" ? 64 : algorithm == "md5" ? 32 : 0;
  return want != 0 && hex.size() == want && isHex(hex);
}

void readExpectStatus(TableReader& r, HealthCheck& check) {
  const toml::node* node = r.node("expect_status");
  if (!node) return;
  const toml::array* array = node->as_array();
  if (!array || array->empty()) {
    r.error("expect_status", array ? "must not be empty" : "expected an array of integers, got " + typeName(*node));
    return;
  }
  std::vector<int> statuses;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    std::string at = r.pathOf("expect_status") + "[" + std::to_string(i) + "]";
    auto value = element.value<int64_t>();
    if (!element.is_integer()) {
      r.context().error(at, locationOf(element), "expected an integer, got " + typeName(element));
    } else if (*value < 100 || *value > 599) {
      r.context().error(at, locationOf(element), "must be in 100..599, got " + std::to_string(*value));
    } else {
      statuses.push_back(static_cast<int>(*value));
    }
  }
  check.expect_status = std::move(statuses);
}

void readHttpOptions(TableReader& r, HealthCheck& check) {
  if (auto path = r.string("path")) {
    if (path->empty() || path->front() != '/')
      r.error("path", "must start with '/'");
    else
      check.path = *path;
  }
  readExpectStatus(r, check);
  assign(check.host, r.string("host"));
  assign(check.expect_body, r.string("expect_body"));
  assign(check.expect_body_regex, r.boolean("expect_body_regex"));
  if (check.expect_body_regex) {
    if (auto problem = regexProblem(check.expect_body)) {
      r.error(r.has("expect_body") ? "expect_body" : "expect_body_regex", "invalid regular expression: " + *problem);
    }
  }
  if (auto digest = r.string("digest")) {
    if (!digest->empty() && !validDigest(*digest))
      r.error("digest", "expected \"sha256:HEX\" or \"md5:HEX\"");
    else
      check.digest = *digest;
  }
  assign(check.tls, r.boolean("tls"));
  assign(check.tls_verify, r.boolean("tls_verify"));
  assign(check.sni, r.string("sni"));
  assign(check.ca_file, r.string("ca_file"));
  assign(check.keepalive, r.boolean("keepalive"));
}

// A half-open probe opens no connection, so it has nothing to close gracefully:
// close = "graceful" alone means a full handshake.
void readHandshake(TableReader& r, HealthCheck& check) {
  auto handshake = r.choice("handshake", {"half-open", "full"});
  if (check.type != CheckType::tcp) {
    if (handshake) r.error("handshake", "is only for type = \"tcp\"");
    return;
  }
  check.half_open = handshake ? *handshake == "half-open" : !check.graceful_close;
  if (check.half_open && check.graceful_close) r.error("close", "\"graceful\" needs handshake = \"full\"");
}

HealthCheck readCheck(TableReader& r) {
  HealthCheck check;
  bool type_ok = true;
  if (auto type = r.choice("type", {"tcp", "http", "script"})) {
    check.type = *type == "http" ? CheckType::http : *type == "script" ? CheckType::script : CheckType::tcp;
  } else {
    type_ok = !r.has("type");
  }
  if (check.type == CheckType::http) {
    readHttpOptions(r, check);
  } else if (type_ok) {
    for (auto key : kHttpOnlyKeys) {
      if (r.node(key)) r.error(key, "is only for type = \"http\"");
    }
  } else {
    for (auto key : kHttpOnlyKeys) r.node(key);  // the type error is enough
  }
  if (check.type == CheckType::script) {
    if (auto command = r.strings("command", true)) {
      if (command->empty())
        r.error("command", "must not be empty");
      else
        checkScript(r.context(), r.pathOf("command") + "[0]", command->front());
      check.command = std::move(*command);
    }
  } else if (r.node("command") && type_ok) {
    r.error("command", "is only for type = \"script\"");
  }
  assign(check.interval, r.duration("interval"));
  assign(check.timeout, r.duration("timeout"));
  assign(check.rise, r.integer("rise", 1, 1'000'000));
  assign(check.fall, r.integer("fall", 1, 1'000'000));
  if (auto port = r.integer("connect_port", 1, 65535)) check.connect_port = static_cast<uint16_t>(*port);
  if (auto address = r.parsed<IpAddress>("connect_address", &IpAddress::parse, "IP address")) {
    check.connect_address = *address;
  }
  assign(check.warmup, r.duration("warmup"));
  if (auto state = r.choice("initial_state", {"up", "down"})) check.initial_down = *state == "down";
  if (auto close = r.choice("close", {"reset", "graceful"})) check.graceful_close = *close == "graceful";
  readHandshake(r, check);
  if (check.interval <= Duration::zero()) r.error("interval", "must be greater than 0");
  if (check.timeout <= Duration::zero())
    r.error("timeout", "must be greater than 0");
  else if (check.timeout > check.interval)
    r.error("timeout", "(" + formatDuration(check.timeout) + ") must not exceed interval (" +
                           formatDuration(check.interval) + ")");
  return check;
}

}  // namespace

std::vector<HealthCheck> readChecks(TableReader& parent, std::string_view key) {
  std::vector<HealthCheck> checks;
  for (auto& [table, path] : parent.tables(key, true)) {
    TableReader r(*table, path, parent.context());
    checks.push_back(readCheck(r));
  }
  return checks;
}

}  // namespace vipd::conf

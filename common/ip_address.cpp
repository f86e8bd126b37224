#include "common/ip_address.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace vipd {

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  std::string s(text);
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = Family::v4;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = Family::v6;
    return a;
  }
  return std::nullopt;
}

IpAddress IpAddress::v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  IpAddress ip;
  ip.bytes[0] = a, ip.bytes[1] = b, ip.bytes[2] = c, ip.bytes[3] = d;
  return ip;
}

std::string IpAddress::str() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(af(), bytes.data(), buf, sizeof buf);
  return buf;
}

int IpAddress::af() const { return family == Family::v4 ? AF_INET : AF_INET6; }

bool IpAddress::isLinkLocal() const {
  if (family == Family::v4) return bytes[0] == 169 && bytes[1] == 254;
  return bytes[0] == 0xfe && (bytes[1] & 0xc0) == 0x80;
}

bool IpAddress::isMulticast() const {
  if (family == Family::v4) return (bytes[0] & 0xf0) == 0xe0;
  return bytes[0] == 0xff;
}

bool IpAddress::isUnspecified() const {
  for (std::size_t i = 0; i < size(); ++i)
    if (bytes[i] != 0) return false;
  return true;
}

namespace {
std::optional<unsigned> parseNumber(std::string_view s, unsigned max) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || value > max) return std::nullopt;
  return value;
}
}  // namespace

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
  auto slash = text.find('/');
  auto address = IpAddress::parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  unsigned max = address->family == Family::v4 ? 32 : 128;
  if (slash == std::string_view::npos) return IpPrefix{*address, static_cast<uint8_t>(max)};
  auto length = parseNumber(text.substr(slash + 1), max);
  if (!length) return std::nullopt;
  return IpPrefix{*address, static_cast<uint8_t>(*length)};
}

std::string IpPrefix::str() const { return address.str() + "/" + std::to_string(length); }

std::optional<Endpoint> Endpoint::parse(std::string_view text) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find("]:");
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  auto address = IpAddress::parse(host);
  if (!address) return std::nullopt;
  if (address->family == Family::v6 && text.front() != '[') return std::nullopt;
  if (address->family == Family::v4 && text.front() == '[') return std::nullopt;
  auto number = parseNumber(port, 65535);
  if (!number) return std::nullopt;
  return Endpoint{*address, static_cast<uint16_t>(*number)};
}

std::string Endpoint::str() const {
  auto host = address.str();
  if (address.family == Family::v6) host = "[" + host + "]";
  return host + ":" + std::to_string(port);
}

}  // namespace vipd

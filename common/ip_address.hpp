#pragma once
// Plain IPv4/IPv6 address, prefix and endpoint values with text parsing.
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vipd {

enum class Family : uint8_t { v4 = 4, v6 = 6 };

struct IpAddress {
  Family family = Family::v4;
  std::array<uint8_t, 16> bytes{};  // v4 uses the first 4

  static std::optional<IpAddress> parse(std::string_view text);
  static IpAddress v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d);
  std::string str() const;
  std::size_t size() const { return family == Family::v4 ? 4 : 16; }
  int af() const;  // AF_INET or AF_INET6
  bool isLinkLocal() const;
  bool isMulticast() const;
  bool isUnspecified() const;
  auto operator<=>(const IpAddress&) const = default;
};

struct IpPrefix {
  IpAddress address;
  uint8_t length = 0;

  // "192.0.2.1/24", "2001:db8::1/64"; without "/N" the host length is used.
  static std::optional<IpPrefix> parse(std::string_view text);
  std::string str() const;
  auto operator<=>(const IpPrefix&) const = default;
};

struct Endpoint {
  IpAddress address;
  uint16_t port = 0;

  // "192.0.2.1:80" or "[2001:db8::1]:80"; the port is required.
  static std::optional<Endpoint> parse(std::string_view text);
  std::string str() const;
  auto operator<=>(const Endpoint&) const = default;
};

}  // namespace vipd

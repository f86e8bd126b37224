#pragma once
// VRRP advertisement codec: RFC 9568 section 5 (v3, IPv4 and IPv6) and
// RFC 3768 section 5 (v2 with optional simple-text "PASS" authentication).
// The parser only says whether bytes are a valid advert; what it means to an
// instance is decided elsewhere (checkAdvert, the state machine).
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/ip_address.hpp"

namespace vipd::vrrp {

inline constexpr uint8_t kVrrpProtocol = 112;
inline constexpr uint8_t kVrrpTtl = 255;
inline constexpr uint8_t kAdvertType = 1;
inline constexpr std::size_t kHeaderSize = 8;
inline constexpr std::size_t kV2AuthDataSize = 8;
inline constexpr uint16_t kV3MaxIntervalCentiseconds = 0x0fff;

enum class V2AuthType : uint8_t { none = 0, simple_text = 1, ip_ah = 2 };

struct Advert {
  int version = 3;
  uint8_t vrid = 0;
  uint8_t priority = 0;
  uint16_t interval = 0;  // v3: centiseconds (12 bits); v2: seconds (8 bits)
  std::vector<IpAddress> addresses;
  V2AuthType auth_type = V2AuthType::none;  // v2 only
  std::array<uint8_t, kV2AuthDataSize> auth_data{};

  // v2 PASS: the password, zero padded / truncated to 8 bytes.
  void setPassword(std::string_view password);
  bool operator==(const Advert&) const = default;
};

// How the IP layer delivered the payload.
struct PacketInfo {
  IpAddress source;
  IpAddress destination;
  uint8_t ttl = kVrrpTtl;
};

// v3 over IPv4 only: RFC 9568 excludes the pseudo-header, keepalived and FRR include it.
enum class ChecksumMode { pseudo_header, no_pseudo_header };

std::vector<uint8_t> encodeAdvert(const Advert& advert, const IpAddress& source, const IpAddress& destination,
                                  ChecksumMode mode = ChecksumMode::pseudo_header);

// Why a received packet was dropped; used as a counter key.
enum class DropReason : uint8_t {
  length,
  ttl,
  version,
  type,
  vrid,
  checksum,
  auth,
  address_count,
  address_list,
  interval,
  not_a_peer,
};
inline constexpr std::size_t kDropReasonCount = 11;
std::string_view dropReasonName(DropReason reason);

struct ParsedAdvert {
  Advert advert;
  bool checksum_with_pseudo_header = true;  // which v3/IPv4 variant matched
};

using ParseResult = std::variant<ParsedAdvert, DropReason>;

// Structure, TTL, version, type and checksum. Both v3/IPv4 checksum variants are accepted.
ParseResult parseAdvert(std::span<const uint8_t> payload, const PacketInfo& info);
// The same into `out`, whose address vector keeps its capacity (no allocation
// per packet on the receive path); nullopt when valid. `out` is unspecified
// after a drop.
std::optional<DropReason> parseAdvertInto(std::span<const uint8_t> payload, const PacketInfo& info, ParsedAdvert& out);

// What one instance expects of its peers' adverts.
struct AdvertExpectation {
  int version = 3;
  std::string auth_pass;  // v2: empty = no authentication
  std::vector<IpAddress> addresses;
  uint16_t v2_interval_seconds = 1;
};

// RFC 3768 section 7.1 / RFC 9568 section 7.1 receive checks for one instance.
// An address list that differs is accepted only from the owner (priority 255).
// The lists are compared in any order, without allocating.
std::optional<DropReason> checkAdvert(const Advert& advert, const AdvertExpectation& expected);

}  // namespace vipd::vrrp

#include "vrrpd/core/advert.hpp"

#include <algorithm>

#include "vrrpd/core/checksum.hpp"

namespace vipd::vrrp {

namespace {

constexpr std::size_t kChecksumOffset = 6;

std::size_t addressSize(Family family) { return family == Family::v4 ? 4 : 16; }

std::size_t expectedLength(int version, std::size_t count, Family family) {
  return kHeaderSize + count * addressSize(family) + (version == 2 ? kV2AuthDataSize : 0);
}

// RFC 3768 section 5.3.8: v2 never uses a pseudo-header. RFC 9568 section 5.2.8:
// IPv6 always does; IPv4 does not (but deployed peers do).
uint16_t advertChecksum(std::span<const uint8_t> payload, const PacketInfo& info, bool pseudo_header) {
  InternetChecksum sum;
  if (pseudo_header)
    sum.addPseudoHeader(info.source, info.destination, kVrrpProtocol, static_cast<uint32_t>(payload.size()));
  sum.add(payload);
  return sum.finish();
}

}  // namespace

void Advert::setPassword(std::string_view password) {
  auth_data.fill(0);
  auth_type = password.empty() ? V2AuthType::none : V2AuthType::simple_text;
  std::copy_n(password.begin(), std::min(password.size(), auth_data.size()), auth_data.begin());
}

std::string_view dropReasonName(DropReason reason) {
  switch (reason) {
    case DropReason::length:
      return "length";
    case DropReason::ttl:
      return "ttl";
    case DropReason::version:
      return "version";
    case DropReason::type:
      return "type";
    case DropReason::vrid:
      return "vrid";
    case DropReason::checksum:
      return "checksum";
    case DropReason::auth:
      return "auth";
    case DropReason::address_count:
      return "address_count";
    case DropReason::address_list:
      return "address_list";
    case DropReason::interval:
      return "interval";
    case DropReason::not_a_peer:
      return "not_a_peer";
  }
  return "unknown";
}

std::vector<uint8_t> encodeAdvert(const Advert& advert, const IpAddress& source, const IpAddress& destination,
                                  ChecksumMode mode) {
  Family family = source.family;
  std::vector<uint8_t> out;
  out.reserve(expectedLength(advert.version, advert.addresses.size(), family));
  out.push_back(static_cast<uint8_t>(advert.version << 4 | kAdvertType));
  out.push_back(advert.vrid);
  out.push_back(advert.priority);
  out.push_back(static_cast<uint8_t>(advert.addresses.size()));
  if (advert.version == 2) {
    out.push_back(static_cast<uint8_t>(advert.auth_type));
    out.push_back(static_cast<uint8_t>(advert.interval));
  } else {
    uint16_t interval = advert.interval & kV3MaxIntervalCentiseconds;
    out.push_back(static_cast<uint8_t>(interval >> 8));
    out.push_back(static_cast<uint8_t>(interval & 0xff));
  }
  out.push_back(0);
  out.push_back(0);
  for (const auto& a : advert.addresses) out.insert(out.end(), a.bytes.begin(), a.bytes.begin() + addressSize(family));
  if (advert.version == 2) out.insert(out.end(), advert.auth_data.begin(), advert.auth_data.end());

  bool pseudo = advert.version == 3 && (family == Family::v6 || mode == ChecksumMode::pseudo_header);
  uint16_t checksum = advertChecksum(out, PacketInfo{source, destination, kVrrpTtl}, pseudo);
  out[kChecksumOffset] = static_cast<uint8_t>(checksum >> 8);
  out[kChecksumOffset + 1] = static_cast<uint8_t>(checksum & 0xff);
  return out;
}

ParseResult parseAdvert(std::span<const uint8_t> payload, const PacketInfo& info) {
  ParsedAdvert parsed;
  if (auto reason = parseAdvertInto(payload, info, parsed)) return *reason;
  return parsed;
}

std::optional<DropReason> parseAdvertInto(std::span<const uint8_t> payload, const PacketInfo& info,
                                          ParsedAdvert& parsed) {
  if (payload.size() < kHeaderSize) return DropReason::length;
  Family family = info.source.family;
  int version = payload[0] >> 4;
  if (version != 3 && !(version == 2 && family == Family::v4)) return DropReason::version;
  if ((payload[0] & 0x0f) != kAdvertType) return DropReason::type;
  if (info.ttl != kVrrpTtl) return DropReason::ttl;
  std::size_t count = payload[3];
  if (payload.size() != expectedLength(version, count, family)) return DropReason::length;

  parsed.checksum_with_pseudo_header = true;
  if (version == 2) {
    parsed.checksum_with_pseudo_header = false;
    if (advertChecksum(payload, info, false) != 0) return DropReason::checksum;
  } else if (family == Family::v6) {
    if (advertChecksum(payload, info, true) != 0) return DropReason::checksum;
  } else if (advertChecksum(payload, info, true) != 0) {
    if (advertChecksum(payload, info, false) != 0) return DropReason::checksum;
    parsed.checksum_with_pseudo_header = false;
  }

  Advert& a = parsed.advert;
  a.version = version;
  a.vrid = payload[1];
  a.priority = payload[2];
  if (version == 2) {
    a.auth_type = static_cast<V2AuthType>(payload[4]);
    a.interval = payload[5];
    std::copy_n(payload.end() - kV2AuthDataSize, kV2AuthDataSize, a.auth_data.begin());
  } else {
    a.auth_type = V2AuthType::none;
    a.auth_data.fill(0);
    a.interval = static_cast<uint16_t>((payload[4] << 8 | payload[5]) & kV3MaxIntervalCentiseconds);
  }
  std::size_t size = addressSize(family);
  a.addresses.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    IpAddress& ip = a.addresses[i];
    ip.family = family;
    ip.bytes.fill(0);
    std::copy_n(payload.begin() + kHeaderSize + i * size, size, ip.bytes.begin());
  }
  return std::nullopt;
}

std::optional<DropReason> checkAdvert(const Advert& advert, const AdvertExpectation& expected) {
  if (advert.version != expected.version) return DropReason::version;
  if (advert.version == 2) {
    std::array<uint8_t, kV2AuthDataSize> password{};
    std::copy_n(expected.auth_pass.begin(), std::min(expected.auth_pass.size(), password.size()), password.begin());
    V2AuthType type = expected.auth_pass.empty() ? V2AuthType::none : V2AuthType::simple_text;
    if (advert.auth_type != type) return DropReason::auth;
    if (advert.auth_type == V2AuthType::simple_text && advert.auth_data != password) return DropReason::auth;
    if (advert.interval != expected.v2_interval_seconds) return DropReason::interval;
  }
  constexpr uint8_t kOwnerPriority = 255;
  if (advert.priority == kOwnerPriority) return std::nullopt;
  if (advert.addresses.size() != expected.addresses.size()) return DropReason::address_count;
  if (!std::is_permutation(advert.addresses.begin(), advert.addresses.end(), expected.addresses.begin()))
    return DropReason::address_list;
  return std::nullopt;
}

}  // namespace vipd::vrrp

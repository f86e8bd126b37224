#pragma once
// Internet checksum (RFC 1071) and the pseudo-headers VRRP and ICMPv6 use.
#include <cstdint>
#include <span>

#include "common/ip_address.hpp"

namespace vipd::vrrp {

// Running one's-complement sum; finish() folds and complements it.
class InternetChecksum {
 public:
  void add(std::span<const uint8_t> bytes);
  void addWord(uint16_t word) { sum_ += word; }
  // RFC 8200 section 8.1 (IPv6) / RFC 768-style IPv4 pseudo-header.
  void addPseudoHeader(const IpAddress& source, const IpAddress& destination, uint8_t protocol, uint32_t length);
  uint16_t finish() const;

 private:
  uint64_t sum_ = 0;
  bool odd_ = false;  // the previous add() ended in the middle of a 16-bit word
};

uint16_t internetChecksum(std::span<const uint8_t> bytes);

}  // namespace vipd::vrrp

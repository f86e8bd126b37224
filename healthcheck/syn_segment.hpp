#pragma once
// The bytes of a half-open tcp probe: the SYN vipd sends through a raw socket
// and the server's answer it reads back (SYN-ACK: listening; RST: refused).
// The kernel answers the SYN-ACK with a RST itself (no socket owns the port),
// so the server's half-open request is gone at once.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace vipd::healthcheck {

constexpr std::size_t kSynSize = 20;  // a TCP header without options
using SynSegment = std::array<uint8_t, kSynSize>;

// SYN from `source_port` to `target_port` with sequence number `sequence`;
// the checksum is left 0 (IPv6: the kernel fills it, IPV6_CHECKSUM).
SynSegment synSegment(uint16_t source_port, uint16_t target_port, uint32_t sequence);

// Fills the TCP checksum of `segment` for IPv4 `source` and `destination`
// (each the 4 address bytes, network order).
void setIpv4Checksum(SynSegment& segment, std::span<const uint8_t, 4> source, std::span<const uint8_t, 4> destination);

struct SegmentAnswer {
  uint16_t remote_port = 0;  // the server's port
  uint16_t local_port = 0;
  uint32_t acknowledged = 0;  // the server's acknowledgment number: our sequence + 1
  bool accepted = false;      // SYN-ACK
  bool refused = false;       // RST with ACK
};

// The answer in a TCP header, if it is a SYN-ACK or a RST with ACK.
std::optional<SegmentAnswer> readAnswer(std::span<const uint8_t> tcp);

// The TCP header of an IPv4 packet as a raw socket reads it (IP header
// first), and its source address; nullopt when malformed or not TCP.
struct Ipv4Tcp {
  std::array<uint8_t, 4> source;
  std::span<const uint8_t> tcp;
};
std::optional<Ipv4Tcp> splitIpv4(std::span<const uint8_t> packet);

}  // namespace vipd::healthcheck

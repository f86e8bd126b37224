#include "healthcheck/syn_segment.hpp"

#include <algorithm>

namespace vipd::healthcheck {

namespace {

constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kAck = 0x10;
constexpr uint8_t kTcpProtocol = 6;

void put16(uint8_t* at, uint16_t value) {
  at[0] = static_cast<uint8_t>(value >> 8);
  at[1] = static_cast<uint8_t>(value);
}
void put32(uint8_t* at, uint32_t value) {
  put16(at, static_cast<uint16_t>(value >> 16));
  put16(at + 2, static_cast<uint16_t>(value));
}
uint16_t get16(const uint8_t* at) { return static_cast<uint16_t>(at[0] << 8 | at[1]); }
uint32_t get32(const uint8_t* at) { return static_cast<uint32_t>(get16(at)) << 16 | get16(at + 2); }

uint32_t sumWords(std::span<const uint8_t> bytes, uint32_t sum) {
  for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) sum += get16(&bytes[i]);
  if (bytes.size() % 2) sum += static_cast<uint32_t>(bytes.back()) << 8;
  return sum;
}

}  // namespace

SynSegment synSegment(uint16_t source_port, uint16_t target_port, uint32_t sequence) {
  SynSegment segment{};
  put16(&segment[0], source_port);
  put16(&segment[2], target_port);
  put32(&segment[4], sequence);
  segment[12] = (kSynSize / 4) << 4;  // data offset in 32-bit words
  segment[13] = kSyn;
  put16(&segment[14], 64240);  // window, as Linux offers it
  return segment;
}

void setIpv4Checksum(SynSegment& segment, std::span<const uint8_t, 4> source, std::span<const uint8_t, 4> destination) {
  put16(&segment[16], 0);
  uint32_t sum = sumWords(source, 0);
  sum = sumWords(destination, sum);
  sum += kTcpProtocol + kSynSize;  // the rest of the pseudo-header
  sum = sumWords(segment, sum);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  put16(&segment[16], static_cast<uint16_t>(~sum));
}

std::optional<SegmentAnswer> readAnswer(std::span<const uint8_t> tcp) {
  if (tcp.size() < kSynSize) return std::nullopt;
  const uint8_t flags = tcp[13];
  SegmentAnswer answer;
  answer.accepted = (flags & (kSyn | kAck | kRst | kFin)) == (kSyn | kAck);
  answer.refused = (flags & (kRst | kAck)) == (kRst | kAck);
  if (!answer.accepted && !answer.refused) return std::nullopt;
  answer.remote_port = get16(&tcp[0]);
  answer.local_port = get16(&tcp[2]);
  answer.acknowledged = get32(&tcp[8]);
  return answer;
}

std::optional<Ipv4Tcp> splitIpv4(std::span<const uint8_t> packet) {
  if (packet.size() < 20 || packet[0] >> 4 != 4 || packet[9] != kTcpProtocol) return std::nullopt;
  const std::size_t header = static_cast<std::size_t>(packet[0] & 0x0f) * 4;
  if (header < 20 || packet.size() < header) return std::nullopt;
  Ipv4Tcp split;
  std::copy_n(&packet[12], 4, split.source.begin());
  split.tcp = packet.subspan(header);
  return split;
}

}  // namespace vipd::healthcheck

// The bytes of half-open tcp probes (syn_segment.hpp).
#include <gtest/gtest.h>

#include "healthcheck/syn_segment.hpp"

namespace vipd::healthcheck {
namespace {

TEST(SynSegment, SynBytesWithIpv4Checksum) {
  SynSegment syn = synSegment(40000, 80, 0x01020304);
  const std::array<uint8_t, 4> source{10, 0, 0, 1}, destination{10, 0, 0, 2};
  setIpv4Checksum(syn, source, destination);
  // Checksum from an independent implementation (Python, RFC 1071 over the pseudo-header).
  const SynSegment expected{0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00,
                            0x00, 0x00, 0x50, 0x02, 0xfa, 0xf0, 0x00, 0x59, 0x00, 0x00};
  EXPECT_EQ(syn, expected);
  setIpv4Checksum(syn, source, destination);  // again: the old checksum is not summed in
  EXPECT_EQ(syn, expected);
}

TEST(SynSegment, ReadsSynAckAndResetOnly) {
  SynSegment segment = synSegment(80, 40000, 0x0a0b0c0d);
  const std::array<uint8_t, 4> acknowledged{0x01, 0x02, 0x03, 0x05};
  std::copy(acknowledged.begin(), acknowledged.end(), segment.begin() + 8);
  segment[13] = 0x12;  // SYN ACK
  auto accepted = readAnswer(segment);
  ASSERT_TRUE(accepted);
  EXPECT_TRUE(accepted->accepted);
  EXPECT_FALSE(accepted->refused);
  EXPECT_EQ(accepted->remote_port, 80);
  EXPECT_EQ(accepted->local_port, 40000);
  EXPECT_EQ(accepted->acknowledged, 0x01020305u);

  segment[13] = 0x14;  // RST ACK
  auto refused = readAnswer(segment);
  ASSERT_TRUE(refused);
  EXPECT_TRUE(refused->refused);
  EXPECT_FALSE(refused->accepted);

  for (uint8_t flags : {0x02, 0x10, 0x04, 0x13}) {  // SYN, ACK, RST alone, SYN ACK FIN
    segment[13] = flags;
    EXPECT_FALSE(readAnswer(segment)) << int(flags);
  }
  EXPECT_FALSE(readAnswer(std::span(segment).first(19)));
}

TEST(SynSegment, SplitsIpv4HeadersWithOptions) {
  std::vector<uint8_t> packet(24 + kSynSize, 0);
  packet[0] = 0x46;  // version 4, 6 words (one of options)
  packet[9] = 6;
  packet[12] = 198, packet[13] = 51, packet[14] = 100, packet[15] = 7;
  packet[24] = 0xab;  // first byte of the TCP header
  auto split = splitIpv4(packet);
  ASSERT_TRUE(split);
  EXPECT_EQ(split->source, (std::array<uint8_t, 4>{198, 51, 100, 7}));
  EXPECT_EQ(split->tcp.size(), kSynSize);
  EXPECT_EQ(split->tcp[0], 0xab);

  packet[9] = 17;  // UDP
  EXPECT_FALSE(splitIpv4(packet));
  packet[9] = 6;
  packet[0] = 0x4f;  // 60-byte header, longer than the packet
  EXPECT_FALSE(splitIpv4(packet));
  packet[0] = 0x66;  // version 6
  EXPECT_FALSE(splitIpv4(packet));
}

}  // namespace
}  // namespace vipd::healthcheck

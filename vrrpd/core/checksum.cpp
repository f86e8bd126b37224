#include "vrrpd/core/checksum.hpp"

namespace vipd::vrrp {

void InternetChecksum::add(std::span<const uint8_t> bytes) {
  for (uint8_t b : bytes) {
    sum_ += odd_ ? b : static_cast<uint64_t>(b) << 8;
    odd_ = !odd_;
  }
}

void InternetChecksum::addPseudoHeader(const IpAddress& source, const IpAddress& destination, uint8_t protocol,
                                       uint32_t length) {
  add(std::span(source.bytes.data(), source.size()));
  add(std::span(destination.bytes.data(), destination.size()));
  if (source.family == Family::v4) {
    addWord(protocol);
    addWord(static_cast<uint16_t>(length));
  } else {
    addWord(static_cast<uint16_t>(length >> 16));
    addWord(static_cast<uint16_t>(length & 0xffff));
    addWord(protocol);
  }
}

uint16_t InternetChecksum::finish() const {
  uint64_t s = sum_;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(~s & 0xffff);
}

uint16_t internetChecksum(std::span<const uint8_t> bytes) {
  InternetChecksum c;
  c.add(bytes);
  return c.finish();
}

}  // namespace vipd::vrrp

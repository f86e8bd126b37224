// Random and truncated packets through the decoder: never a crash (run also
// in the ASan/UBSan build), and anything accepted re-encodes to the same bytes.
#include <gtest/gtest.h>

#include <random>

#include "vrrpd/core/advert.hpp"

namespace vipd::vrrp {
namespace {

TEST(AdvertFuzz, RandomAndTruncatedPacketsNeverCrash) {
  std::mt19937 rng(12345);
  IpAddress src4 = *IpAddress::parse("198.51.100.1"), dst4 = *IpAddress::parse("224.0.0.18");
  IpAddress src6 = *IpAddress::parse("fe80::1"), dst6 = *IpAddress::parse("ff02::12");
  Advert seed;
  seed.vrid = 9;
  seed.priority = 100;
  seed.interval = 100;
  seed.addresses = {*IpAddress::parse("198.51.100.10"), *IpAddress::parse("198.51.100.11")};
  auto valid = encodeAdvert(seed, src4, dst4);

  int accepted = 0, iterations = 0;
  for (int i = 0; i < 120000; ++i, ++iterations) {
    std::vector<uint8_t> bytes;
    switch (i % 3) {
      case 0: {  // pure noise, any length up to 1500
        bytes.resize(rng() % 1500);
        for (auto& b : bytes) b = static_cast<uint8_t>(rng());
        break;
      }
      case 1: {  // a valid advert, truncated
        bytes.assign(valid.begin(), valid.begin() + rng() % (valid.size() + 1));
        break;
      }
      case 2: {  // plausible header, flipped bytes, random count
        bytes = valid;
        bytes[0] = static_cast<uint8_t>((rng() % 2 ? 0x20 : 0x30) | (rng() % 3));
        bytes[3] = static_cast<uint8_t>(rng());
        bytes.resize(rng() % 64);
        if (!bytes.empty()) bytes[rng() % bytes.size()] ^= static_cast<uint8_t>(rng());
        break;
      }
    }
    bool v6 = rng() % 2;
    PacketInfo info{v6 ? src6 : src4, v6 ? dst6 : dst4, static_cast<uint8_t>(rng() % 4 ? 255 : rng())};
    auto result = parseAdvert(bytes, info);
    if (auto* parsed = std::get_if<ParsedAdvert>(&result)) {
      ++accepted;
      ChecksumMode mode =
          parsed->checksum_with_pseudo_header ? ChecksumMode::pseudo_header : ChecksumMode::no_pseudo_header;
      auto again = encodeAdvert(parsed->advert, info.source, info.destination, mode);
      std::vector<uint8_t> original = bytes;
      if (parsed->advert.version == 3) original[4] &= 0x0f;  // reserved bits are not kept
      original[6] = original[7] = again[6] = again[7] = 0;   // checksums compared by the parser already
      EXPECT_EQ(original, again);
    }
  }
  EXPECT_GE(iterations, 100000);
  // Truncations of length == valid.size() are valid (1 in 17 of case 1, IPv4 half).
  EXPECT_GT(accepted, 0);
}

}  // namespace
}  // namespace vipd::vrrp

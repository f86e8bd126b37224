#pragma once
// Netlink attributes (struct nlattr: u16 length, u16 type, payload padded to
// 4 bytes) written into and read from plain byte vectors. Host byte order
// unless the name says "be" (network order), as the kernel expects.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vipd::ipvs::nl {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

inline constexpr uint16_t kNestedFlag = 0x8000;  // NLA_F_NESTED
inline constexpr uint16_t kTypeMask = 0x3fff;    // NLA_TYPE_MASK

class AttrWriter {
 public:
  void put(uint16_t type, ByteView payload);
  void putU8(uint16_t type, uint8_t value);
  void putU16(uint16_t type, uint16_t value);
  void putBe16(uint16_t type, uint16_t value);
  void putU32(uint16_t type, uint32_t value);
  void putString(uint16_t type, std::string_view value);  // NUL-terminated

  // Returns the offset to pass to endNest.
  std::size_t beginNest(uint16_t type);
  void endNest(std::size_t offset);

  Bytes& bytes() { return bytes_; }

 private:
  void pad();
  Bytes bytes_;
};

// The attributes of one level, indexed by type (the last one wins on repeats).
class AttrTable {
 public:
  // nullopt when a length field runs past the buffer or is shorter than a header.
  static std::optional<AttrTable> parse(ByteView bytes);

  bool has(uint16_t type) const { return find(type) != nullptr; }
  std::optional<ByteView> raw(uint16_t type) const;
  std::optional<uint8_t> u8(uint16_t type) const;
  std::optional<uint16_t> u16(uint16_t type) const;
  std::optional<uint16_t> be16(uint16_t type) const;
  std::optional<uint32_t> u32(uint16_t type) const;
  std::optional<uint64_t> u64(uint16_t type) const;
  std::optional<std::string> string(uint16_t type) const;  // up to the first NUL

 private:
  struct Entry {
    uint16_t type;
    ByteView payload;
  };
  const Entry* find(uint16_t type) const;
  std::vector<Entry> entries_;
};

}  // namespace vipd::ipvs::nl

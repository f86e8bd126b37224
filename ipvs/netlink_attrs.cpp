#include "ipvs/netlink_attrs.hpp"

#include <cstring>

namespace vipd::ipvs::nl {

namespace {

constexpr std::size_t kHeaderSize = 4;

std::size_t aligned(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

void writeU16(uint8_t* at, uint16_t value) { std::memcpy(at, &value, sizeof value); }

}  // namespace

void AttrWriter::pad() { bytes_.resize(aligned(bytes_.size()), 0); }

void AttrWriter::put(uint16_t type, ByteView payload) {
  const std::size_t start = bytes_.size();
  bytes_.resize(start + kHeaderSize);
  writeU16(&bytes_[start], static_cast<uint16_t>(kHeaderSize + payload.size()));
  writeU16(&bytes_[start + 2], type);
  bytes_.insert(bytes_.end(), payload.begin(), payload.end());
  pad();
}

void AttrWriter::putU8(uint16_t type, uint8_t value) { put(type, ByteView(&value, 1)); }

void AttrWriter::putU16(uint16_t type, uint16_t value) {
  uint8_t raw[2];
  std::memcpy(raw, &value, 2);
  put(type, raw);
}

void AttrWriter::putBe16(uint16_t type, uint16_t value) {
  const uint8_t raw[2] = {static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)};
  put(type, raw);
}

void AttrWriter::putU32(uint16_t type, uint32_t value) {
  uint8_t raw[4];
  std::memcpy(raw, &value, 4);
  put(type, raw);
}

void AttrWriter::putString(uint16_t type, std::string_view value) {
  Bytes raw(value.begin(), value.end());
  raw.push_back(0);
  put(type, raw);
}

std::size_t AttrWriter::beginNest(uint16_t type) {
  const std::size_t start = bytes_.size();
  bytes_.resize(start + kHeaderSize);
  writeU16(&bytes_[start + 2], type);
  return start;
}

void AttrWriter::endNest(std::size_t offset) {
  writeU16(&bytes_[offset], static_cast<uint16_t>(bytes_.size() - offset));
}

std::optional<AttrTable> AttrTable::parse(ByteView bytes) {
  AttrTable table;
  std::size_t at = 0;
  while (at + kHeaderSize <= bytes.size()) {
    uint16_t length = 0;
    uint16_t type = 0;
    std::memcpy(&length, &bytes[at], 2);
    std::memcpy(&type, &bytes[at + 2], 2);
    if (length < kHeaderSize || at + length > bytes.size()) return std::nullopt;
    table.entries_.push_back(
        {static_cast<uint16_t>(type & kTypeMask), bytes.subspan(at + kHeaderSize, length - kHeaderSize)});
    at += aligned(length);
  }
  return table;
}

const AttrTable::Entry* AttrTable::find(uint16_t type) const {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
    if (it->type == type) return &*it;
  return nullptr;
}

std::optional<ByteView> AttrTable::raw(uint16_t type) const {
  const Entry* entry = find(type);
  if (!entry) return std::nullopt;
  return entry->payload;
}

namespace {
template <class T>
std::optional<T> fixed(const std::optional<ByteView>& payload) {
  if (!payload || payload->size() < sizeof(T)) return std::nullopt;
  T value;
  std::memcpy(&value, payload->data(), sizeof(T));
  return value;
}
}  // namespace

std::optional<uint8_t> AttrTable::u8(uint16_t type) const { return fixed<uint8_t>(raw(type)); }
std::optional<uint16_t> AttrTable::u16(uint16_t type) const { return fixed<uint16_t>(raw(type)); }
std::optional<uint32_t> AttrTable::u32(uint16_t type) const { return fixed<uint32_t>(raw(type)); }
std::optional<uint64_t> AttrTable::u64(uint16_t type) const { return fixed<uint64_t>(raw(type)); }

std::optional<uint16_t> AttrTable::be16(uint16_t type) const {
  const auto payload = raw(type);
  if (!payload || payload->size() < 2) return std::nullopt;
  return static_cast<uint16_t>(((*payload)[0] << 8) | (*payload)[1]);
}

std::optional<std::string> AttrTable::string(uint16_t type) const {
  const auto payload = raw(type);
  if (!payload) return std::nullopt;
  std::string text(payload->begin(), payload->end());
  if (const auto nul = text.find('\0'); nul != std::string::npos) text.resize(nul);
  return text;
}

}  // namespace vipd::ipvs::nl

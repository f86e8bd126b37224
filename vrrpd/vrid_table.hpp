#pragma once
// Demultiplexing of one shared socket's packets to its instances by VRID
// (byte 1 of every VRRP message): one slot per VRID, O(1) per packet.
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace vipd::vrrp {

template <class Instance>
class VridTable {
 public:
  // False (and unchanged) when `vrid` is already taken on this socket.
  bool insert(uint8_t vrid, Instance* instance) {
    if (slots_[vrid] != nullptr) return false;
    slots_[vrid] = instance;
    ++count_;
    return true;
  }
  // Clears the slot only if `instance` holds it.
  void erase(uint8_t vrid, const Instance* instance) {
    if (slots_[vrid] != instance || instance == nullptr) return;
    slots_[vrid] = nullptr;
    --count_;
  }
  Instance* at(uint8_t vrid) const { return slots_[vrid]; }
  // The instance a received VRRP message is for; nullptr when too short or no instance has its VRID.
  Instance* find(std::span<const uint8_t> message) const { return message.size() >= 2 ? slots_[message[1]] : nullptr; }
  bool empty() const { return count_ == 0; }
  std::size_t size() const { return count_; }

 private:
  std::array<Instance*, 256> slots_{};
  std::size_t count_ = 0;
};

}  // namespace vipd::vrrp

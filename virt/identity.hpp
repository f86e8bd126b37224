#pragma once
// Stable identities derived from a guest's name, so that a guest keeps its
// UUID and MACs across restarts and two guests never share them (no clone
// collisions). Pure functions.
//
// MAC layout: 02:76:70:XX:XX:XX. 0x02 sets the locally administered bit and
// clears the multicast bit (IEEE 802 "U/L" and "I/G"); 76:70 is "vp" for vipd,
// so vipd's NICs are recognisable and never clash with qemu's 52:54:00 or a
// vendor OUI. The last three bytes come from a SHA-1 name-based UUID of
// "NAME/nic/INDEX"; the rare 24-bit collision is resolved by assignMacs().
#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace vipd::virt {

using Mac = std::array<uint8_t, 6>;

inline constexpr std::array<uint8_t, 3> kMacPrefix = {0x02, 0x76, 0x70};

// RFC 4122 version 5 UUID of the name under vipd's own namespace UUID.
std::string guestUuid(const std::string& guest);

// The MAC for the NIC at `index` of `guest`, attempt 0 unless a collision
// forced a later one.
Mac guestMac(const std::string& guest, size_t index, unsigned attempt = 0);

std::string formatMac(const Mac& mac);

struct NicRequest {
  std::string guest;
  size_t nics = 0;
};

// MACs for every NIC of every guest, unique across all of them. Guests are
// taken in name order; a NIC whose MAC is already taken retries with the next
// attempt, so only the later name of a colliding pair moves.
std::map<std::string, std::vector<Mac>> assignMacs(const std::vector<NicRequest>& guests);

}  // namespace vipd::virt

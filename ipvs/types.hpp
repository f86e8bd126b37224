#pragma once
// Plain IPVS values: what the kernel holds (services, real servers, their
// statistics), its global settings and the sync daemon. Field meanings follow
// <linux/ip_vs.h>; the genl codec translates these to and from attributes.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <linux/ip_vs.h>

#include "common/ip_address.hpp"

namespace vipd::ipvs {

enum class Protocol : uint16_t { none = 0, tcp = 6, udp = 17, sctp = 132 };  // IPPROTO_* values

// IP_VS_CONN_F_* forwarding methods.
enum class Forwarding : uint32_t {
  nat = IP_VS_CONN_F_MASQ,
  local = IP_VS_CONN_F_LOCALNODE,
  tun = IP_VS_CONN_F_TUNNEL,
  dr = IP_VS_CONN_F_DROUTE,
};

// Service flags vipd sets. The kernel also reports IP_VS_SVC_F_HASHED, which is bookkeeping, not a setting.
inline constexpr uint32_t kFlagPersistent = IP_VS_SVC_F_PERSISTENT;
inline constexpr uint32_t kFlagOnePacket = IP_VS_SVC_F_ONEPACKET;
inline constexpr uint32_t kFlagSchedFallback = IP_VS_SVC_F_SCHED1;  // sh/mh: fall back when the server is unusable
inline constexpr uint32_t kFlagSchedPort = IP_VS_SVC_F_SCHED2;      // sh/mh: hash the source port too
inline constexpr uint32_t kSettableServiceFlags = ~uint32_t{IP_VS_SVC_F_HASHED};

// A service is either (protocol, address, port) or (fwmark, family).
struct ServiceKey {
  Family family = Family::v4;
  Protocol protocol = Protocol::tcp;
  IpAddress address;
  uint16_t port = 0;
  uint32_t fwmark = 0;  // non-zero: a firewall-mark service; protocol/address/port unused

  static ServiceKey ofEndpoint(Protocol protocol, const Endpoint& endpoint);
  static ServiceKey ofFwmark(Family family, uint32_t fwmark);
  bool isFwmark() const { return fwmark != 0; }
  std::string str() const;  // "tcp 198.51.100.1:80", "fwmark 7 (inet6)"
  auto operator<=>(const ServiceKey&) const = default;
};

struct Stats {
  uint64_t conns = 0;
  uint64_t inpkts = 0;
  uint64_t outpkts = 0;
  uint64_t inbytes = 0;
  uint64_t outbytes = 0;
  uint64_t cps = 0;
  uint64_t inpps = 0;
  uint64_t outpps = 0;
  uint64_t inbps = 0;
  uint64_t outbps = 0;
  bool operator==(const Stats&) const = default;
};

struct Service {
  ServiceKey key;
  std::string scheduler = "wlc";
  uint32_t flags = 0;    // IP_VS_SVC_F_*
  uint32_t timeout = 0;  // persistence, seconds
  uint8_t netmask = 32;  // persistence granularity as a prefix length (v4 /32, v6 /128 = per client)
  Stats stats;           // read back only

  // What a SET_SERVICE changes: scheduler, flags, persistence.
  bool sameSettings(const Service& other) const;
};

struct DestinationKey {
  IpAddress address;
  uint16_t port = 0;

  std::string str() const;
  auto operator<=>(const DestinationKey&) const = default;
};

struct Destination {
  DestinationKey key;
  Forwarding forwarding = Forwarding::dr;
  int32_t weight = 1;
  uint32_t upper_threshold = 0;  // 0 = no limit
  uint32_t lower_threshold = 0;
  // Read back only.
  uint32_t active_conns = 0;
  uint32_t inactive_conns = 0;
  uint32_t persistent_conns = 0;
  Stats stats;

  // What a SET_DEST changes: forwarding, weight, thresholds.
  bool sameSettings(const Destination& other) const;
};

struct Info {
  uint32_t version = 0;  // 0x010201 = 1.2.1
  uint32_t conn_table_size = 0;
  std::string versionString() const;
};

// Connection timeouts in seconds; 0 in a SET leaves that one unchanged.
struct Timeouts {
  uint32_t tcp = 0;
  uint32_t tcp_fin = 0;
  uint32_t udp = 0;
  bool operator==(const Timeouts&) const = default;
};

enum class SyncState : uint32_t { master = IP_VS_STATE_MASTER, backup = IP_VS_STATE_BACKUP };

struct SyncDaemon {
  SyncState state = SyncState::backup;
  std::string interface;
  uint32_t sync_id = 0;
  bool operator==(const SyncDaemon&) const = default;
};

std::string_view protocolName(Protocol protocol);
std::string_view forwardingName(Forwarding forwarding);
std::string_view syncStateName(SyncState state);
std::optional<Protocol> parseProtocol(std::string_view name);
bool isKnownScheduler(std::string_view name);
uint8_t hostPrefixLength(Family family);

}  // namespace vipd::ipvs

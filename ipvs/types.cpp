#include "ipvs/types.hpp"

#include <algorithm>
#include <array>

namespace vipd::ipvs {

ServiceKey ServiceKey::ofEndpoint(Protocol protocol, const Endpoint& endpoint) {
  return ServiceKey{endpoint.address.family, protocol, endpoint.address, endpoint.port, 0};
}

ServiceKey ServiceKey::ofFwmark(Family family, uint32_t fwmark) {
  ServiceKey key;
  key.family = family;
  key.protocol = Protocol::none;
  key.address.family = family;
  key.fwmark = fwmark;
  return key;
}

std::string ServiceKey::str() const {
  if (isFwmark()) return "fwmark " + std::to_string(fwmark) + (family == Family::v6 ? " (inet6)" : " (inet)");
  return std::string(protocolName(protocol)) + " " + Endpoint{address, port}.str();
}

bool Service::sameSettings(const Service& other) const {
  return scheduler == other.scheduler && (flags & kSettableServiceFlags) == (other.flags & kSettableServiceFlags) &&
         timeout == other.timeout && netmask == other.netmask;
}

std::string DestinationKey::str() const { return Endpoint{address, port}.str(); }

bool Destination::sameSettings(const Destination& other) const {
  return forwarding == other.forwarding && weight == other.weight && upper_threshold == other.upper_threshold &&
         lower_threshold == other.lower_threshold;
}

std::string Info::versionString() const {
  return std::to_string((version >> 16) & 0xff) + "." + std::to_string((version >> 8) & 0xff) + "." +
         std::to_string(version & 0xff);
}

std::string_view protocolName(Protocol protocol) {
  switch (protocol) {
    case Protocol::tcp:
      return "tcp";
    case Protocol::udp:
      return "udp";
    case Protocol::sctp:
      return "sctp";
    case Protocol::none:
      break;
  }
  return "none";
}

std::string_view forwardingName(Forwarding forwarding) {
  switch (forwarding) {
    case Forwarding::nat:
      return "nat";
    case Forwarding::local:
      return "local";
    case Forwarding::tun:
      return "tun";
    case Forwarding::dr:
      return "dr";
  }
  return "unknown";
}

std::string_view syncStateName(SyncState state) { return state == SyncState::master ? "master" : "backup"; }

std::optional<Protocol> parseProtocol(std::string_view name) {
  if (name == "tcp") return Protocol::tcp;
  if (name == "udp") return Protocol::udp;
  if (name == "sctp") return Protocol::sctp;
  return std::nullopt;
}

bool isKnownScheduler(std::string_view name) {
  static constexpr std::array<std::string_view, 13> kSchedulers = {"rr", "wrr", "lc",   "wlc",   "sed", "nq", "mh",
                                                                   "sh", "dh",  "lblc", "lblcr", "fo",  "ovf"};
  return std::find(kSchedulers.begin(), kSchedulers.end(), name) != kSchedulers.end();
}

uint8_t hostPrefixLength(Family family) { return family == Family::v6 ? 128 : 32; }

}  // namespace vipd::ipvs

#include "ipvs/genl_codec.hpp"

#include <sys/socket.h>

#include <bit>
#include <cstring>

namespace vipd::ipvs::genl {

namespace {

constexpr std::size_t kGenlHeaderSize = 4;  // struct genlmsghdr: cmd, version, reserved
constexpr std::size_t kInetAddrSize = 16;   // union nf_inet_addr

Error malformed(const char* what) { return Error::fromErrno(EBADMSG, std::string("IPVS reply: ") + what); }

nl::AttrWriter header(uint8_t command) {
  nl::AttrWriter out;
  out.bytes() = {command, IPVS_GENL_VERSION, 0, 0};
  return out;
}

Request finish(uint8_t command, nl::AttrWriter& out, bool dump = false) {
  return Request{command, dump, std::move(out.bytes())};
}

uint16_t addressFamily(Family family) { return family == Family::v6 ? AF_INET6 : AF_INET; }

std::optional<Family> familyOf(uint16_t af) {
  if (af == AF_INET) return Family::v4;
  if (af == AF_INET6) return Family::v6;
  return std::nullopt;
}

void putAddress(nl::AttrWriter& out, uint16_t type, const IpAddress& address) {
  uint8_t raw[kInetAddrSize] = {};
  std::memcpy(raw, address.bytes.data(), address.size());
  out.put(type, raw);
}

std::optional<IpAddress> getAddress(const nl::AttrTable& attrs, uint16_t type, Family family) {
  const auto raw = attrs.raw(type);
  IpAddress address;
  address.family = family;
  if (!raw || raw->size() < address.size()) return std::nullopt;
  std::memcpy(address.bytes.data(), raw->data(), address.size());
  return address;
}

// The kernel keeps an IPv4 persistence netmask as a network-order mask and an
// IPv6 one as a prefix length in host order.
uint32_t netmaskValue(Family family, uint8_t prefix) {
  if (family == Family::v6) return prefix;
  const uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  const uint8_t be[4] = {uint8_t(mask >> 24), uint8_t(mask >> 16), uint8_t(mask >> 8), uint8_t(mask)};
  uint32_t raw;
  std::memcpy(&raw, be, 4);
  return raw;
}

uint8_t netmaskPrefix(Family family, uint32_t raw) {
  if (family == Family::v6) return static_cast<uint8_t>(raw > 128 ? 128 : raw);
  uint8_t be[4];
  std::memcpy(be, &raw, 4);
  const uint32_t mask = (uint32_t(be[0]) << 24) | (uint32_t(be[1]) << 16) | (uint32_t(be[2]) << 8) | be[3];
  return static_cast<uint8_t>(std::countl_one(mask));
}

Result<nl::AttrTable> topLevel(nl::ByteView body) {
  if (body.size() < kGenlHeaderSize) return malformed("short generic netlink header");
  auto attrs = nl::AttrTable::parse(body.subspan(kGenlHeaderSize));
  if (!attrs) return malformed("bad attribute lengths");
  return *attrs;
}

Request serviceRequest(uint8_t command, const Service& service) {
  auto out = header(command);
  const auto nest = out.beginNest(IPVS_CMD_ATTR_SERVICE);
  encodeServiceAttrs(out, service);
  out.endNest(nest);
  return finish(command, out);
}

Request destinationRequest(uint8_t command, const ServiceKey& service, const Destination& destination) {
  auto out = header(command);
  auto nest = out.beginNest(IPVS_CMD_ATTR_SERVICE);
  encodeServiceKeyAttrs(out, service);
  out.endNest(nest);
  nest = out.beginNest(IPVS_CMD_ATTR_DEST);
  encodeDestinationAttrs(out, destination);
  out.endNest(nest);
  return finish(command, out);
}

}  // namespace

void encodeServiceKeyAttrs(nl::AttrWriter& out, const ServiceKey& key) {
  out.putU16(IPVS_SVC_ATTR_AF, addressFamily(key.family));
  if (key.isFwmark()) {
    out.putU32(IPVS_SVC_ATTR_FWMARK, key.fwmark);
  } else {
    out.putU16(IPVS_SVC_ATTR_PROTOCOL, static_cast<uint16_t>(key.protocol));
    putAddress(out, IPVS_SVC_ATTR_ADDR, key.address);
    out.putBe16(IPVS_SVC_ATTR_PORT, key.port);
  }
}

void encodeServiceAttrs(nl::AttrWriter& out, const Service& service) {
  encodeServiceKeyAttrs(out, service.key);
  out.putString(IPVS_SVC_ATTR_SCHED_NAME, service.scheduler);
  const ip_vs_flags flags{service.flags & kSettableServiceFlags, ~uint32_t{0}};
  out.put(IPVS_SVC_ATTR_FLAGS, nl::ByteView(reinterpret_cast<const uint8_t*>(&flags), sizeof flags));
  out.putU32(IPVS_SVC_ATTR_TIMEOUT, service.timeout);
  out.putU32(IPVS_SVC_ATTR_NETMASK, netmaskValue(service.key.family, service.netmask));
}

Result<Service> decodeServiceAttrs(nl::ByteView bytes) {
  const auto attrs = nl::AttrTable::parse(bytes);
  if (!attrs) return malformed("bad service attribute lengths");
  const auto af = attrs->u16(IPVS_SVC_ATTR_AF);
  const auto family = af ? familyOf(*af) : std::nullopt;
  if (!family) return malformed("service without a known address family");
  Service service;
  if (const auto fwmark = attrs->u32(IPVS_SVC_ATTR_FWMARK); fwmark && *fwmark != 0) {
    service.key = ServiceKey::ofFwmark(*family, *fwmark);
  } else {
    const auto protocol = attrs->u16(IPVS_SVC_ATTR_PROTOCOL);
    const auto address = getAddress(*attrs, IPVS_SVC_ATTR_ADDR, *family);
    const auto port = attrs->be16(IPVS_SVC_ATTR_PORT);
    if (!protocol || !address || !port) return malformed("service without protocol, address or port");
    service.key = ServiceKey{*family, static_cast<Protocol>(*protocol), *address, *port, 0};
  }
  service.scheduler = attrs->string(IPVS_SVC_ATTR_SCHED_NAME).value_or("");
  if (const auto flags = attrs->raw(IPVS_SVC_ATTR_FLAGS); flags && flags->size() >= sizeof(ip_vs_flags)) {
    ip_vs_flags raw;
    std::memcpy(&raw, flags->data(), sizeof raw);
    service.flags = raw.flags & kSettableServiceFlags;
  }
  service.timeout = attrs->u32(IPVS_SVC_ATTR_TIMEOUT).value_or(0);
  service.netmask = attrs->u32(IPVS_SVC_ATTR_NETMASK) ? netmaskPrefix(*family, *attrs->u32(IPVS_SVC_ATTR_NETMASK))
                                                      : hostPrefixLength(*family);
  if (const auto stats = attrs->raw(IPVS_SVC_ATTR_STATS64)) {
    auto decoded = decodeStatsAttrs(*stats, true);
    if (!decoded) return decoded.error();
    service.stats = *decoded;
  } else if (const auto stats32 = attrs->raw(IPVS_SVC_ATTR_STATS)) {
    auto decoded = decodeStatsAttrs(*stats32, false);
    if (!decoded) return decoded.error();
    service.stats = *decoded;
  }
  return service;
}

void encodeDestinationAttrs(nl::AttrWriter& out, const Destination& destination) {
  putAddress(out, IPVS_DEST_ATTR_ADDR, destination.key.address);
  out.putBe16(IPVS_DEST_ATTR_PORT, destination.key.port);
  out.putU32(IPVS_DEST_ATTR_FWD_METHOD, static_cast<uint32_t>(destination.forwarding));
  out.putU32(IPVS_DEST_ATTR_WEIGHT, static_cast<uint32_t>(destination.weight));
  out.putU32(IPVS_DEST_ATTR_U_THRESH, destination.upper_threshold);
  out.putU32(IPVS_DEST_ATTR_L_THRESH, destination.lower_threshold);
  out.putU16(IPVS_DEST_ATTR_ADDR_FAMILY, addressFamily(destination.key.address.family));
}

Result<Destination> decodeDestinationAttrs(nl::ByteView bytes, Family serviceFamily) {
  const auto attrs = nl::AttrTable::parse(bytes);
  if (!attrs) return malformed("bad destination attribute lengths");
  Family family = serviceFamily;
  if (const auto af = attrs->u16(IPVS_DEST_ATTR_ADDR_FAMILY)) {
    const auto known = familyOf(*af);
    if (!known) return malformed("destination with an unknown address family");
    family = *known;
  }
  const auto address = getAddress(*attrs, IPVS_DEST_ATTR_ADDR, family);
  const auto port = attrs->be16(IPVS_DEST_ATTR_PORT);
  if (!address || !port) return malformed("destination without address or port");
  Destination destination;
  destination.key = DestinationKey{*address, *port};
  destination.forwarding =
      static_cast<Forwarding>(attrs->u32(IPVS_DEST_ATTR_FWD_METHOD).value_or(0) & IP_VS_CONN_F_FWD_MASK);
  destination.weight = static_cast<int32_t>(attrs->u32(IPVS_DEST_ATTR_WEIGHT).value_or(0));
  destination.upper_threshold = attrs->u32(IPVS_DEST_ATTR_U_THRESH).value_or(0);
  destination.lower_threshold = attrs->u32(IPVS_DEST_ATTR_L_THRESH).value_or(0);
  destination.active_conns = attrs->u32(IPVS_DEST_ATTR_ACTIVE_CONNS).value_or(0);
  destination.inactive_conns = attrs->u32(IPVS_DEST_ATTR_INACT_CONNS).value_or(0);
  destination.persistent_conns = attrs->u32(IPVS_DEST_ATTR_PERSIST_CONNS).value_or(0);
  const bool wide = attrs->has(IPVS_DEST_ATTR_STATS64);
  if (const auto stats = attrs->raw(wide ? IPVS_DEST_ATTR_STATS64 : IPVS_DEST_ATTR_STATS)) {
    auto decoded = decodeStatsAttrs(*stats, wide);
    if (!decoded) return decoded.error();
    destination.stats = *decoded;
  }
  return destination;
}

// STATS carries u32 counters (u64 bytes); STATS64 carries u64 for all.
Result<Stats> decodeStatsAttrs(nl::ByteView bytes, bool wide) {
  const auto attrs = nl::AttrTable::parse(bytes);
  if (!attrs) return malformed("bad stats attribute lengths");
  auto get = [&](uint16_t type, bool alwaysWide = false) -> uint64_t {
    if (wide || alwaysWide) return attrs->u64(type).value_or(0);
    return attrs->u32(type).value_or(0);
  };
  Stats stats;
  stats.conns = get(IPVS_STATS_ATTR_CONNS);
  stats.inpkts = get(IPVS_STATS_ATTR_INPKTS);
  stats.outpkts = get(IPVS_STATS_ATTR_OUTPKTS);
  stats.inbytes = get(IPVS_STATS_ATTR_INBYTES, true);
  stats.outbytes = get(IPVS_STATS_ATTR_OUTBYTES, true);
  stats.cps = get(IPVS_STATS_ATTR_CPS);
  stats.inpps = get(IPVS_STATS_ATTR_INPPS);
  stats.outpps = get(IPVS_STATS_ATTR_OUTPPS);
  stats.inbps = get(IPVS_STATS_ATTR_INBPS);
  stats.outbps = get(IPVS_STATS_ATTR_OUTBPS);
  return stats;
}

Request newService(const Service& service) { return serviceRequest(IPVS_CMD_NEW_SERVICE, service); }
Request setService(const Service& service) { return serviceRequest(IPVS_CMD_SET_SERVICE, service); }

Request delService(const ServiceKey& key) {
  auto out = header(IPVS_CMD_DEL_SERVICE);
  const auto nest = out.beginNest(IPVS_CMD_ATTR_SERVICE);
  encodeServiceKeyAttrs(out, key);
  out.endNest(nest);
  return finish(IPVS_CMD_DEL_SERVICE, out);
}

Request getServices() {
  auto out = header(IPVS_CMD_GET_SERVICE);
  return finish(IPVS_CMD_GET_SERVICE, out, true);
}

Request newDestination(const ServiceKey& service, const Destination& destination) {
  return destinationRequest(IPVS_CMD_NEW_DEST, service, destination);
}

Request setDestination(const ServiceKey& service, const Destination& destination) {
  return destinationRequest(IPVS_CMD_SET_DEST, service, destination);
}

Request delDestination(const ServiceKey& service, const DestinationKey& destination) {
  auto out = header(IPVS_CMD_DEL_DEST);
  auto nest = out.beginNest(IPVS_CMD_ATTR_SERVICE);
  encodeServiceKeyAttrs(out, service);
  out.endNest(nest);
  nest = out.beginNest(IPVS_CMD_ATTR_DEST);
  putAddress(out, IPVS_DEST_ATTR_ADDR, destination.address);
  out.putBe16(IPVS_DEST_ATTR_PORT, destination.port);
  out.putU16(IPVS_DEST_ATTR_ADDR_FAMILY, addressFamily(destination.address.family));
  out.endNest(nest);
  return finish(IPVS_CMD_DEL_DEST, out);
}

Request getDestinations(const ServiceKey& service) {
  auto out = header(IPVS_CMD_GET_DEST);
  const auto nest = out.beginNest(IPVS_CMD_ATTR_SERVICE);
  encodeServiceKeyAttrs(out, service);
  out.endNest(nest);
  return finish(IPVS_CMD_GET_DEST, out, true);
}

Request getInfo() {
  auto out = header(IPVS_CMD_GET_INFO);
  return finish(IPVS_CMD_GET_INFO, out);
}

Request getConfig() {
  auto out = header(IPVS_CMD_GET_CONFIG);
  return finish(IPVS_CMD_GET_CONFIG, out);
}

Request setConfig(const Timeouts& timeouts) {
  auto out = header(IPVS_CMD_SET_CONFIG);
  out.putU32(IPVS_CMD_ATTR_TIMEOUT_TCP, timeouts.tcp);
  out.putU32(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, timeouts.tcp_fin);
  out.putU32(IPVS_CMD_ATTR_TIMEOUT_UDP, timeouts.udp);
  return finish(IPVS_CMD_SET_CONFIG, out);
}

Request newDaemon(const SyncDaemon& daemon) {
  auto out = header(IPVS_CMD_NEW_DAEMON);
  const auto nest = out.beginNest(IPVS_CMD_ATTR_DAEMON);
  out.putU32(IPVS_DAEMON_ATTR_STATE, static_cast<uint32_t>(daemon.state));
  out.putString(IPVS_DAEMON_ATTR_MCAST_IFN, daemon.interface);
  out.putU32(IPVS_DAEMON_ATTR_SYNC_ID, daemon.sync_id);
  out.endNest(nest);
  return finish(IPVS_CMD_NEW_DAEMON, out);
}

Request delDaemon(SyncState state) {
  auto out = header(IPVS_CMD_DEL_DAEMON);
  const auto nest = out.beginNest(IPVS_CMD_ATTR_DAEMON);
  out.putU32(IPVS_DAEMON_ATTR_STATE, static_cast<uint32_t>(state));
  out.endNest(nest);
  return finish(IPVS_CMD_DEL_DAEMON, out);
}

Request getDaemons() {
  auto out = header(IPVS_CMD_GET_DAEMON);
  return finish(IPVS_CMD_GET_DAEMON, out, true);
}

Result<Service> decodeServiceReply(nl::ByteView body) {
  auto attrs = topLevel(body);
  if (!attrs) return attrs.error();
  const auto nested = attrs->raw(IPVS_CMD_ATTR_SERVICE);
  if (!nested) return malformed("no service attribute");
  return decodeServiceAttrs(*nested);
}

Result<Destination> decodeDestinationReply(nl::ByteView body, Family serviceFamily) {
  auto attrs = topLevel(body);
  if (!attrs) return attrs.error();
  const auto nested = attrs->raw(IPVS_CMD_ATTR_DEST);
  if (!nested) return malformed("no destination attribute");
  return decodeDestinationAttrs(*nested, serviceFamily);
}

Result<Info> decodeInfoReply(nl::ByteView body) {
  auto attrs = topLevel(body);
  if (!attrs) return attrs.error();
  const auto version = attrs->u32(IPVS_INFO_ATTR_VERSION);
  const auto size = attrs->u32(IPVS_INFO_ATTR_CONN_TAB_SIZE);
  if (!version || !size) return malformed("info without version or table size");
  return Info{*version, *size};
}

Result<Timeouts> decodeConfigReply(nl::ByteView body) {
  auto attrs = topLevel(body);
  if (!attrs) return attrs.error();
  return Timeouts{attrs->u32(IPVS_CMD_ATTR_TIMEOUT_TCP).value_or(0),
                  attrs->u32(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN).value_or(0),
                  attrs->u32(IPVS_CMD_ATTR_TIMEOUT_UDP).value_or(0)};
}

Result<SyncDaemon> decodeDaemonReply(nl::ByteView body) {
  auto attrs = topLevel(body);
  if (!attrs) return attrs.error();
  const auto nested = attrs->raw(IPVS_CMD_ATTR_DAEMON);
  if (!nested) return malformed("no daemon attribute");
  const auto daemon = nl::AttrTable::parse(*nested);
  if (!daemon) return malformed("bad daemon attribute lengths");
  const auto state = daemon->u32(IPVS_DAEMON_ATTR_STATE);
  if (!state || (*state != IP_VS_STATE_MASTER && *state != IP_VS_STATE_BACKUP)) return malformed("daemon state");
  return SyncDaemon{static_cast<SyncState>(*state), daemon->string(IPVS_DAEMON_ATTR_MCAST_IFN).value_or(""),
                    daemon->u32(IPVS_DAEMON_ATTR_SYNC_ID).value_or(0)};
}

}  // namespace vipd::ipvs::genl

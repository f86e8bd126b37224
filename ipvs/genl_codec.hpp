#pragma once
// The IPVS generic netlink codec: requests encoded as the generic netlink
// body (genlmsghdr + attributes; the transport adds the nlmsghdr) and replies
// decoded from the same. Encoders and decoders come in pairs over the same
// attribute layout (kernel net/netfilter/ipvs/ip_vs_ctl.c policies).
#include <cstdint>
#include <vector>

#include "common/result.hpp"
#include "ipvs/netlink_attrs.hpp"
#include "ipvs/types.hpp"

namespace vipd::ipvs::genl {

struct Request {
  uint8_t command = 0;  // IPVS_CMD_*
  bool dump = false;    // NLM_F_DUMP: the reply is a multipart series
  nl::Bytes body;       // genlmsghdr + attributes
};

Request newService(const Service& service);
Request setService(const Service& service);
Request delService(const ServiceKey& key);
Request getServices();
Request newDestination(const ServiceKey& service, const Destination& destination);
Request setDestination(const ServiceKey& service, const Destination& destination);
Request delDestination(const ServiceKey& service, const DestinationKey& destination);
Request getDestinations(const ServiceKey& service);
Request getInfo();
Request getConfig();
Request setConfig(const Timeouts& timeouts);
Request newDaemon(const SyncDaemon& daemon);
Request delDaemon(SyncState state);
Request getDaemons();

// Nested attribute contents (the fill/assemble pairs).
void encodeServiceAttrs(nl::AttrWriter& out, const Service& service);
void encodeServiceKeyAttrs(nl::AttrWriter& out, const ServiceKey& key);
Result<Service> decodeServiceAttrs(nl::ByteView attrs);
void encodeDestinationAttrs(nl::AttrWriter& out, const Destination& destination);
Result<Destination> decodeDestinationAttrs(nl::ByteView attrs, Family serviceFamily);
Result<Stats> decodeStatsAttrs(nl::ByteView attrs, bool wide);

// Whole reply bodies (genlmsghdr + attributes).
Result<Service> decodeServiceReply(nl::ByteView body);
Result<Destination> decodeDestinationReply(nl::ByteView body, Family serviceFamily);
Result<Info> decodeInfoReply(nl::ByteView body);
Result<Timeouts> decodeConfigReply(nl::ByteView body);
Result<SyncDaemon> decodeDaemonReply(nl::ByteView body);

}  // namespace vipd::ipvs::genl

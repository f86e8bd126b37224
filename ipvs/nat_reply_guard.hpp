#pragma once
// LVS-NAT replies that IPVS did not translate. When the VIPs move, the new
// master may not know a connection yet (the kernel's connection sync sends a
// partly filled buffer only when it is 2 s old); it then forwards the real
// server's reply with the real server's address, which the client answers
// with a reset, and the connection is lost. With `drop_untranslated_replies`
// vipd drops such replies instead, in a forward chain after IPVS's own hook
// (priority 100, where translated replies get the VIP as their source): the
// real server retransmits, and once the sync has come the reply passes.
//
// This file decides WHAT: the reply sources (address, protocol, port of every
// NAT real server and NAT sorry server) and the nft script for them.
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "conf/config.hpp"

namespace vipd::ipvs {

struct ReplySource {
  IpAddress address;
  conf::Protocol protocol = conf::Protocol::tcp;
  uint16_t port = 0;

  auto operator<=>(const ReplySource&) const = default;
};

inline constexpr const char* kNatReplyTable = "vipd_nat_replies";  // family inet
inline constexpr int kNatReplyChainPriority = 200;

// Sorted, without duplicates; empty unless `drop_untranslated_replies`. A
// fwmark service's replies are matched with the service's `protocol`.
std::vector<ReplySource> natReplySources(const conf::Ipvs& ipvs);

// An nft script that atomically replaces table `inet vipd_nat_replies` with
// drops for `sources` (no table at all when empty).
std::string natReplyGuardScript(const std::vector<ReplySource>& sources);

}  // namespace vipd::ipvs

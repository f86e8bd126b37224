#pragma once
// Many netlink requests in one datagram, and the acknowledgements read back.
// The kernel handles every message of a sendmsg() in turn; a request without
// NLM_F_ACK gets a reply only when it fails. A batch therefore asks an ack of
// its last message alone: once that ack is read, every failure before it has
// been read too (the kernel queues replies in order).
#include <cstdint>
#include <vector>

#include "ipvs/netlink_attrs.hpp"

namespace vipd::ipvs::nl {

// Appends one request (nlmsghdr + body, padded to 4 bytes) to `out`.
void appendRequest(Bytes& out, uint16_t family, uint32_t sequence, bool ack, ByteView body);

struct Answer {
  uint32_t sequence = 0;
  int error = 0;  // 0 for an ack, else the errno
};

// The NLMSG_ERROR messages (acks and failures) of one received datagram;
// other messages are skipped. Stops at the first malformed length.
std::vector<Answer> parseAnswers(ByteView datagram);

}  // namespace vipd::ipvs::nl

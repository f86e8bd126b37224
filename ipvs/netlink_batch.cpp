#include "ipvs/netlink_batch.hpp"

#include <linux/netlink.h>

#include <cstring>

namespace vipd::ipvs::nl {

namespace {

constexpr std::size_t align4(std::size_t n) { return (n + 3) & ~std::size_t{3}; }

}  // namespace

void appendRequest(Bytes& out, uint16_t family, uint32_t sequence, bool ack, ByteView body) {
  nlmsghdr header{};
  header.nlmsg_len = static_cast<uint32_t>(NLMSG_HDRLEN + body.size());
  header.nlmsg_type = family;
  header.nlmsg_flags = static_cast<uint16_t>(NLM_F_REQUEST | (ack ? NLM_F_ACK : 0));
  header.nlmsg_seq = sequence;
  const std::size_t start = out.size();
  out.resize(start + align4(header.nlmsg_len));
  std::memcpy(out.data() + start, &header, sizeof header);
  if (!body.empty()) std::memcpy(out.data() + start + NLMSG_HDRLEN, body.data(), body.size());
}

std::vector<Answer> parseAnswers(ByteView datagram) {
  std::vector<Answer> answers;
  std::size_t at = 0;
  while (datagram.size() - at >= sizeof(nlmsghdr)) {
    nlmsghdr header;
    std::memcpy(&header, datagram.data() + at, sizeof header);
    if (header.nlmsg_len < sizeof header || header.nlmsg_len > datagram.size() - at) break;
    if (header.nlmsg_type == NLMSG_ERROR && header.nlmsg_len >= NLMSG_HDRLEN + sizeof(int)) {
      int error;
      std::memcpy(&error, datagram.data() + at + NLMSG_HDRLEN, sizeof error);
      answers.push_back(Answer{header.nlmsg_seq, error < 0 ? -error : error});
    }
    at += align4(header.nlmsg_len);
  }
  return answers;
}

}  // namespace vipd::ipvs::nl

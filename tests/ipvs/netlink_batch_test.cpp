// Batches of netlink requests and their answers, byte by byte.
#include <gtest/gtest.h>

#include <linux/netlink.h>

#include <cstring>

#include "ipvs/netlink_batch.hpp"

namespace vipd::ipvs::nl {
namespace {

nlmsghdr headerAt(const Bytes& bytes, std::size_t at) {
  nlmsghdr header;
  std::memcpy(&header, bytes.data() + at, sizeof header);
  return header;
}

// An NLMSG_ERROR message as the kernel sends it (with NETLINK_CAP_ACK: the
// request's header echoed, no payload).
void appendAnswer(Bytes& out, uint32_t sequence, int error) {
  nlmsgerr body{};
  body.error = -error;
  body.msg.nlmsg_seq = sequence;
  nlmsghdr header{};
  header.nlmsg_len = NLMSG_HDRLEN + sizeof body;
  header.nlmsg_type = NLMSG_ERROR;
  header.nlmsg_seq = sequence;
  const std::size_t at = out.size();
  out.resize(at + NLMSG_ALIGN(header.nlmsg_len));
  std::memcpy(out.data() + at, &header, sizeof header);
  std::memcpy(out.data() + at + NLMSG_HDRLEN, &body, sizeof body);
}

TEST(NetlinkBatch, RequestsArePaddedAndOnlyTheLastAsksForAnAck) {
  Bytes batch;
  const uint8_t body1[] = {1, 2, 3, 4, 5};  // 5 bytes: padded to 8
  const uint8_t body2[] = {9, 9, 9, 9};
  appendRequest(batch, 0x1c, 100, false, body1);
  appendRequest(batch, 0x1c, 101, true, body2);
  ASSERT_EQ(batch.size(), (16u + 8u) + (16u + 4u));

  const nlmsghdr first = headerAt(batch, 0);
  EXPECT_EQ(first.nlmsg_len, 21u);
  EXPECT_EQ(first.nlmsg_type, 0x1c);
  EXPECT_EQ(first.nlmsg_flags, NLM_F_REQUEST);
  EXPECT_EQ(first.nlmsg_seq, 100u);
  EXPECT_EQ(first.nlmsg_pid, 0u);
  EXPECT_EQ(0, std::memcmp(batch.data() + 16, body1, sizeof body1));
  EXPECT_EQ(batch[21], 0);  // padding

  const nlmsghdr second = headerAt(batch, 24);
  EXPECT_EQ(second.nlmsg_len, 20u);
  EXPECT_EQ(second.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
  EXPECT_EQ(second.nlmsg_seq, 101u);
  EXPECT_EQ(0, std::memcmp(batch.data() + 40, body2, sizeof body2));
}

TEST(NetlinkBatch, AnswersGiveSequenceAndPositiveErrno) {
  Bytes datagram;
  appendAnswer(datagram, 7, EEXIST);
  appendAnswer(datagram, 9, 0);
  const auto answers = parseAnswers(datagram);
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].sequence, 7u);
  EXPECT_EQ(answers[0].error, EEXIST);
  EXPECT_EQ(answers[1].sequence, 9u);
  EXPECT_EQ(answers[1].error, 0);
}

TEST(NetlinkBatch, OtherMessagesAreSkippedAndBadLengthsStop) {
  Bytes datagram;
  nlmsghdr done{};
  done.nlmsg_len = NLMSG_HDRLEN + 4;
  done.nlmsg_type = NLMSG_DONE;
  datagram.resize(done.nlmsg_len);
  std::memcpy(datagram.data(), &done, sizeof done);
  appendAnswer(datagram, 3, ENOENT);
  EXPECT_EQ(parseAnswers(datagram).size(), 1u);

  Bytes truncated = datagram;
  truncated.resize(truncated.size() - 1);  // the answer's length now runs past the end
  EXPECT_TRUE(parseAnswers(truncated).empty());

  Bytes zero(sizeof(nlmsghdr), 0);  // nlmsg_len 0 would loop forever if accepted
  EXPECT_TRUE(parseAnswers(zero).empty());
}

}  // namespace
}  // namespace vipd::ipvs::nl

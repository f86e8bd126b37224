#pragma once
// The kernel port over generic netlink (libnl-genl-3, family "IPVS"). One
// socket, opened on first use and reused; batches of changes are pipelined
// (many requests in flight, acknowledgements matched by sequence number).
#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

#include "ipvs/genl_codec.hpp"
#include "ipvs/kernel.hpp"

struct nl_sock;

namespace vipd::ipvs {

class NetlinkKernel final : public Kernel {
 public:
  explicit NetlinkKernel(std::size_t window = 128);
  ~NetlinkKernel() override;
  NetlinkKernel(const NetlinkKernel&) = delete;
  NetlinkKernel& operator=(const NetlinkKernel&) = delete;

  Result<std::vector<Service>> services() override;
  Result<std::vector<Destination>> destinations(const ServiceKey& service) override;
  Status execute(const Op& op) override;
  std::vector<Status> executeAll(std::span<const Op> ops) override;
  Result<Info> info() override;
  Result<Timeouts> timeouts() override;
  Status setTimeouts(const Timeouts& timeouts) override;
  Result<std::vector<SyncDaemon>> syncDaemons() override;
  Status startSyncDaemon(const SyncDaemon& daemon) override;
  Status stopSyncDaemon(SyncState state) override;
  // Through /proc/sys/net/ipv4/vs (proc_sysctl.hpp), not netlink.
  Result<int> sysctl(const std::string& name) override;
  Status setSysctl(const std::string& name, int value) override;

 private:
  using ReplyHandler = std::function<Status(nl::ByteView body)>;

  Status connect();
  void disconnect();
  Status send(const genl::Request& request, unsigned& sequence, bool ack = true);
  // Sends one request and reads its replies (each passed to onReply) up to its ack or dump end.
  Status transact(const genl::Request& request, const ReplyHandler& onReply = {});
  // Sends one request without NLM_F_ACK; only an error reply (queued during the send) is read.
  Status transactWithoutAck(const genl::Request& request);
  // Encoded batches ready to send, at most this many ahead of the kernel.
  static constexpr std::size_t kBatchesAhead = 4;
  struct Batch {
    nl::Bytes bytes;  // the requests, reused from call to call
    uint32_t first_sequence = 0;
    std::span<const Op> ops;
    std::span<Status> results;
  };
  void encode(Batch& batch, std::span<const Op> ops, std::span<Status> results);
  Status transmit(Batch& batch);

  std::size_t window_;
  nl_sock* socket_ = nullptr;
  int family_ = -1;
  std::array<Batch, kBatchesAhead> batches_;
  nl::Bytes received_;  // reused: one datagram of answers
};

genl::Request requestFor(const Op& op);

}  // namespace vipd::ipvs

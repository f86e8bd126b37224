#include "ipvs/netlink_kernel.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <semaphore>
#include <system_error>
#include <thread>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "ipvs/netlink_batch.hpp"
#include "ipvs/proc_sysctl.hpp"

namespace vipd::ipvs {

namespace {

constexpr int kSocketBuffer = 4 << 20;
// Room for any one answer: an ack, or a failure echoing the request's header.
constexpr std::size_t kReceiveBuffer = 64 << 10;
// The kernel handles a netlink request in the sender's context: its reply
// (or ack) is queued before sendmsg() returns, and a dump's next part is made
// inside recvmsg(). A receive therefore waits only for a reply that was lost
// (receive buffer overrun); this bounds that wait.
constexpr int kReceiveTimeoutSeconds = 1;

// What the receive callbacks learn about the requests in flight.
struct Inbox {
  const std::function<Status(nl::ByteView)>* onReply = nullptr;
  std::map<unsigned, int> pending;  // sequence -> errno (-1 while unanswered)
  std::size_t answered = 0;
  bool dumpDone = false;
  Status replyStatus = Ok{};
};

void answer(Inbox& inbox, unsigned sequence, int err) {
  auto it = inbox.pending.find(sequence);
  if (it == inbox.pending.end() || it->second != -1) return;
  it->second = err;
  ++inbox.answered;
}

int onValid(nl_msg* msg, void* arg) {
  auto& inbox = *static_cast<Inbox*>(arg);
  nlmsghdr* header = nlmsg_hdr(msg);
  if (inbox.onReply && *inbox.onReply && inbox.replyStatus.ok()) {
    const auto* data = static_cast<const uint8_t*>(nlmsg_data(header));
    inbox.replyStatus = (*inbox.onReply)(nl::ByteView(data, static_cast<std::size_t>(nlmsg_datalen(header))));
  }
  return NL_SKIP;  // a non-dump request is answered by its ack, which follows the reply
}

int onAck(nl_msg* msg, void* arg) {
  answer(*static_cast<Inbox*>(arg), nlmsg_hdr(msg)->nlmsg_seq, 0);
  return NL_SKIP;
}

int onFinish(nl_msg* msg, void* arg) {
  auto& inbox = *static_cast<Inbox*>(arg);
  inbox.dumpDone = true;
  answer(inbox, nlmsg_hdr(msg)->nlmsg_seq, 0);
  return NL_STOP;
}

int onError(sockaddr_nl*, nlmsgerr* error, void* arg) {
  auto& inbox = *static_cast<Inbox*>(arg);
  inbox.dumpDone = true;
  answer(inbox, error->msg.nlmsg_seq, error->error < 0 ? -error->error : error->error);
  return NL_SKIP;
}

int acceptAnySequence(nl_msg*, void*) { return NL_OK; }

struct CallbackDeleter {
  void operator()(nl_cb* cb) const { nl_cb_put(cb); }
};
using Callbacks = std::unique_ptr<nl_cb, CallbackDeleter>;

Callbacks makeCallbacks(Inbox& inbox) {
  Callbacks cb(nl_cb_alloc(NL_CB_CUSTOM));
  if (!cb) return cb;
  nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, onValid, &inbox);
  nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, onAck, &inbox);
  nl_cb_set(cb.get(), NL_CB_FINISH, NL_CB_CUSTOM, onFinish, &inbox);
  nl_cb_set(cb.get(), NL_CB_SEQ_CHECK, NL_CB_CUSTOM, acceptAnySequence, nullptr);
  nl_cb_err(cb.get(), NL_CB_CUSTOM, onError, &inbox);
  return cb;
}

Error libnlError(int code, const std::string& context) {
  return Error::fromErrno(EIO, context + ": " + nl_geterror(code));
}

Status statusOf(int err, const char* what) {
  if (err == 0) return Ok{};
  return Error::fromErrno(err, what);
}

}  // namespace

genl::Request requestFor(const Op& op) {
  switch (op.kind) {
    case Op::Kind::addService:
      return genl::newService(op.service);
    case Op::Kind::updateService:
      return genl::setService(op.service);
    case Op::Kind::deleteService:
      return genl::delService(op.service.key);
    case Op::Kind::addDestination:
      return genl::newDestination(op.service.key, op.destination);
    case Op::Kind::updateDestination:
      return genl::setDestination(op.service.key, op.destination);
    case Op::Kind::drainDestination: {
      Destination drained = op.destination;
      drained.weight = 0;
      return genl::setDestination(op.service.key, drained);
    }
    case Op::Kind::deleteDestination:
      return genl::delDestination(op.service.key, op.destination.key);
  }
  return genl::getInfo();
}

NetlinkKernel::NetlinkKernel(std::size_t window) : window_(window == 0 ? 1 : window) {}

NetlinkKernel::~NetlinkKernel() { disconnect(); }

void NetlinkKernel::disconnect() {
  if (socket_) nl_socket_free(socket_);
  socket_ = nullptr;
  family_ = -1;
}

Status NetlinkKernel::connect() {
  if (socket_) return Ok{};
  socket_ = nl_socket_alloc();
  if (!socket_) return Error::fromErrno(ENOMEM, "netlink socket");
  if (const int rc = genl_connect(socket_); rc < 0) {
    disconnect();
    return libnlError(rc, "generic netlink connect");
  }
  nl_socket_set_buffer_size(socket_, kSocketBuffer, kSocketBuffer);
  const int fd = nl_socket_get_fd(socket_);
  // Past net.core.rmem_max when privileged: room for a whole batch of failures.
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &kSocketBuffer, sizeof kSocketBuffer);
  // A failure echoes only the request's header, not its attributes.
  const int one = 1;
  ::setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
  const timeval timeout{kReceiveTimeoutSeconds, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  const int family = genl_ctrl_resolve(socket_, IPVS_GENL_NAME);
  nl_socket_disable_auto_ack(socket_);  // after the resolve, which then reads its own ack
  if (family < 0) {
    disconnect();
    return Error::fromErrno(EPROTONOSUPPORT, "IPVS generic netlink family not available (ip_vs not loaded?)");
  }
  family_ = family;
  return Ok{};
}

Status NetlinkKernel::send(const genl::Request& request, unsigned& sequence, bool ack) {
  nl_msg* msg = nlmsg_alloc_size(NLMSG_HDRLEN + request.body.size() + 64);
  if (!msg) return Error::fromErrno(ENOMEM, "netlink message");
  const int flags = request.dump ? NLM_F_DUMP : ack ? NLM_F_ACK : 0;
  nlmsghdr* header = nlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family_, 0, flags);
  if (!header || nlmsg_append(msg, const_cast<uint8_t*>(request.body.data()), request.body.size(), NLMSG_ALIGNTO) < 0) {
    nlmsg_free(msg);
    return Error::fromErrno(ENOMEM, "netlink message");
  }
  const int rc = nl_send_auto(socket_, msg);
  sequence = nlmsg_hdr(msg)->nlmsg_seq;
  nlmsg_free(msg);
  if (rc < 0) return libnlError(rc, "netlink send");
  return Ok{};
}

Status NetlinkKernel::transact(const genl::Request& request, const ReplyHandler& onReply) {
  if (auto connected = connect(); !connected) return connected;
  Inbox inbox;
  inbox.onReply = &onReply;
  Callbacks cb = makeCallbacks(inbox);
  if (!cb) return Error::fromErrno(ENOMEM, "netlink callbacks");
  unsigned sequence = 0;
  if (auto sent = send(request, sequence); !sent) {
    disconnect();
    return sent;
  }
  inbox.pending[sequence] = -1;
  while (inbox.answered == 0 && !(request.dump && inbox.dumpDone)) {
    if (const int rc = nl_recvmsgs(socket_, cb.get()); rc < 0) {
      disconnect();
      return libnlError(rc, "netlink receive");
    }
  }
  if (auto err = statusOf(inbox.pending[sequence] == -1 ? 0 : inbox.pending[sequence], "IPVS"); !err) return err;
  return inbox.replyStatus;
}

// Up to `window_` changes per datagram, only the last asking for an ack
// (netlink_batch.hpp): one send and, when all succeed, one receive per batch.
// Several batches: a second thread hands batch k to the kernel while this one
// encodes the next (under emulation the encoding was a fifth of a cold
// start's apply; the kernel still takes them one by one, in order).
std::vector<Status> NetlinkKernel::executeAll(std::span<const Op> ops) {
  std::vector<Status> results(ops.size(), Status(Ok{}));
  if (auto connected = connect(); !connected) {
    for (auto& result : results) result = connected.error();
    return results;
  }
  const std::size_t count = (ops.size() + window_ - 1) / window_;
  auto encodeBatch = [&](std::size_t k) {
    Batch& batch = batches_[k % batches_.size()];
    const std::size_t first = k * window_;
    const std::size_t size = std::min(window_, ops.size() - first);
    encode(batch, ops.subspan(first, size), std::span(results).subspan(first, size));
  };
  std::atomic<std::size_t> failed_batch = count;  // the first batch whose transport failed
  Status failure = Ok{};
  auto transmitBatch = [&](std::size_t k) {
    if (auto sent = transmit(batches_[k % batches_.size()]); !sent) {
      failure = sent.error();
      failed_batch = k;
    }
  };
  std::counting_semaphore<kBatchesAhead> free_slots(kBatchesAhead);
  std::counting_semaphore<kBatchesAhead> encoded(0);
  std::optional<std::thread> sender;
  try {
    if (count > 1) sender.emplace([&] {
        for (std::size_t k = 0; k < count; ++k) {
          encoded.acquire();
          if (failed_batch == count) transmitBatch(k);
          free_slots.release();
        }
      });
  } catch (const std::system_error&) {
    // No thread to be had (EAGAIN: a thread limit): the same batches, in turn, on this one.
  }
  if (sender) {
    for (std::size_t k = 0; k < count; ++k) {
      free_slots.acquire();
      if (failed_batch == count) encodeBatch(k);
      encoded.release();
    }
    sender->join();
  } else {
    for (std::size_t k = 0; k < count && failed_batch == count; ++k) {
      encodeBatch(k);
      transmitBatch(k);
    }
  }
  if (failed_batch < count) {
    for (std::size_t i = failed_batch * window_; i < ops.size(); ++i)
      if (results[i].ok()) results[i] = failure.error();
    disconnect();
  }
  return results;
}

void NetlinkKernel::encode(Batch& batch, std::span<const Op> ops, std::span<Status> results) {
  batch.ops = ops;
  batch.results = results;
  batch.first_sequence = nl_socket_use_seq(socket_);
  for (std::size_t i = 1; i < ops.size(); ++i) nl_socket_use_seq(socket_);
  batch.bytes.clear();
  for (std::size_t i = 0; i < ops.size(); ++i)
    nl::appendRequest(batch.bytes, static_cast<uint16_t>(family_), batch.first_sequence + static_cast<uint32_t>(i),
                      i + 1 == ops.size(), requestFor(ops[i]).body);
}

// Sends one batch and reads its answers up to the ack of its last request;
// a request that failed gets its errno in the batch's results.
Status NetlinkKernel::transmit(Batch& batch) {
  const int fd = nl_socket_get_fd(socket_);
  if (::send(fd, batch.bytes.data(), batch.bytes.size(), 0) != static_cast<ssize_t>(batch.bytes.size()))
    return Error::fromErrno(errno, "netlink send");
  const uint32_t last = batch.first_sequence + static_cast<uint32_t>(batch.ops.size() - 1);
  received_.resize(kReceiveBuffer);
  for (;;) {
    const ssize_t got = ::recv(fd, received_.data(), received_.size(), 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return Error::fromErrno(errno, "netlink receive");
    }
    for (const auto& answer : nl::parseAnswers(nl::ByteView(received_.data(), static_cast<std::size_t>(got)))) {
      const uint32_t index = answer.sequence - batch.first_sequence;
      if (index >= batch.ops.size()) continue;  // a stale answer
      if (answer.error != 0) batch.results[index] = Error::fromErrno(answer.error, batch.ops[index].str());
      if (answer.sequence == last) return Ok{};
    }
  }
}

Status NetlinkKernel::execute(const Op& op) {
  auto status = transact(requestFor(op));
  if (!status) return Error{status.error().code, op.str()};
  return status;
}

Result<std::vector<Service>> NetlinkKernel::services() {
  std::vector<Service> services;
  auto status = transact(genl::getServices(), [&](nl::ByteView body) -> Status {
    auto service = genl::decodeServiceReply(body);
    if (!service) return service.error();
    services.push_back(std::move(*service));
    return Ok{};
  });
  if (!status) return Error{status.error().code, "list IPVS services: " + status.error().context};
  return services;
}

Result<std::vector<Destination>> NetlinkKernel::destinations(const ServiceKey& service) {
  std::vector<Destination> destinations;
  auto status = transact(genl::getDestinations(service), [&](nl::ByteView body) -> Status {
    auto destination = genl::decodeDestinationReply(body, service.family);
    if (!destination) return destination.error();
    destinations.push_back(std::move(*destination));
    return Ok{};
  });
  if (!status) return Error{status.error().code, "list real servers of " + service.str()};
  return destinations;
}

Result<Info> NetlinkKernel::info() {
  Result<Info> info = Error::fromErrno(EBADMSG, "IPVS info: no reply");
  auto status = transact(genl::getInfo(), [&](nl::ByteView body) -> Status {
    info = genl::decodeInfoReply(body);
    return Ok{};
  });
  if (!status) return status.error();
  return info;
}

Result<Timeouts> NetlinkKernel::timeouts() {
  Result<Timeouts> timeouts = Error::fromErrno(EBADMSG, "IPVS timeouts: no reply");
  auto status = transact(genl::getConfig(), [&](nl::ByteView body) -> Status {
    timeouts = genl::decodeConfigReply(body);
    return Ok{};
  });
  if (!status) return status.error();
  return timeouts;
}

Status NetlinkKernel::setTimeouts(const Timeouts& timeouts) { return transact(genl::setConfig(timeouts)); }

Result<std::vector<SyncDaemon>> NetlinkKernel::syncDaemons() {
  std::vector<SyncDaemon> daemons;
  auto status = transact(genl::getDaemons(), [&](nl::ByteView body) -> Status {
    auto daemon = genl::decodeDaemonReply(body);
    if (!daemon) return daemon.error();
    daemons.push_back(std::move(*daemon));
    return Ok{};
  });
  if (!status) return status.error();
  return daemons;
}

Status NetlinkKernel::startSyncDaemon(const SyncDaemon& daemon) { return transact(genl::newDaemon(daemon)); }

// Stopping a sync daemon whose kernel thread has not run yet (a stop right
// after a start) makes kthread_stop() return -EINTR, and netlink sends no ack
// at all for -EINTR: waiting for one would wait forever. So the stop asks for
// no ack; an error reply, if any, is already queued when the send returns.
Status NetlinkKernel::stopSyncDaemon(SyncState state) { return transactWithoutAck(genl::delDaemon(state)); }

Result<int> NetlinkKernel::sysctl(const std::string& name) { return readIpvsSysctl(name); }

Status NetlinkKernel::setSysctl(const std::string& name, int value) { return writeIpvsSysctl(name, value); }

Status NetlinkKernel::transactWithoutAck(const genl::Request& request) {
  if (auto connected = connect(); !connected) return connected;
  Inbox inbox;
  Callbacks cb = makeCallbacks(inbox);
  if (!cb) return Error::fromErrno(ENOMEM, "netlink callbacks");
  unsigned sequence = 0;
  if (auto sent = send(request, sequence, false); !sent) {
    disconnect();
    return sent;
  }
  inbox.pending[sequence] = -1;
  const int fd = nl_socket_get_fd(socket_);
  const int fileFlags = ::fcntl(fd, F_GETFL);
  ::fcntl(fd, F_SETFL, fileFlags | O_NONBLOCK);
  int rc = 0;
  // Until the queue is empty (-NLE_AGAIN); bounded in case stale replies keep coming.
  for (int reads = 0; reads < 64 && inbox.answered == 0 && rc >= 0; ++reads) rc = nl_recvmsgs(socket_, cb.get());
  ::fcntl(fd, F_SETFL, fileFlags);
  if (rc < 0 && rc != -NLE_AGAIN) {
    disconnect();
    return libnlError(rc, "netlink receive");
  }
  const int err = inbox.pending[sequence];
  return statusOf(err == -1 ? 0 : err, "IPVS");
}

}  // namespace vipd::ipvs

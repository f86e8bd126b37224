#include "healthcheck/syn_prober.hpp"

#include <linux/filter.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "common/log.hpp"
#include "healthcheck/syn_segment.hpp"

namespace vipd::healthcheck {

asio::io_context::id SynProber::id;

namespace {

using boost::system::error_code;

error_code lastError() { return {errno, boost::system::system_category()}; }

// Passes TCP segments to `port` with SYN or RST set. An IPv4 raw socket reads
// the IP header first (X = its length), an IPv6 one the TCP header (X = 0).
std::array<sock_filter, 7> answerFilter(uint16_t port, bool v6) {
  return {{
      v6 ? sock_filter{BPF_LDX | BPF_IMM, 0, 0, 0} : sock_filter{BPF_LDX | BPF_B | BPF_MSH, 0, 0, 0},
      {BPF_LD | BPF_H | BPF_IND, 0, 0, 2},  // destination port
      {BPF_JMP | BPF_JEQ | BPF_K, 0, 3, port},
      {BPF_LD | BPF_B | BPF_IND, 0, 0, 13},  // flags
      {BPF_JMP | BPF_JSET | BPF_K, 0, 1, 0x02 | 0x04},
      {BPF_RET | BPF_K, 0, 0, 0xffff},
      {BPF_RET | BPF_K, 0, 0, 0},
  }};
}

// A TCP socket bound to a free port of the wildcard address, never listening.
int reservePort(bool v6, uint16_t& port, error_code& ec) {
  const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_storage address{};
  socklen_t size = v6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  address.ss_family = v6 ? AF_INET6 : AF_INET;
  const int one = 1;
  if (fd < 0 || (v6 && ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0) ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    ec = lastError();
    if (fd >= 0) ::close(fd);
    return -1;
  }
  port =
      ntohs(v6 ? reinterpret_cast<sockaddr_in6&>(address).sin6_port : reinterpret_cast<sockaddr_in&>(address).sin_port);
  return fd;
}

SynProber::Handle handleOf(const asio::ip::address& address, uint16_t port, uint32_t acknowledged) {
  SynProber::Handle handle;
  handle.v6 = address.is_v6();
  if (handle.v6) {
    const auto bytes = address.to_v6().to_bytes();
    std::copy(bytes.begin(), bytes.end(), handle.address.begin());
  } else {
    const auto bytes = address.to_v4().to_bytes();
    std::copy(bytes.begin(), bytes.end(), handle.address.begin());
  }
  handle.port = port;
  handle.acknowledged = acknowledged;
  return handle;
}

// The key of ipv4_sources_.
uint32_t ipv4Key(const SynProber::Handle& handle) {
  return static_cast<uint32_t>(handle.address[0]) << 24 | handle.address[1] << 16 | handle.address[2] << 8 |
         handle.address[3];
}

}  // namespace

std::size_t SynProber::HandleHash::operator()(const Handle& handle) const {
  uint64_t words[2];
  std::memcpy(words, handle.address.data(), sizeof words);
  const uint64_t rest = static_cast<uint64_t>(handle.port) << 32 | handle.acknowledged;
  return std::hash<uint64_t>{}(words[0] ^ (words[1] * 0x9e3779b97f4a7c15ull) ^ (rest * 0xc2b2ae3d27d4eb4full));
}

SynProber::SynProber(asio::io_context& io) : asio::io_context::service(io) {}

SynProber::~SynProber() { shutdown(); }

void SynProber::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  // Destroying the callbacks may destroy attempts that call cancel(): pending_ is empty by then.
  auto pending = std::move(pending_);
  pending_.clear();
  for (Family& family : families_) {
    if (family.raw) family.raw->close();
    family.raw.reset();
    if (family.port_holder >= 0) ::close(family.port_holder);
    family.port_holder = -1;
  }
}

bool SynProber::available(bool v6) {
  Family& family = families_[v6];
  if (!family.tried && !shut_down_) {
    family.tried = true;
    open(family, v6);
    if (!family.error.empty()) {
      log::warning(std::string("tcp checks: half-open probes over ") + (v6 ? "IPv6" : "IPv4") + " unavailable (" +
                   family.error + "): full handshakes instead");
    }
  }
  return family.raw != nullptr;
}

void SynProber::open(Family& family, bool v6) {
  error_code ec;
  const int raw = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  if (raw < 0) {
    family.error = "raw socket: " + lastError().message();
    return;
  }
  const int checksum_offset = 16;
  const int receive_buffer = 1 << 20;
  family.port_holder = reservePort(v6, family.local_port, ec);
  auto filter = answerFilter(family.local_port, v6);
  const sock_fprog program{static_cast<unsigned short>(filter.size()), filter.data()};
  if (ec) {
    family.error = "reserving a port: " + ec.message();
  } else if (v6 && ::setsockopt(raw, IPPROTO_IPV6, IPV6_CHECKSUM, &checksum_offset, sizeof checksum_offset) != 0) {
    family.error = "IPV6_CHECKSUM: " + lastError().message();
  } else if (::setsockopt(raw, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) != 0) {
    family.error = "SO_ATTACH_FILTER: " + lastError().message();
  }
  if (!family.error.empty()) {
    ::close(raw);
    if (family.port_holder >= 0) ::close(family.port_holder);
    family.port_holder = -1;
    return;
  }
  ::setsockopt(raw, SOL_SOCKET, SO_RCVBUF, &receive_buffer,
               sizeof receive_buffer);  // bursts; the default is enough otherwise
  family.raw = std::make_unique<asio::posix::stream_descriptor>(get_io_context(), raw);
  waitForAnswers(v6);
}

error_code SynProber::ipv4Source(const asio::ip::tcp::endpoint& target, std::array<uint8_t, 4>& source) {
  const uint32_t key = target.address().to_v4().to_uint();
  if (auto known = ipv4_sources_.find(key); known != ipv4_sources_.end()) {
    source = known->second;
    return {};
  }
  // connect() on a UDP socket only looks the route up: no packet leaves.
  const int udp = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in local{};
  socklen_t size = sizeof local;
  error_code ec;
  if (udp < 0 || ::connect(udp, target.data(), static_cast<socklen_t>(target.size())) != 0 ||
      ::getsockname(udp, reinterpret_cast<sockaddr*>(&local), &size) != 0) {
    ec = lastError();
  } else {
    std::memcpy(source.data(), &local.sin_addr, 4);
    ipv4_sources_.emplace(key, source);
  }
  if (udp >= 0) ::close(udp);
  return ec;
}

SynProber::Handle SynProber::probe(const asio::ip::tcp::endpoint& target, Done done) {
  const bool v6 = target.address().is_v6();
  Handle handle;
  error_code ec;
  if (!available(v6)) {
    ec.assign(EAFNOSUPPORT, boost::system::system_category());
  } else {
    uint32_t sequence = 0;
    do {
      sequence = sequences_();
      handle = handleOf(target.address(), target.port(), sequence + 1);
    } while (pending_.contains(handle));
    SynSegment segment = synSegment(families_[v6].local_port, target.port(), sequence);
    std::array<uint8_t, 4> source{};
    if (!v6) {
      ec = ipv4Source(target, source);
      setIpv4Checksum(segment, source, target.address().to_v4().to_bytes());
    }
    // A raw socket's destination port must be 0 (or its protocol): the port is in the segment.
    sockaddr_storage destination{};
    std::memcpy(&destination, target.data(), target.size());
    reinterpret_cast<sockaddr_in&>(destination).sin_port = 0;  // same offset in sockaddr_in6
    if (!ec && ::sendto(families_[v6].raw->native_handle(), segment.data(), segment.size(), 0,
                        reinterpret_cast<sockaddr*>(&destination), static_cast<socklen_t>(target.size())) < 0) {
      ec = lastError();
    }
    if (!ec) {
      pending_.emplace(handle, std::move(done));
      return handle;
    }
    if (!v6) ipv4_sources_.erase(ipv4Key(handle));
  }
  asio::post(get_io_context(), [done = std::move(done), ec] { done(ec); });
  return {};
}

void SynProber::cancel(const Handle& handle) {
  if (pending_.erase(handle) && !handle.v6) ipv4_sources_.erase(ipv4Key(handle));
}

void SynProber::waitForAnswers(bool v6) {
  families_[v6].raw->async_wait(asio::posix::descriptor_base::wait_read, [this, v6](const error_code& ec) {
    if (ec || shut_down_) return;
    drain(v6);
    waitForAnswers(v6);
  });
}

void SynProber::drain(bool v6) {
  constexpr std::size_t kBatch = 64;
  constexpr std::size_t kSnap = 128;  // an IPv4 header with options and a TCP header fit
  std::array<std::array<uint8_t, kSnap>, kBatch> buffers;
  std::array<iovec, kBatch> vectors;
  std::array<mmsghdr, kBatch> messages;
  std::array<sockaddr_in6, kBatch> senders;
  const int fd = families_[v6].raw->native_handle();
  int received = 0;
  do {
    for (std::size_t i = 0; i < kBatch; ++i) {
      vectors[i] = {buffers[i].data(), kSnap};
      messages[i] = {};
      messages[i].msg_hdr.msg_iov = &vectors[i];
      messages[i].msg_hdr.msg_iovlen = 1;
      messages[i].msg_hdr.msg_name = &senders[i];
      messages[i].msg_hdr.msg_namelen = sizeof senders[i];
    }
    received = ::recvmmsg(fd, messages.data(), kBatch, MSG_DONTWAIT, nullptr);
    for (int i = 0; i < received && !shut_down_; ++i) {
      const std::span<const uint8_t> bytes(buffers[i].data(), std::min<std::size_t>(messages[i].msg_len, kSnap));
      std::span<const uint8_t> tcp = bytes;
      asio::ip::address from;
      if (v6) {
        asio::ip::address_v6::bytes_type address;
        std::memcpy(address.data(), &senders[i].sin6_addr, address.size());
        from = asio::ip::address_v6(address);
      } else {
        auto split = splitIpv4(bytes);
        if (!split) continue;
        tcp = split->tcp;
        from = asio::ip::address_v4(split->source);
      }
      auto answer = readAnswer(tcp);
      if (!answer || answer->local_port != families_[v6].local_port) continue;
      this->answer(handleOf(from, answer->remote_port, answer->acknowledged),
                   answer->accepted ? error_code{} : error_code(ECONNREFUSED, boost::system::system_category()));
    }
  } while (received == static_cast<int>(kBatch) && !shut_down_);
}

void SynProber::answer(const Handle& handle, error_code result) {
  auto found = pending_.find(handle);
  if (found == pending_.end()) return;  // answered before, cancelled or timed out
  Done done = std::move(found->second);
  pending_.erase(found);
  done(result);
}

}  // namespace vipd::healthcheck

#pragma once
// Half-open tcp probes: a SYN through one raw socket per address family, the
// server's SYN-ACK (listening) or RST (refused) read back from it. The kernel
// resets the SYN-ACK itself (no socket owns the port), so neither side keeps
// any state and the server's application never sees the probe. A probe costs
// one sendto() and its share of one recvmmsg(): no socket, no connect, no
// epoll registration (a full handshake through connect_waiter.hpp costs 4 to 6
// system calls, a socket on each side and a wake-up of the server's application).
//
// The local port is reserved by a bound, never listening TCP socket, so no
// other connection of this host uses it; a BPF filter passes only SYN-ACKs
// and RSTs to that port. Needs CAP_NET_RAW; without it available() is false.
// IPv4 checksums need the source address: the route's source for each target
// is found once (a connected UDP socket) and found again after a probe that
// got no answer. IPv6 checksums are the kernel's (IPV6_CHECKSUM).
// One per io_context (an asio service).
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>

#include <boost/system/error_code.hpp>

#include "common/asio.hpp"

namespace vipd::healthcheck {

class SynProber : public asio::io_context::service {
 public:
  static asio::io_context::id id;
  using Done = std::function<void(boost::system::error_code)>;

  // Identifies a probe in flight: the target and the acknowledgment it waits for.
  struct Handle {
    std::array<uint8_t, 16> address{};
    uint16_t port = 0;
    uint32_t acknowledged = 0;
    bool v6 = false;
    bool operator==(const Handle&) const = default;
  };

  explicit SynProber(asio::io_context& io);
  ~SynProber() override;

  // Opens the family's raw socket at the first call; false (and why, logged
  // once) when it cannot: the caller then connects in full.
  bool available(bool v6);
  // Sends a SYN to `target`; `done` is called once, later, on the io_context:
  // an empty code for a SYN-ACK, connection_refused for a RST, else why the SYN could not leave.
  Handle probe(const asio::ip::tcp::endpoint& target, Done done);
  // Forgets a probe: its `done` is not called. A probe that was still
  // waiting (timed out) also forgets its target's IPv4 source address.
  void cancel(const Handle& handle);
  std::size_t pending() const { return pending_.size(); }
  uint16_t localPort(bool v6) const { return families_[v6].local_port; }

 private:
  struct Family {
    bool tried = false;
    std::string error;     // why it is not available
    int port_holder = -1;  // bound TCP socket reserving local_port
    uint16_t local_port = 0;
    std::unique_ptr<asio::posix::stream_descriptor> raw;
  };
  struct HandleHash {
    std::size_t operator()(const Handle& handle) const;
  };

  void open(Family& family, bool v6);
  boost::system::error_code ipv4Source(const asio::ip::tcp::endpoint& target, std::array<uint8_t, 4>& source);
  void waitForAnswers(bool v6);
  void drain(bool v6);
  void answer(const Handle& handle, boost::system::error_code result);
  void shutdown() override;

  Family families_[2];  // IPv4, IPv6
  std::unordered_map<Handle, Done, HandleHash> pending_;
  std::unordered_map<uint32_t, std::array<uint8_t, 4>> ipv4_sources_;  // by target address
  std::mt19937 sequences_{std::random_device{}()};
  bool shut_down_ = false;
};

}  // namespace vipd::healthcheck

#pragma once
// The side effects of the VRRP shell, one port per technology. Real
// implementations are named after what they use (raw_socket_packet_port,
// rtnetlink_address_port, ...); fakes live in tests/fakes/.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/ip_address.hpp"
#include "common/result.hpp"
#include "vrrpd/core/neighbor_frames.hpp"
#include "vrrpd/core/timers.hpp"

namespace vipd::vrrp {

struct ReceivedPacket {
  IpAddress source;
  IpAddress destination;
  uint8_t ttl = 0;               // TTL / hop limit as received
  std::vector<uint8_t> payload;  // the VRRP message, IP header removed (ports reuse its capacity)
};

// One raw IPPROTO_VRRP socket per (interface, family), joined to 224.0.0.18 / ff02::12.
class PacketPort {
 public:
  using Handler = std::function<void(const ReceivedPacket&)>;
  virtual ~PacketPort() = default;
  // Sent with TTL / hop limit 255 from `source` to `destination` (the group or a unicast peer).
  virtual Status send(std::span<const uint8_t> payload, const IpAddress& source, const IpAddress& destination) = 0;
  virtual void setHandler(Handler handler) = 0;
  // Hands every packet the kernel has already queued to the handler now,
  // before the caller acts on a timer that may have raced them.
  virtual void drainPending() = 0;
};

class PacketPortFactory {
 public:
  virtual ~PacketPortFactory() = default;
  virtual Result<std::unique_ptr<PacketPort>> open(const std::string& interface, Family family) = 0;
};

// Interface addresses over rtnetlink.
class AddressPort {
 public:
  virtual ~AddressPort() = default;
  virtual Status add(const std::string& interface, const IpPrefix& prefix) = 0;     // EEXIST counts as success
  virtual Status remove(const std::string& interface, const IpPrefix& prefix) = 0;  // ENOENT/EADDRNOTAVAIL too
  virtual Result<std::vector<IpPrefix>> list(const std::string& interface) = 0;
  // Whether `address` on `interface` is still tentative: IPv6 duplicate
  // address detection runs on it (about a second after the link came up),
  // and nothing can be sent from it yet.
  virtual Result<bool> tentative(const std::string& interface, const IpAddress& address) = 0;
};

struct LinkInfo {
  int index = 0;
  bool up = false;  // administratively up with carrier
  MacAddress mac{};
};

// Link state over rtnetlink.
class LinkPort {
 public:
  using Handler = std::function<void(const std::string& interface, bool up)>;
  virtual ~LinkPort() = default;
  virtual Result<LinkInfo> query(const std::string& interface) = 0;
  virtual void watch(Handler handler) = 0;  // every link up/down change
};

// Sends ready-made Ethernet frames (gratuitous ARP, unsolicited NA).
class FramePort {
 public:
  virtual ~FramePort() = default;
  virtual Status send(const std::string& interface, std::span<const uint8_t> frame) = 0;
};

// One-shot timer; start() and startAt() replace a pending expiry.
class Timer {
 public:
  virtual ~Timer() = default;
  virtual void start(Millis after, std::function<void()> expired) = 0;
  // Expires at `deadline` of TimerFactory::now() (at once if it has passed).
  virtual void startAt(MonoTime deadline, std::function<void()> expired) = 0;
  virtual void cancel() = 0;
};

class TimerFactory {
 public:
  virtual ~TimerFactory() = default;
  virtual std::unique_ptr<Timer> create() = 0;
  virtual MonoTime now() = 0;                                     // the monotonic clock timers run on
  virtual std::chrono::system_clock::time_point wallClock() = 0;  // for "since" in status
};

struct ScriptOutcome {
  bool success = false;  // exited 0 within the timeout
  bool timed_out = false;
  int exit_code = -1;
};

// Runs argv (no shell) as `user`, killing its process group after `timeout`; never blocks.
class ScriptPort {
 public:
  virtual ~ScriptPort() = default;
  virtual void run(const std::vector<std::string>& argv, const std::string& user, Millis timeout,
                   std::function<void(const ScriptOutcome&)> done) = 0;
};

// Accept_Mode's guard (vrrpd/core/accept_mode.hpp) in the kernel's packet filter.
class FilterPort {
 public:
  virtual ~FilterPort() = default;
  // From now on, packets addressed to `guarded` are dropped (IPv6 neighbour
  // discovery excepted); empty removes the guard. Replaces what was there.
  virtual Status guard(const std::vector<IpAddress>& guarded) = 0;
};

// Everything the engine needs, injected by the daemon (real) or tests (fakes).
struct Ports {
  PacketPortFactory* packets = nullptr;
  AddressPort* addresses = nullptr;
  LinkPort* links = nullptr;
  FramePort* frames = nullptr;
  TimerFactory* timers = nullptr;
  ScriptPort* scripts = nullptr;
  FilterPort* filter = nullptr;  // none: Accept_Mode is not enforced
};

}  // namespace vipd::vrrp

#pragma once
// Fakes for every vrrpd port: they record what was sent and let tests inject
// packets, link events, script outcomes and the passing of time.
#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "vrrpd/ports.hpp"

namespace vipd::vrrp::fakes {

struct SentPacket {
  std::vector<uint8_t> payload;
  IpAddress source;
  IpAddress destination;
};

class FakePacketPort : public PacketPort {
 public:
  Status send(std::span<const uint8_t> payload, const IpAddress& source, const IpAddress& destination) override {
    sent.push_back({{payload.begin(), payload.end()}, source, destination});
    return Ok{};
  }
  void setHandler(Handler h) override { handler = std::move(h); }
  // Hands over what queue() left "in the kernel".
  void drainPending() override {
    ++drains;
    auto queued_now = std::move(queued);
    queued.clear();
    for (const auto& p : queued_now) handler(p);
  }
  void deliver(const ReceivedPacket& p) { handler(p); }
  // A packet that arrived but the loop has not read yet (delivered by drainPending()).
  void queue(const ReceivedPacket& p) { queued.push_back(p); }

  std::vector<SentPacket> sent;
  std::vector<ReceivedPacket> queued;
  int drains = 0;
  Handler handler;
};

class FakePacketPortFactory : public PacketPortFactory {
 public:
  Result<std::unique_ptr<PacketPort>> open(const std::string& interface, Family family) override {
    auto port = std::make_unique<FakePacketPort>();
    ports[{interface, family}] = port.get();
    return std::unique_ptr<PacketPort>(std::move(port));
  }
  std::map<std::pair<std::string, Family>, FakePacketPort*> ports;
};

class FakeAddressPort : public AddressPort {
 public:
  Status add(const std::string& interface, const IpPrefix& prefix) override {
    ++adds;
    present[interface].insert(prefix);
    return Ok{};
  }
  Status remove(const std::string& interface, const IpPrefix& prefix) override {
    ++removes;
    present[interface].erase(prefix);
    return Ok{};
  }
  Result<std::vector<IpPrefix>> list(const std::string& interface) override {
    auto& s = present[interface];
    return std::vector<IpPrefix>(s.begin(), s.end());
  }
  Result<bool> tentative(const std::string&, const IpAddress& address) override {
    return still_tentative.count(address) > 0;
  }
  bool has(const std::string& interface, const char* prefix) {
    return present[interface].count(*IpPrefix::parse(prefix));
  }

  std::map<std::string, std::set<IpPrefix>> present;
  std::set<IpAddress> still_tentative;
  int adds = 0;
  int removes = 0;
};

class FakeLinkPort : public LinkPort {
 public:
  Result<LinkInfo> query(const std::string& interface) override {
    LinkInfo info;
    info.index = 2;
    info.up = !down.count(interface);
    info.mac = {0x02, 0, 0, 0, 0, 1};
    return info;
  }
  void watch(Handler h) override { handler = std::move(h); }
  void set(const std::string& interface, bool up) {
    if (up)
      down.erase(interface);
    else
      down.insert(interface);
    if (handler) handler(interface, up);
  }
  std::set<std::string> down;
  Handler handler;
};

class FakeFramePort : public FramePort {
 public:
  Status send(const std::string& interface, std::span<const uint8_t> frame) override {
    frames.push_back({interface, {frame.begin(), frame.end()}});
    return Ok{};
  }
  std::vector<std::pair<std::string, std::vector<uint8_t>>> frames;
};

// Time moves only when the test calls advance().
class ManualTimers : public TimerFactory {
 public:
  class ManualTimer : public Timer {
   public:
    explicit ManualTimer(ManualTimers& owner) : owner_(owner) {}
    ~ManualTimer() override { cancel(); }
    void start(Millis after, std::function<void()> expired) override {
      cancel();
      ++owner_.starts;
      id_ = owner_.schedule(owner_.clock + after, std::move(expired));
    }
    void startAt(MonoTime deadline, std::function<void()> expired) override {
      cancel();
      ++owner_.starts;
      id_ = owner_.schedule(std::chrono::ceil<Millis>(deadline.time_since_epoch()), std::move(expired));
    }
    void cancel() override {
      if (id_) owner_.pending.erase(id_);
      id_ = 0;
    }

   private:
    ManualTimers& owner_;
    uint64_t id_ = 0;
  };

  std::unique_ptr<Timer> create() override { return std::make_unique<ManualTimer>(*this); }
  std::chrono::system_clock::time_point wallClock() override { return std::chrono::system_clock::time_point(clock); }
  MonoTime now() override { return MonoTime(clock); }

  // Fires every timer due up to clock + d, in time order (overdue ones at once).
  void advance(Millis d) {
    Millis end = clock + d;
    while (true) {
      auto next = std::min_element(pending.begin(), pending.end(),
                                   [](const auto& a, const auto& b) { return a.second.at < b.second.at; });
      if (next == pending.end() || next->second.at > end) break;
      clock = std::max(clock, next->second.at);  // late after a stall()
      auto fn = std::move(next->second.fn);
      pending.erase(next);
      fn();
    }
    clock = std::max(clock, end);
  }
  // The loop stalls: time passes and nothing fires until the next advance().
  void stall(Millis d) { clock += d; }

  struct Entry {
    Millis at;
    std::function<void()> fn;
  };
  uint64_t schedule(Millis at, std::function<void()> fn) {
    pending[++next_id] = Entry{at, std::move(fn)};
    return next_id;
  }

  Millis clock{0};  // the monotonic time the timers run on
  int starts = 0;   // timer (re)starts, to see what the hot path costs
  std::map<uint64_t, Entry> pending;
  uint64_t next_id = 0;
};

class FakeScriptPort : public ScriptPort {
 public:
  struct Run {
    std::vector<std::string> argv;
    std::string user;
    std::function<void(const ScriptOutcome&)> done;
  };
  void run(const std::vector<std::string>& argv, const std::string& user, Millis,
           std::function<void(const ScriptOutcome&)> done) override {
    runs.push_back({argv, user, std::move(done)});
  }
  // Completes the oldest pending run of `program` (argv[0]).
  bool finish(const std::string& program, bool success) {
    for (auto it = runs.begin(); it != runs.end(); ++it)
      if (it->argv.front() == program) {
        auto done = std::move(it->done);
        finished.push_back(it->argv);
        runs.erase(it);
        done(ScriptOutcome{success, false, success ? 0 : 1});
        return true;
      }
    return false;
  }
  std::vector<Run> runs;
  std::vector<std::vector<std::string>> finished;
};

struct FakeVrrpPorts {
  FakePacketPortFactory packets;
  FakeAddressPort addresses;
  FakeLinkPort links;
  FakeFramePort frames;
  ManualTimers timers;
  FakeScriptPort scripts;
  Ports ports() { return Ports{&packets, &addresses, &links, &frames, &timers, &scripts}; }
};

}  // namespace vipd::vrrp::fakes

#pragma once
// `restart_after` on a real server that names a guest: when the guest is due
// for a restart because that server's checks keep failing. Pure: time comes
// in as arguments.
//
// A server's failure counts only while its guest runs and no restart of it
// is under way, and its clock starts at the latest of: the checks turning
// failed, the guest being seen running, the guest's last restart being done.
// So a guest is restarted at most once per restart_after, and never while it
// boots after a restart.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vipd::virt {

class RestartAfterClock {
 public:
  using Time = std::chrono::steady_clock::time_point;
  using Duration = std::chrono::milliseconds;

  struct Watch {
    std::string guest;
    Duration after{};
    bool operator==(const Watch&) const = default;
  };

  // Which servers (by any stable id) restart which guest after how long.
  // Servers that stay keep their clocks.
  void configure(std::map<std::string, Watch> watches);

  void checkResult(const std::string& server, bool healthy, Time now);
  void guestRunning(const std::string& guest, bool running, Time now);

  struct Due {
    std::string guest;
    std::string server;  // the first (by id) of its servers that made it due
    Duration after{};
    bool operator==(const Due&) const = default;
  };
  // Guests due now, each once (by name). Their clocks stop until
  // restartDone(), which starts them again.
  std::vector<Due> takeDue(Time now);
  void restartDone(const std::string& guest, Time now);
  // When the next guest becomes due if nothing changes.
  std::optional<Time> nextDue() const;

 private:
  struct GuestClock {
    bool running = false;
    bool restarting = false;
    Time counts_from{};  // seen running or restarted, the later
  };

  std::optional<Time> dueAt(const std::string& server) const;

  std::map<std::string, Watch> watches_;
  std::map<std::string, Time> failing_since_;  // servers whose checks fail now
  std::map<std::string, GuestClock> guests_;
};

}  // namespace vipd::virt

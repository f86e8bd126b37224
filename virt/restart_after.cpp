#include "virt/restart_after.hpp"

#include <algorithm>

namespace vipd::virt {

void RestartAfterClock::configure(std::map<std::string, Watch> watches) { watches_ = std::move(watches); }

void RestartAfterClock::checkResult(const std::string& server, bool healthy, Time now) {
  if (healthy)
    failing_since_.erase(server);
  else
    failing_since_.try_emplace(server, now);  // a repeated failure does not restart the clock
}

void RestartAfterClock::guestRunning(const std::string& guest, bool running, Time now) {
  GuestClock& clock = guests_[guest];
  if (running && !clock.running) clock.counts_from = now;
  clock.running = running;
}

std::optional<RestartAfterClock::Time> RestartAfterClock::dueAt(const std::string& server) const {
  auto watch = watches_.find(server);
  auto failing = failing_since_.find(server);
  if (watch == watches_.end() || failing == failing_since_.end()) return std::nullopt;
  auto guest = guests_.find(watch->second.guest);
  if (guest == guests_.end() || !guest->second.running || guest->second.restarting) return std::nullopt;
  return std::max(failing->second, guest->second.counts_from) + watch->second.after;
}

std::vector<RestartAfterClock::Due> RestartAfterClock::takeDue(Time now) {
  std::map<std::string, Due> due;
  for (const auto& [server, watch] : watches_) {
    auto at = dueAt(server);
    if (at && *at <= now) due.try_emplace(watch.guest, Due{watch.guest, server, watch.after});
  }
  std::vector<Due> guests;
  for (auto& [guest, what] : due) {
    guests_[guest].restarting = true;
    guests.push_back(std::move(what));
  }
  return guests;
}

void RestartAfterClock::restartDone(const std::string& guest, Time now) {
  GuestClock& clock = guests_[guest];
  clock.restarting = false;
  clock.counts_from = now;
}

std::optional<RestartAfterClock::Time> RestartAfterClock::nextDue() const {
  std::optional<Time> next;
  for (const auto& [server, watch] : watches_) {
    auto at = dueAt(server);
    if (at && (!next || *at < *next)) next = at;
  }
  return next;
}

}  // namespace vipd::virt

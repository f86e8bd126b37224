#pragma once
// TimerFactory on asio::steady_timer.
#include "common/asio.hpp"
#include "vrrpd/ports.hpp"

namespace vipd::vrrp {

class AsioTimers : public TimerFactory {
 public:
  explicit AsioTimers(asio::io_context& io) : io_(io) {}
  std::unique_ptr<Timer> create() override;
  MonoTime now() override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point wallClock() override { return std::chrono::system_clock::now(); }

 private:
  asio::io_context& io_;
};

}  // namespace vipd::vrrp

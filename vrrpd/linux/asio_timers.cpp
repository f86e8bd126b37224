#include "vrrpd/linux/asio_timers.hpp"

#include <utility>

namespace vipd::vrrp {

namespace {

class AsioTimer : public Timer {
 public:
  explicit AsioTimer(asio::io_context& io) : timer_(io) {}
  ~AsioTimer() override { cancel(); }

  void start(Millis after, std::function<void()> expired) override {
    startAt(std::chrono::steady_clock::now() + after, std::move(expired));
  }
  void startAt(MonoTime deadline, std::function<void()> expired) override {
    uint64_t generation = ++generation_;
    timer_.expires_at(deadline);  // aborts a pending wait itself
    pending_ = true;
    timer_.async_wait([this, generation, alive = std::weak_ptr<bool>(alive_),
                       fn = std::move(expired)](const boost::system::error_code& ec) {
      // A cancelled or restarted timer may still complete: only the latest start() fires.
      if (ec || alive.expired() || generation != generation_) return;
      pending_ = false;
      fn();
    });
  }
  void cancel() override {
    ++generation_;
    if (std::exchange(pending_, false)) timer_.cancel();
  }

 private:
  asio::steady_timer timer_;
  uint64_t generation_ = 0;
  bool pending_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

std::unique_ptr<Timer> AsioTimers::create() { return std::make_unique<AsioTimer>(io_); }

}  // namespace vipd::vrrp

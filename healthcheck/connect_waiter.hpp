#pragma once
// Non-blocking TCP connects of tcp checks, watched through one epoll set of
// their own (registered once in the io_context) instead of one asio socket
// each. A probe then costs socket() (non-blocking, close-on-exec), a
// SO_LINGER {1, 0} (see check_socket.hpp), connect(), one epoll_ctl(ADD,
// EPOLLOUT | EPOLLONESHOT), getsockopt(SO_ERROR) and close(): 6 system calls
// instead of asio's 8 (ioctl FIONBIO, epoll_ctl ADD + MOD, poll), and no
// per-socket reactor state. One per io_context (an asio service).
#include <cstdint>
#include <functional>
#include <vector>

#include <boost/system/error_code.hpp>

#include "common/asio.hpp"

namespace vipd::healthcheck {

class ConnectWaiter : public asio::io_context::service {
 public:
  static asio::io_context::id id;
  using Done = std::function<void(boost::system::error_code)>;

  explicit ConnectWaiter(asio::io_context& io);
  ~ConnectWaiter() override;

  // Starts connecting to `target`; `done` is called once, later, on the
  // io_context: an empty code once connected, else why not. Returns the
  // socket to pass to close(), or -1 when it failed at once (`done` posted).
  // `reset_on_close`: SO_LINGER {1, 0} (see check_socket.hpp); else close() sends FIN.
  int connect(const asio::ip::tcp::endpoint& target, bool reset_on_close, Done done);
  // Closes a socket from connect() (with a reset); its `done` is not called
  // any more. Idempotent per connect.
  void close(int fd);
  std::size_t pending() const { return pending_; }

 private:
  struct Entry {
    Done done;
    uint32_t generation = 0;  // tells an event for a closed and reused descriptor apart
  };

  void shutdown() override;
  void waitForEvents();
  void drain();

  int epoll_fd_ = -1;
  asio::posix::stream_descriptor epoll_;
  std::vector<Entry> entries_;  // by descriptor
  std::size_t pending_ = 0;
  bool shut_down_ = false;
};

}  // namespace vipd::healthcheck

#pragma once
// Non-blocking TCP connects of tcp checks, watched through one epoll set of
// their own (registered once in the io_context) instead of one asio socket
// each. A probe then costs socket() (non-blocking, close-on-exec), a
// SO_LINGER {1, 0} (see check_socket.hpp), connect(), one epoll_ctl(ADD,
// EPOLLOUT | EPOLLONESHOT), getsockopt(SO_ERROR) and close(): 6 system calls
// instead of asio's 8 (ioctl FIONBIO, epoll_ctl ADD + MOD, poll), and no
// per-socket reactor state. One per io_context (an asio service).
//
// Sockets that close with a reset are kept for the next connect: close()
// disconnects them with connect(AF_UNSPEC) (the kernel's tcp_disconnect:
// RST to the server when connected, a new source port at the next connect)
// and connect() takes one back with epoll_ctl(MOD). A probe through a kept
// socket costs connect, epoll_ctl, getsockopt(SO_ERROR) and connect(AF_UNSPEC):
// 4 system calls, and no socket allocated or freed. Still a full handshake.
//
// Plain http checks use it too: after the connect, waitReadable() arms the
// same socket for reading, level-triggered, once per connection (one
// epoll_ctl(MOD)), not once per response: a kept connection then costs no
// epoll_ctl per request. waitWritable() (rare: a request that did not fit)
// arms it once (EPOLLONESHOT). A connected socket may stay between connect()
// and close() with nothing awaited (an http connection kept from probe to
// probe): it stays armed for reading; an event nobody awaits (the server
// closed it while idle) disarms it, and the next wait arms it again.
#include <sys/epoll.h>

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
  // Ends the connection of a socket from connect() (a reset, unless it was
  // made without `reset_on_close`: then close() and FIN); its `done` is not
  // called any more. Idempotent per connect. A reset socket is kept for a
  // later connect (up to kMaxIdle per address family), others are closed.
  void close(int fd);
  // Calls `done` once, later, when a connected socket from connect() can be
  // read (or has an error or hung up: the read then says which) / written.
  void waitReadable(int fd, Done done) { wait(fd, EPOLLIN, std::move(done)); }
  void waitWritable(int fd, Done done) { wait(fd, EPOLLOUT, std::move(done)); }
  std::size_t pending() const { return pending_; }
  // Sockets between connect() and close(), awaited or not.
  std::size_t inUse() const { return in_use_; }
  std::size_t idle() const { return idle_[0].size() + idle_[1].size(); }
  // epoll_ctl calls so far (a kept http connection: two, whatever its requests).
  std::size_t epollChanges() const { return epoll_changes_; }

  static constexpr std::size_t kMaxIdle = 256;

 private:
  struct Entry {
    Done done;
    uint32_t generation = 0;  // tells an event of an ended connect apart from the next one's
    bool in_use = false;      // between connect() and close()
    bool connecting = false;  // the awaited event ends a connect: its result is SO_ERROR
    bool reusable = false;    // resets on close: connect(AF_UNSPEC) can keep it
    bool v6 = false;
    uint32_t armed = 0;  // what the epoll set reports for it now; 0: a oneshot that fired
  };

  // Sets what the epoll set reports for `fd` (EPOLL_CTL_ADD for a socket not in it yet).
  bool arm(int fd, Entry& entry, uint32_t events, int epoll_op = EPOLL_CTL_MOD);

  int takeSocket(const asio::ip::tcp::endpoint& target, bool reset_on_close, int& epoll_op);
  void wait(int fd, uint32_t events, Done done);
  // Disconnects `fd` and keeps it for a later connect, or closes it.
  void keepOrClose(int fd, bool reusable, bool v6);
  void shutdown() override;
  void waitForEvents();
  void drain();

  int epoll_fd_ = -1;
  asio::posix::stream_descriptor epoll_;
  std::vector<Entry> entries_;  // by descriptor
  std::vector<int> idle_[2];    // disconnected sockets, still in the epoll set; IPv4, IPv6
  std::size_t pending_ = 0;
  std::size_t in_use_ = 0;
  std::size_t epoll_changes_ = 0;
  bool shut_down_ = false;
};

}  // namespace vipd::healthcheck

#include "healthcheck/connect_waiter.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <system_error>

namespace vipd::healthcheck {

asio::io_context::id ConnectWaiter::id;

namespace {

boost::system::error_code lastError() { return {errno, boost::system::system_category()}; }

int makeEpoll() {
  const int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) throw std::system_error(errno, std::system_category(), "epoll_create1 for tcp checks");
  return fd;
}

uint64_t eventData(int fd, uint32_t generation) {
  return static_cast<uint64_t>(static_cast<uint32_t>(fd)) | (static_cast<uint64_t>(generation) << 32);
}

}  // namespace

ConnectWaiter::ConnectWaiter(asio::io_context& io)
    : asio::io_context::service(io), epoll_fd_(makeEpoll()), epoll_(io, epoll_fd_) {
  waitForEvents();
}

ConnectWaiter::~ConnectWaiter() { shutdown(); }

void ConnectWaiter::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  boost::system::error_code ignored;
  epoll_.close(ignored);
  // Destroying the callbacks may destroy attempts that call close(): entries_ is empty by then.
  std::vector<Entry> entries = std::move(entries_);
  entries_.clear();
  for (std::size_t fd = 0; fd < entries.size(); ++fd) {
    if (entries[fd].in_use) ::close(static_cast<int>(fd));
  }
  for (auto& idle : idle_) {
    for (int fd : idle) ::close(fd);
    idle.clear();
  }
  pending_ = 0;
  in_use_ = 0;
}

int ConnectWaiter::takeSocket(const asio::ip::tcp::endpoint& target, bool reset_on_close, int& epoll_op) {
  std::vector<int>& idle = idle_[target.protocol() == asio::ip::tcp::v6() ? 1 : 0];
  if (reset_on_close && !idle.empty()) {
    const int fd = idle.back();
    idle.pop_back();
    epoll_op = EPOLL_CTL_MOD;
    return fd;
  }
  epoll_op = EPOLL_CTL_ADD;
  const int fd = ::socket(target.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
  const ::linger reset{1, 0};
  if (fd >= 0 && reset_on_close && ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset) != 0) {
    const int error = errno;
    ::close(fd);
    errno = error;
    return -1;
  }
  return fd;
}

int ConnectWaiter::connect(const asio::ip::tcp::endpoint& target, bool reset_on_close, Done done) {
  int epoll_op = EPOLL_CTL_ADD;
  const int fd = takeSocket(target, reset_on_close, epoll_op);
  boost::system::error_code ec;
  if (fd < 0 || (::connect(fd, target.data(), static_cast<socklen_t>(target.size())) != 0 && errno != EINPROGRESS)) {
    ec = lastError();
  } else {
    if (static_cast<std::size_t>(fd) >= entries_.size()) entries_.resize(static_cast<std::size_t>(fd) + 1);
    Entry& entry = entries_[static_cast<std::size_t>(fd)];
    if (arm(fd, entry, EPOLLOUT | EPOLLONESHOT, epoll_op)) {
      entry.done = std::move(done);
      entry.in_use = true;
      entry.connecting = true;
      entry.reusable = reset_on_close;
      entry.v6 = target.protocol() == asio::ip::tcp::v6();
      ++pending_;
      ++in_use_;
      return fd;
    }
    ec = lastError();
  }
  // A kept socket stays kept (connect may fail at once, e.g. refused on loopback); a new one is closed.
  if (fd >= 0) keepOrClose(fd, reset_on_close && epoll_op == EPOLL_CTL_MOD, target.protocol() == asio::ip::tcp::v6());
  asio::post(get_io_context(), [done = std::move(done), ec] { done(ec); });
  return -1;
}

void ConnectWaiter::wait(int fd, uint32_t events, Done done) {
  const bool known = !shut_down_ && fd >= 0 && static_cast<std::size_t>(fd) < entries_.size();
  Entry* entry = known ? &entries_[static_cast<std::size_t>(fd)] : nullptr;
  // Not a connected socket of ours, or one already waited on.
  boost::system::error_code ec(EBADF, boost::system::system_category());
  if (entry && entry->in_use && !entry->done) {
    const uint32_t wanted = events == EPOLLIN ? EPOLLIN : events | EPOLLONESHOT;
    if (entry->armed == wanted || arm(fd, *entry, wanted)) {
      entry->done = std::move(done);
      entry->connecting = false;
      ++pending_;
      return;
    }
    ec = lastError();
  }
  asio::post(get_io_context(), [done = std::move(done), ec] { done(ec); });
}

bool ConnectWaiter::arm(int fd, Entry& entry, uint32_t events, int epoll_op) {
  ::epoll_event event{};
  event.events = events;
  event.data.u64 = eventData(fd, entry.generation);
  ++epoll_changes_;
  if (::epoll_ctl(epoll_fd_, epoll_op, fd, &event) != 0) return false;
  entry.armed = events;
  return true;
}

void ConnectWaiter::close(int fd) {
  if (fd < 0 || shut_down_) return;
  Entry& entry = entries_.at(static_cast<std::size_t>(fd));
  if (!entry.in_use) return;
  if (entry.done) --pending_;
  entry.done = nullptr;
  entry.in_use = false;
  --in_use_;
  ++entry.generation;  // an event still queued for this connect (e.g. the HUP of the disconnect) is ignored
  keepOrClose(fd, entry.reusable, entry.v6);
}

void ConnectWaiter::keepOrClose(int fd, bool reusable, bool v6) {
  std::vector<int>& idle = idle_[v6 ? 1 : 0];
  ::sockaddr unspec{};
  unspec.sa_family = AF_UNSPEC;
  if (reusable && idle.size() < kMaxIdle && ::connect(fd, &unspec, sizeof unspec) == 0) {
    idle.push_back(fd);
  } else {
    ::close(fd);  // also leaves the epoll set
  }
}

void ConnectWaiter::waitForEvents() {
  epoll_.async_wait(asio::posix::descriptor_base::wait_read, [this](const boost::system::error_code& ec) {
    if (ec || shut_down_) return;
    // Waiting again first: an event that arrives while draining wakes us once more.
    waitForEvents();
    drain();
  });
}

void ConnectWaiter::drain() {
  std::array<::epoll_event, 256> events;
  int ready = 0;
  do {
    ready = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), 0);
    for (int i = 0; i < ready; ++i) {
      const int fd = static_cast<int>(events[i].data.u64 & 0xffffffffu);
      const auto generation = static_cast<uint32_t>(events[i].data.u64 >> 32);
      if (shut_down_ || static_cast<std::size_t>(fd) >= entries_.size()) continue;
      Entry& entry = entries_[static_cast<std::size_t>(fd)];
      if (entry.armed & EPOLLONESHOT) entry.armed = 0;
      if (entry.generation != generation || !entry.done) {
        // Nobody awaits it (a kept connection the server closed while idle, or a
        // disconnected one of ours): armed level-triggered, it would be reported
        // on every turn; once more at most now.
        if (entry.armed != 0) arm(fd, entry, EPOLLONESHOT);
        continue;
      }
      Done done = std::move(entry.done);
      entry.done = nullptr;
      --pending_;
      int error = 0;
      socklen_t size = sizeof error;
      if (entry.connecting && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) error = errno;
      done(boost::system::error_code(error, boost::system::system_category()));
    }
  } while (ready == static_cast<int>(events.size()));
}

}  // namespace vipd::healthcheck

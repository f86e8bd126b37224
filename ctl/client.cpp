#include "ctl/client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <vector>

namespace vipd::ctl {

namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Waits until fd is ready for `events` or the deadline passes.
Status waitFor(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  pollfd p{fd, events, 0};
  int n = ::poll(&p, 1, left.count() > 0 ? static_cast<int>(left.count()) : 0);
  if (n < 0) return Error::fromErrno(errno, "poll");
  if (n == 0) return Error::fromErrno(ETIMEDOUT, "no answer from the daemon");
  return Ok{};
}

}  // namespace

Result<nlohmann::json> request(const std::string& socket_path, const nlohmann::json& message,
                               std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof address.sun_path) return Error::fromErrno(ENAMETOOLONG, socket_path);
  std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);

  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Error::fromErrno(errno, "socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) < 0)
    return Error::fromErrno(errno, "cannot connect to " + socket_path + " (is vipd running?)");

  std::string line = message.dump() + "\n";
  for (std::size_t sent = 0; sent < line.size();) {
    if (auto ready = waitFor(fd.get(), POLLOUT, deadline); !ready) return ready.error();
    ssize_t n = ::send(fd.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0) return Error::fromErrno(errno, "send");
    sent += static_cast<std::size_t>(n);
  }

  std::string answer;
  std::vector<char> buffer(1 << 16);
  std::size_t end = std::string::npos;
  while (end == std::string::npos) {
    if (auto ready = waitFor(fd.get(), POLLIN, deadline); !ready) return ready.error();
    ssize_t n = ::recv(fd.get(), buffer.data(), buffer.size(), 0);
    if (n < 0) return Error::fromErrno(errno, "recv");
    if (n == 0) return Error::fromErrno(ECONNRESET, "the daemon closed the connection");
    // Only the new bytes can hold the end of the line: large answers stay linear.
    std::size_t before = answer.size();
    answer.append(buffer.data(), static_cast<std::size_t>(n));
    end = answer.find('\n', before);
  }
  answer.resize(end);
  auto parsed = nlohmann::json::parse(answer, nullptr, false);
  if (parsed.is_discarded()) return Error::fromErrno(EPROTO, "the daemon's answer is not JSON");
  return parsed;
}

}  // namespace vipd::ctl

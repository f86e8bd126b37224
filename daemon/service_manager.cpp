#include "daemon/service_manager.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <string>

namespace vipd::daemon {

bool notifyServiceManager(std::string_view state) {
  const char* env = std::getenv("NOTIFY_SOCKET");
  if (!env) return false;
  const std::string_view path(env);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  // A filesystem path, or "@name" for the abstract namespace.
  if (path.empty() || (path[0] != '/' && path[0] != '@') || path.size() >= sizeof(address.sun_path)) return false;
  std::memcpy(address.sun_path, path.data(), path.size());
  if (path[0] == '@') address.sun_path[0] = '\0';
  const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const ssize_t sent =
      ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&address), length);
  ::close(fd);
  return sent == static_cast<ssize_t>(state.size());
}

std::chrono::microseconds serviceManagerWatchdog() {
  if (const char* pid = std::getenv("WATCHDOG_PID"); pid && std::strtoll(pid, nullptr, 10) != ::getpid()) return {};
  const char* usec = std::getenv("WATCHDOG_USEC");
  if (!usec) return {};
  char* end = nullptr;
  const unsigned long long value = std::strtoull(usec, &end, 10);
  if (end == usec || *end != '\0') return {};
  return std::chrono::microseconds(value);
}

}  // namespace vipd::daemon

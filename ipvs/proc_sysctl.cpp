#include "ipvs/proc_sysctl.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

namespace vipd::ipvs {

namespace {

std::string pathOf(const std::string& name) { return "/proc/sys/net/ipv4/vs/" + name; }

}  // namespace

Result<int> readIpvsSysctl(const std::string& name) {
  const std::string path = pathOf(name);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::fromErrno(errno, "read " + path);
  char text[32] = {};
  const ssize_t got = ::read(fd, text, sizeof text - 1);
  const int err = errno;
  ::close(fd);
  if (got < 0) return Error::fromErrno(err, "read " + path);
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (end == text) return Error::fromErrno(EINVAL, "read " + path + ": not a number");
  return static_cast<int>(value);
}

Status writeIpvsSysctl(const std::string& name, int value) {
  const std::string path = pathOf(name);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Error::fromErrno(errno, "write " + path);
  const std::string text = std::to_string(value) + "\n";
  const ssize_t put = ::write(fd, text.data(), text.size());
  const int err = errno;
  ::close(fd);
  if (put != static_cast<ssize_t>(text.size())) return Error::fromErrno(put < 0 ? err : EIO, "write " + path);
  return Ok{};
}

}  // namespace vipd::ipvs

// labtool: the lab's web server and clients. Compiled, because interpreters
// are far too slow under TCG emulation.
//   labtool serve NAME PORT            HTTP server: "/" answers NAME; "/stream?n=N&ms=M" sends N lines, one per M ms
//   labtool load URL SECONDS [GAP_MS [TIMEOUT_MS]]  short requests in a row (each may take TIMEOUT_MS,
//                                      default 1000, to connect and again to answer); prints a JSON summary
//   labtool stream URL                 one long request; prints a JSON summary of what arrived
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <time.h>

#include <chrono>
#include <fcntl.h>

#include <algorithm>
#include <csignal>
#include <functional>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string queryValue(const std::string& path, const std::string& key, const std::string& fallback) {
  auto at = path.find(key + "=");
  if (at == std::string::npos) return fallback;
  auto end = path.find('&', at);
  return path.substr(at + key.size() + 1, end == std::string::npos ? std::string::npos : end - at - key.size() - 1);
}

bool sendAll(int fd, const std::string& data) {
  for (std::size_t sent = 0; sent < data.size();) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

void serveOne(int fd, std::string name) {
  std::string request;
  char buffer[2048];
  while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    request.append(buffer, static_cast<std::size_t>(n));
  }
  auto first_space = request.find(' ');
  std::string path = first_space == std::string::npos ? "/" : request.substr(first_space + 1, request.find(' ', first_space + 1) - first_space - 1);
  if (path.rfind("/stream", 0) == 0) {
    int lines = std::atoi(queryValue(path, "n", "10").c_str());
    int ms = std::atoi(queryValue(path, "ms", "100").c_str());
    bool ok = sendAll(fd, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n");
    for (int i = 0; ok && i < lines; ++i) {
      ok = sendAll(fd, name + " " + std::to_string(i) + "\n");
      std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    }
  } else {
    std::string body = name + "\n";
    sendAll(fd, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
                    "\r\n\r\n" + body);
  }
  ::close(fd);
}

int serve(const std::string& name, int port) {
  int listener = ::socket(AF_INET6, SOCK_STREAM, 0);
  int one = 1, zero = 0;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(listener, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_port = htons(static_cast<uint16_t>(port));
  address.sin6_addr = in6addr_any;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0 || ::listen(listener, 512) < 0) {
    std::perror("labtool serve");
    return 1;
  }
  for (;;) {
    int fd = ::accept(listener, nullptr, nullptr);
    if (fd >= 0) std::thread(serveOne, fd, name).detach();
  }
}

struct Url {
  sockaddr_storage address{};
  socklen_t length = 0;
  std::string host, path;
};

bool parseUrl(const std::string& text, Url& url) {
  if (text.rfind("http://", 0) != 0) return false;
  auto rest = text.substr(7);
  auto slash = rest.find('/');
  auto hostport = rest.substr(0, slash);
  url.path = slash == std::string::npos ? "/" : rest.substr(slash);
  std::string host = hostport, port = "80";
  if (hostport.front() == '[') {
    auto close = hostport.find(']');
    host = hostport.substr(1, close - 1);
    if (close + 1 < hostport.size()) port = hostport.substr(close + 2);
  } else if (auto colon = hostport.find(':'); colon != std::string::npos) {
    host = hostport.substr(0, colon);
    port = hostport.substr(colon + 1);
  }
  url.host = host;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&url.address);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&url.address);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(std::atoi(port.c_str())));
    url.length = sizeof *v4;
  } else if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(std::atoi(port.c_str())));
    url.length = sizeof *v6;
  } else {
    return false;
  }
  return true;
}

// Connects with a timeout; -1 on failure with `error` set.
int connectTo(const Url& url, int timeout_ms, std::string& error) {
  int fd = ::socket(url.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&url.address), url.length) < 0 && errno != EINPROGRESS) {
    error = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, timeout_ms) != 1) {
    error = "connect timeout";
    ::close(fd);
    return -1;
  }
  int so_error = 0;
  socklen_t len = sizeof so_error;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
  if (so_error != 0) {
    error = std::strerror(so_error);
    ::close(fd);
    return -1;
  }
  int flags = 0;  // back to blocking, reads use poll for their timeout
  ::fcntl(fd, F_SETFL, flags);
  return fd;
}

// Reads until the peer closes; false on timeout or reset.
bool readAll(int fd, int timeout_ms, std::string& body, std::string& error,
             const std::function<void(const std::string&)>& on_chunk = nullptr) {
  char buffer[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) {
      error = "read timeout";
      return false;
    }
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n == 0) return true;
    if (n < 0) {
      error = std::strerror(errno);
      return false;
    }
    body.append(buffer, static_cast<std::size_t>(n));
    if (on_chunk) on_chunk(std::string(buffer, static_cast<std::size_t>(n)));
  }
}

std::string request(const Url& url) { return "GET " + url.path + " HTTP/1.0\r\nHost: " + url.host + "\r\n\r\n"; }

int load(const Url& url, double seconds, int gap_ms, int timeout_ms) {
  std::map<std::string, int> by_server;
  int ok = 0, failed = 0;
  double longest_outage = 0, outage_start = -1, last_failure = -1, slowest = 0;
  std::string failures, last_error;
  auto start = Clock::now();
  timespec started_at{};
  clock_gettime(CLOCK_REALTIME, &started_at);
  while (secondsSince(start) < seconds) {
    double t = secondsSince(start);
    std::string error, body;
    int fd = connectTo(url, timeout_ms, error);
    bool success = fd >= 0 && sendAll(fd, request(url)) && readAll(fd, timeout_ms, body, error);
    if (fd >= 0) ::close(fd);
    slowest = std::max(slowest, secondsSince(start) - t);
    auto blank = body.find("\r\n\r\n");
    if (success && body.rfind("HTTP/1.0 200", 0) == 0 && blank != std::string::npos) {
      auto name = body.substr(blank + 4);
      while (!name.empty() && name.back() == '\n') name.pop_back();
      ++by_server[name];
      ++ok;
      if (outage_start >= 0) longest_outage = std::max(longest_outage, t - outage_start);
      outage_start = -1;
    } else {
      ++failed;
      if (outage_start < 0) outage_start = t;
      last_failure = t;
      last_error = error.empty() ? "bad answer" : error;
      if (failed <= 20) {
        char line[160];
        std::snprintf(line, sizeof line, "%s{\"t\":%.3f,\"error\":\"%s\"}", failures.empty() ? "" : ",", t,
                      error.empty() ? "bad answer" : error.c_str());
        failures += line;
      }
    }
    if (gap_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
  }
  if (outage_start >= 0) longest_outage = std::max(longest_outage, secondsSince(start) - outage_start);
  std::printf("{\"started_at\":%ld.%09ld,\"ok\":%d,\"failed\":%d,\"longest_outage\":%.3f,\"last_failure\":%.3f,\"slowest\":%.3f,\"by_server\":{",
              static_cast<long>(started_at.tv_sec), started_at.tv_nsec, ok, failed, longest_outage, last_failure,
              slowest);
  bool first = true;
  for (auto& [name, count] : by_server) {
    std::printf("%s\"%s\":%d", first ? "" : ",", name.c_str(), count);
    first = false;
  }
  std::printf("},\"failures\":[%s],\"last_error\":\"%s\"}\n", failures.c_str(), last_error.c_str());
  return 0;
}

int stream(const Url& url) {
  std::string error, body;
  auto start = Clock::now();
  double last = 0, longest_gap = 0;
  int fd = connectTo(url, 2000, error);
  bool complete = fd >= 0 && sendAll(fd, request(url)) &&
                  readAll(fd, 10000, body, error, [&](const std::string&) {
                    double now = secondsSince(start);
                    longest_gap = std::max(longest_gap, now - last);
                    last = now;
                  });
  if (fd >= 0) ::close(fd);
  int lines = 0;
  auto blank = body.find("\r\n\r\n");
  if (blank != std::string::npos)
    for (std::size_t i = blank + 4; i < body.size(); ++i) lines += body[i] == '\n';
  std::printf("{\"complete\":%s,\"lines\":%d,\"seconds\":%.3f,\"longest_gap\":%.3f,\"error\":\"%s\"}\n",
              complete ? "true" : "false", lines, secondsSince(start), longest_gap, error.c_str());
  return complete ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  std::string command = argc > 1 ? argv[1] : "";
  Url url;
  if (command == "serve" && argc == 4) return serve(argv[2], std::atoi(argv[3]));
  if (command == "load" && argc >= 4 && argc <= 6 && parseUrl(argv[2], url))
    return load(url, std::atof(argv[3]), argc >= 5 ? std::atoi(argv[4]) : 0, argc == 6 ? std::atoi(argv[5]) : 1000);
  if (command == "stream" && argc == 3 && parseUrl(argv[2], url)) return stream(url);
  std::fprintf(stderr,
               "usage: labtool serve NAME PORT | labtool load URL SECONDS [GAP_MS [TIMEOUT_MS]] | labtool stream URL\n");
  return 2;
}

// probe_floor: the floor of a health checker's cost. Nothing but the probes,
// on the bench's schedule: SERVERS targets 127.1.A.B:PORT (configs.py's
// addresses), each probed every second (1 s after its previous start, as
// vipd), their first probes spread evenly over the first second; a probe
// still running when it is due again is not doubled; a probe that has not
// finished after 1 s is abandoned (a failure).
// One epoll set, one thread, no allocation per probe.
//   tcp:       socket, setsockopt(SO_LINGER {1, 0}), connect, epoll_ctl(ADD,
//              EPOLLOUT | EPOLLONESHOT), getsockopt(SO_ERROR), close: vipd's
//              6 system calls of a tcp check (healthcheck/connect_waiter).
//   tcp-reuse: one socket per target kept open and reused through
//              connect(AF_UNSPEC) (the kernel's tcp_disconnect: RST to the
//              server): connect, epoll_ctl(MOD), getsockopt(SO_ERROR),
//              connect(AF_UNSPEC) = 4 system calls per probe.
//   http:      tcp, then send "GET / HTTP/1.0" with a Host header, wait for
//              the answer (epoll_ctl MOD, EPOLLIN), recv until Content-Length
//              is read, status 200 required, close with RST.
//   http-keep: http with "Connection: keep-alive", the connection kept after
//              a passing answer (the pool keeps it too): send, epoll_ctl(MOD,
//              EPOLLIN), recv = 3 system calls per probe; a failure closes it.
// Runs until killed; SIGTERM prints probes done and failed to stderr.
//   hc_probe_floor MODE(tcp|tcp-reuse|http|http-keep) SERVERS [PORT]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <string_view>
#include <vector>

namespace {

enum class Mode { tcp, tcp_reuse, http, http_keep };
enum Failure { kNone, kConnect, kRefused, kSend, kAnswer, kTimeout };
constexpr const char* kFailureNames[] = {"", "connect", "connect (SO_ERROR)", "send", "answer", "timeout"};

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kProbeTimeout = kSecond;

volatile std::sig_atomic_t stop = 0;

int64_t nowNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * kSecond + ts.tv_nsec;
}

struct Target {
  sockaddr_in address{};
  int64_t due = 0;
  int64_t started = 0;
  int fd = -1;  // tcp, http: open while probing; tcp-reuse: always open; http-keep: open once connected
  bool in_flight = false;
  bool awaiting_answer = false;  // http: request sent
  uint32_t generation = 0;       // tells events of an abandoned probe apart
  bool registered = false;       // fd in the epoll set
};

struct Floor {
  Mode mode;
  int epoll;
  std::vector<Target> targets;
  std::deque<std::pair<std::size_t, uint32_t>> started;  // in start order: deadlines in order
  std::vector<char> request;
  uint64_t done = 0;
  uint64_t failed[6] = {};  // by Failure
  int last_error = 0;
  int64_t last_failure_at = 0;
  const linger reset{1, 0};

  static uint64_t key(std::size_t index, uint32_t generation) { return index | (uint64_t{generation} << 32); }

  void arm(Target& target, std::size_t index, uint32_t events, int op) {
    epoll_event event{};
    event.events = events | EPOLLONESHOT;
    event.data.u64 = key(index, target.generation);
    if (::epoll_ctl(epoll, op, target.fd, &event) != 0) std::perror("epoll_ctl");
  }

  void finish(Target& target, Failure failure) {
    ++done;
    if (failure != kNone) {
      ++failed[failure];
      last_error = errno;
      last_failure_at = target.started;
    }
    target.in_flight = false;
    target.awaiting_answer = false;
    ++target.generation;
    if (mode == Mode::tcp_reuse) {
      sockaddr unspec{};
      unspec.sa_family = AF_UNSPEC;
      ::connect(target.fd, &unspec, sizeof unspec);
    } else if (mode == Mode::http_keep && failure == kNone) {
      // kept, connected, disarmed (EPOLLONESHOT) until the next request
    } else {
      ::close(target.fd);
      target.fd = -1;
    }
  }

  void start(std::size_t index, int64_t now) {
    Target& target = targets[index];
    target.due = now + kSecond;  // like vipd: one interval after the start, late or not
    if (target.in_flight) return;
    target.in_flight = true;
    target.started = now;
    started.emplace_back(index, target.generation);
    if (mode == Mode::http_keep && target.fd >= 0) return sendRequest(target, index);
    if (target.fd < 0) {
      target.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      ::setsockopt(target.fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
      target.registered = false;
    }
    if (::connect(target.fd, reinterpret_cast<sockaddr*>(&target.address), sizeof target.address) != 0 &&
        errno != EINPROGRESS) {
      finish(target, kConnect);
      return;
    }
    arm(target, index, EPOLLOUT, target.registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD);
    target.registered = true;
  }

  void sendRequest(Target& target, std::size_t index) {
    if (::send(target.fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
      return finish(target, kSend);
    }
    target.awaiting_answer = true;
    arm(target, index, EPOLLIN, EPOLL_CTL_MOD);
  }

  void onEvent(std::size_t index, uint32_t generation) {
    Target& target = targets[index];
    if (!target.in_flight || target.generation != generation) return;
    if (!target.awaiting_answer) {
      int error = 0;
      socklen_t size = sizeof error;
      if (::getsockopt(target.fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0 || error != 0) {
        errno = error;
        return finish(target, kRefused);
      }
      if (mode == Mode::tcp || mode == Mode::tcp_reuse) return finish(target, kNone);
      return sendRequest(target, index);
    }
    char buffer[2048];
    const ssize_t got = ::recv(target.fd, buffer, sizeof buffer, 0);
    if (got <= 0) return finish(target, kAnswer);
    // The pool's answer fits in one segment; a longer one would be a failure here.
    const std::string_view answer(buffer, static_cast<std::size_t>(got));
    const auto head_end = answer.find("\r\n\r\n");
    const auto length_at = answer.find("Content-Length: ");
    if (head_end == std::string_view::npos || length_at == std::string_view::npos) {
      return finish(target, kAnswer);
    }
    const long length = std::strtol(buffer + length_at + 16, nullptr, 10);
    const bool ok = answer.substr(0, 13) == "HTTP/1.0 200 " || answer.substr(0, 13) == "HTTP/1.1 200 ";
    finish(target, ok && answer.size() == head_end + 4 + static_cast<std::size_t>(length) ? kNone : kAnswer);
  }

  void expire(int64_t now) {
    while (!started.empty()) {
      const auto [index, generation] = started.front();
      Target& target = targets[index];
      if (target.in_flight && target.generation == generation) {
        if (now - target.started < kProbeTimeout) return;
        errno = ETIMEDOUT;
        finish(target, kTimeout);
      }
      started.pop_front();
    }
  }
};

void onTerm(int) { stop = 1; }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: hc_probe_floor MODE(tcp|tcp-reuse|http|http-keep) SERVERS [PORT]\n");
    return 2;
  }
  const std::string_view mode_name = argv[1];
  const Mode mode = mode_name == "tcp-reuse"   ? Mode::tcp_reuse
                    : mode_name == "http"      ? Mode::http
                    : mode_name == "http-keep" ? Mode::http_keep
                                               : Mode::tcp;
  if (mode == Mode::tcp && mode_name != "tcp") {
    std::fprintf(stderr, "unknown mode %s\n", argv[1]);
    return 2;
  }
  const long servers = std::atol(argv[2]);
  const int port = argc > 3 ? std::atoi(argv[3]) : 80;
  std::signal(SIGTERM, onTerm);
  std::signal(SIGINT, onTerm);

  Floor floor{mode, ::epoll_create1(EPOLL_CLOEXEC), {}, {}, {}};
  const int64_t begin = nowNs();
  floor.targets.resize(static_cast<std::size_t>(servers));
  for (long i = 0; i < servers; ++i) {
    Target& target = floor.targets[static_cast<std::size_t>(i)];
    target.address.sin_family = AF_INET;
    target.address.sin_port = htons(static_cast<uint16_t>(port));
    target.address.sin_addr.s_addr =
        htonl((127u << 24) | (1u << 16) | (static_cast<uint32_t>(i / 250) << 8) | static_cast<uint32_t>(i % 250 + 1));
    target.due = begin + i * kSecond / servers;
  }
  // vipd's request (http_exchange.cpp), Host: one target's address (same length).
  const std::string_view request =
      mode == Mode::http_keep ? "GET / HTTP/1.0\r\nHost: 127.1.0.1\r\nUser-Agent: vipd-healthcheck\r\nAccept: */*\r\n"
                                "Connection: keep-alive\r\n\r\n"
                              : "GET / HTTP/1.0\r\nHost: 127.1.0.1\r\nUser-Agent: vipd-healthcheck\r\nAccept: */*\r\n"
                                "Connection: close\r\n\r\n";
  floor.request.assign(request.begin(), request.end());

  // Targets start in cyclic order and each is due 1 s after its start, so the next due one cycles round.
  std::size_t next = 0;
  epoll_event events[256];
  while (!stop) {
    int64_t now = nowNs();
    while (floor.targets[next].due <= now) {
      floor.start(next, now);
      next = (next + 1) % floor.targets.size();
    }
    floor.expire(now);
    const int64_t wait_ns = floor.targets[next].due - now;
    const int ready = ::epoll_wait(floor.epoll, events, 256, static_cast<int>((wait_ns + 999'999) / 1'000'000));
    for (int i = 0; i < ready; ++i) {
      floor.onEvent(static_cast<std::size_t>(events[i].data.u64 & 0xffffffffu),
                    static_cast<uint32_t>(events[i].data.u64 >> 32));
    }
  }
  std::fprintf(stderr, "probe_floor %s: %llu probes", argv[1], static_cast<unsigned long long>(floor.done));
  for (int failure = kConnect; failure <= kTimeout; ++failure) {
    if (floor.failed[failure] > 0)
      std::fprintf(stderr, ", %llu failed: %s", static_cast<unsigned long long>(floor.failed[failure]),
                   kFailureNames[failure]);
  }
  if (floor.last_error != 0) {
    std::fprintf(stderr, "; last error: %s, in a probe started %.1f s after the start", std::strerror(floor.last_error),
                 static_cast<double>(floor.last_failure_at - begin) / kSecond);
  }
  std::fprintf(stderr, "\n");
}

// pool_server: the bench's real-server pool. One epoll loop answering every
// connection on 0.0.0.0:PORT (so on every local address, e.g. all of
// 127.0.0.0/8): reads request heads and answers each "HTTP/1.0 200 OK" with a
// short body and a Content-Length. Like nginx, it keeps the connection for
// the next request when the request asks for it (HTTP/1.0 with "Connection:
// keep-alive", or HTTP/1.1 without "Connection: close") and says so
// ("Connection: keep-alive"); otherwise it says "Connection: close" and
// closes. A connection that closes without a request (a tcp check) is just
// closed. Writes "ACCEPTED ANSWERED" (connections accepted, requests
// answered) to COUNT_FILE every 100 ms, so a bench can tell how many checks
// arrived.
//   pool_server PORT COUNT_FILE
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>

namespace {

constexpr char kClosing[] = "HTTP/1.0 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\npool ok\n";
constexpr char kKeeping[] = "HTTP/1.0 200 OK\r\nContent-Length: 8\r\nConnection: keep-alive\r\n\r\npool ok\n";

// RFC 9112 section 9.3, as a server reads a request head (the headers' case ignored).
bool keepsConnection(std::string head) {
  std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return std::tolower(c); });
  const bool http11 = head.find(" http/1.1\r\n") != std::string::npos;
  const std::size_t connection = head.find("\r\nconnection:");
  const std::string options =
      connection == std::string::npos ? "" : head.substr(connection, head.find("\r\n", connection + 2) - connection);
  if (options.find("close") != std::string::npos) return false;
  return http11 || options.find("keep-alive") != std::string::npos;
}

void writeCounts(const char* path, unsigned long long accepted, unsigned long long answered) {
  const std::string temp = std::string(path) + ".tmp";
  if (FILE* file = std::fopen(temp.c_str(), "w")) {
    std::fprintf(file, "%llu %llu\n", accepted, answered);
    std::fclose(file);
    std::rename(temp.c_str(), path);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: pool_server PORT COUNT_FILE\n");
    return 2;
  }
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[1])));
  address.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) < 0 || ::listen(listener, 4096) < 0) {
    std::perror("pool_server");
    return 1;
  }
  const int epoll = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = listener;
  ::epoll_ctl(epoll, EPOLL_CTL_ADD, listener, &event);

  std::unordered_map<int, std::string> requests;  // by fd: what arrived so far
  unsigned long long accepted = 0, answered = 0;
  auto last_write = std::chrono::steady_clock::now();
  writeCounts(argv[2], 0, 0);
  epoll_event events[256];
  for (;;) {
    const int n = ::epoll_wait(epoll, events, 256, 100);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listener) {
        for (;;) {
          const int client = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (client < 0) break;
          ++accepted;
          epoll_event client_event{};
          client_event.events = EPOLLIN | EPOLLRDHUP;
          client_event.data.fd = client;
          ::epoll_ctl(epoll, EPOLL_CTL_ADD, client, &client_event);
          requests[client];
        }
        continue;
      }
      char buffer[2048];
      const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
      std::string& request = requests[fd];
      if (got > 0) request.append(buffer, static_cast<std::size_t>(got));
      bool keep = got > 0 || (got < 0 && errno == EAGAIN);
      for (std::size_t end; keep && (end = request.find("\r\n\r\n")) != std::string::npos;) {
        keep = keepsConnection(request.substr(0, end + 2));
        const char* response = keep ? kKeeping : kClosing;
        (void)!::send(fd, response, std::strlen(response), MSG_NOSIGNAL);
        ++answered;
        request.erase(0, end + 4);
      }
      if (!keep || request.size() > 8192) {
        requests.erase(fd);
        ::close(fd);  // closing removes it from the epoll set
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_write >= std::chrono::milliseconds(100)) {
      writeCounts(argv[2], accepted, answered);
      last_write = now;
    }
  }
}

// pool_server: the bench's real-server pool. One epoll loop answering every
// connection on 0.0.0.0:PORT (so on every local address, e.g. all of
// 127.0.0.0/8): reads the request head, answers "HTTP/1.0 200 OK" with a
// short body and closes; a connection that closes without a request (a tcp
// check) is just closed. Counts accepted connections and writes the count to
// COUNT_FILE every 100 ms, so a bench can tell how many checks arrived.
//   pool_server PORT COUNT_FILE
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>

namespace {

constexpr char kResponse[] = "HTTP/1.0 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\npool ok\n";

void writeCount(const char* path, unsigned long long count) {
  const std::string temp = std::string(path) + ".tmp";
  if (FILE* file = std::fopen(temp.c_str(), "w")) {
    std::fprintf(file, "%llu\n", count);
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
  unsigned long long accepted = 0;
  auto last_write = std::chrono::steady_clock::now();
  writeCount(argv[2], 0);
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
      const bool complete = request.find("\r\n\r\n") != std::string::npos;
      if (complete) (void)!::send(fd, kResponse, sizeof kResponse - 1, MSG_NOSIGNAL);
      if (complete || got == 0 || (got < 0 && errno != EAGAIN) || request.size() > 8192) {
        requests.erase(fd);
        ::close(fd);  // closing removes it from the epoll set
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_write >= std::chrono::milliseconds(100)) {
      writeCount(argv[2], accepted);
      last_write = now;
    }
  }
}

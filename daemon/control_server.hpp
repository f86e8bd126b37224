#pragma once
// The control socket: a unix stream socket, one JSON request per line and one
// JSON response per line. A connection handles one request at a time (the
// next line is read only after the answer is written), so a client that never
// reads only ever holds one answer; lines over the limit, idle clients and
// peers that are neither root nor the socket's owner are dropped.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "common/asio.hpp"
#include "common/result.hpp"

namespace vipd::daemon {

struct ControlLimits {
  std::size_t max_line = 64 * 1024;
  std::size_t max_clients = 256;
  std::chrono::seconds idle_timeout{60};
};

class ControlServer {
 public:
  // Answers one request line with one response line (without the newline).
  using Handler = std::function<std::string(const std::string& line)>;

  ControlServer(asio::io_context& io, Handler handler, ControlLimits limits = {});
  ~ControlServer();

  // Creates the socket's directory when missing, replaces a stale socket file,
  // binds, sets mode 0600 and starts accepting.
  Status listen(const std::string& path);
  void close();

  const std::string& path() const { return path_; }
  std::size_t clients() const { return *clients_; }

 private:
  class Session;
  void accept();

  asio::io_context& io_;
  std::shared_ptr<const Handler> handler_;
  ControlLimits limits_;
  asio::local::stream_protocol::acceptor acceptor_;
  std::string path_;
  uid_t owner_uid_;
  std::shared_ptr<std::size_t> clients_ = std::make_shared<std::size_t>(0);
};

}  // namespace vipd::daemon

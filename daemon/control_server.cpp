#include "daemon/control_server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "common/log.hpp"

namespace vipd::daemon {

namespace local = asio::local;

class ControlServer::Session : public std::enable_shared_from_this<ControlServer::Session> {
 public:
  Session(local::stream_protocol::socket socket, std::shared_ptr<const Handler> handler, const ControlLimits& limits,
          std::shared_ptr<std::size_t> clients)
      : socket_(std::move(socket)),
        handler_(std::move(handler)),
        buffer_(limits.max_line + 1),
        idle_(socket_.get_executor()),
        idle_timeout_(limits.idle_timeout),
        clients_(std::move(clients)) {
    ++*clients_;
  }
  ~Session() { --*clients_; }

  void start() { readLine(); }

 private:
  void readLine() {
    armIdleTimer();
    asio::async_read_until(socket_, buffer_, '\n', [self = shared_from_this()](auto ec, std::size_t n) {
      self->idle_.cancel();
      if (ec == asio::error::not_found) return self->reject("request line too long");
      if (ec) return;  // closed, or a half line then close: nothing to answer
      std::string line(asio::buffers_begin(self->buffer_.data()), asio::buffers_begin(self->buffer_.data()) + n - 1);
      self->buffer_.consume(n);
      self->answer((*self->handler_)(line));
    });
  }

  void answer(std::string response) {
    response_ = std::move(response) + "\n";
    armIdleTimer();
    asio::async_write(socket_, asio::buffer(response_), [self = shared_from_this()](auto ec, std::size_t) {
      self->idle_.cancel();
      if (!ec) self->readLine();
    });
  }

  void reject(const char* why) {
    log::warning(std::string("control: dropping client: ") + why);
    response_ = std::string(R"({"ok":false,"error":")") + why + "\"}\n";
    asio::async_write(socket_, asio::buffer(response_), [self = shared_from_this()](auto, std::size_t) {
      boost::system::error_code ignored;
      self->socket_.close(ignored);
    });
  }

  void armIdleTimer() {
    idle_.expires_after(idle_timeout_);
    idle_.async_wait([weak = weak_from_this()](auto ec) {
      if (ec) return;
      if (auto self = weak.lock()) {
        boost::system::error_code ignored;
        self->socket_.close(ignored);
      }
    });
  }

  local::stream_protocol::socket socket_;
  std::shared_ptr<const Handler> handler_;
  asio::streambuf buffer_;
  std::string response_;
  asio::steady_timer idle_;
  std::chrono::seconds idle_timeout_;
  std::shared_ptr<std::size_t> clients_;
};

ControlServer::ControlServer(asio::io_context& io, Handler handler, ControlLimits limits)
    : io_(io),
      handler_(std::make_shared<const Handler>(std::move(handler))),
      limits_(limits),
      acceptor_(io),
      owner_uid_(geteuid()) {}

ControlServer::~ControlServer() { close(); }

Status ControlServer::listen(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code fs_error;
  auto dir = fs::path(path).parent_path();
  if (!dir.empty() && !fs::exists(dir)) {
    fs::create_directories(dir, fs_error);
    if (fs_error) return Error{fs_error, "creating " + dir.string()};
    fs::permissions(dir, fs::perms::owner_all, fs_error);
  }
  // A socket file left by a previous run is replaced; anything else is not ours.
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return Error::fromErrno(EEXIST, path + " exists and is not a socket");
    ::unlink(path.c_str());
  }
  boost::system::error_code ec;
  acceptor_.open(local::stream_protocol(), ec);
  // Creating the socket with umask 077 leaves no moment in which others could connect.
  mode_t old_mask = ::umask(077);
  if (!ec) acceptor_.bind(local::stream_protocol::endpoint(path), ec);
  ::umask(old_mask);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    acceptor_.close();
    return Error{std::error_code(ec.value(), std::system_category()), "control socket " + path};
  }
  ::chmod(path.c_str(), 0600);
  path_ = path;
  accept();
  return Ok{};
}

void ControlServer::close() {
  if (!acceptor_.is_open()) return;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  ::unlink(path_.c_str());
}

void ControlServer::accept() {
  acceptor_.async_accept([this](auto ec, local::stream_protocol::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      ucred cred{};
      socklen_t len = sizeof cred;
      bool credentials_ok = getsockopt(socket.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 &&
                            (cred.uid == 0 || cred.uid == owner_uid_);
      if (!credentials_ok) {
        log::warning("control: refused a client with uid " + std::to_string(cred.uid));
      } else if (*clients_ >= limits_.max_clients) {
        log::warning("control: refused a client: " + std::to_string(*clients_) + " clients already");
      } else {
        std::make_shared<Session>(std::move(socket), handler_, limits_, clients_)->start();
      }
    }
    accept();
  });
}

}  // namespace vipd::daemon

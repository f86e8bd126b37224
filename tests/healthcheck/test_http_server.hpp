#pragma once
// A small HTTP server on 127.0.0.1 for checker tests, misbehaving on demand.
// It keeps connections alive as asked (`persistence`) and counts the
// connections it accepted and the requests it read.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/asio.hpp"

namespace vipd::testing {

class TestHttpServer {
 public:
  enum class Mode { ok, status500, silent, slow, reset };
  // How answers are framed and whether the connection stays open after one.
  // Those that tell the client to close still read the next request on it:
  // a client that reuses the connection when it should not is answered, and counted.
  enum class Persistence {
    asked,        // as nginx: "HTTP/1.0 ... Connection: keep-alive" and kept when the
                  // request asks for it, else "Connection: close" and closed
    http11,       // "HTTP/1.1" without a Connection header (persistent), kept
    says_close,   // "HTTP/1.1 ... Connection: close", yet kept
    http10_bare,  // "HTTP/1.0" without a Connection header, yet kept
    no_length,    // "HTTP/1.0 ... Connection: keep-alive" without Content-Length, the
                  // body ended by a FIN (shutdown of the sending side), then read on
  };

  explicit TestHttpServer(asio::io_context& io) : io_(io), acceptor_(io) { up(); }

  uint16_t port() const { return port_; }
  Mode mode = Mode::ok;
  Persistence persistence = Persistence::asked;
  std::string body = "hello from vipd test";
  std::chrono::milliseconds slow_delay{500};
  int connections = 0;  // accepted
  int requests = 0;     // read (answered or not)
  std::string last_request;

  // The server is gone: the listening socket and every connection closed
  // (connects are refused).
  void down() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    dropConnections();
  }

  // Closes every connection (kept ones idle between probes): with a reset
  // (SO_LINGER {1, 0}) or a FIN.
  void dropConnections(bool reset = false) {
    for (auto& weak : open_) {
      if (auto socket = weak.lock()) {
        boost::system::error_code ignored;
        if (reset) socket->set_option(asio::socket_base::linger(true, 0), ignored);
        socket->close(ignored);
      }
    }
    open_.clear();
    held_.clear();
  }

  void up() {
    asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port_);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept();
  }

 private:
  using Socket = std::shared_ptr<asio::ip::tcp::socket>;
  using Buffer = std::shared_ptr<asio::streambuf>;

  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, asio::ip::tcp::socket socket) {
      if (ec) return;
      ++connections;
      auto connection = std::make_shared<asio::ip::tcp::socket>(std::move(socket));
      std::erase_if(open_, [](const std::weak_ptr<asio::ip::tcp::socket>& s) { return s.expired(); });
      open_.push_back(connection);
      serve(connection, std::make_shared<asio::streambuf>());
      accept();
    });
  }

  void serve(Socket socket, Buffer buffer) {
    asio::async_read_until(
        *socket, *buffer, "\r\n\r\n", [this, socket, buffer](const boost::system::error_code& ec, std::size_t size) {
          if (ec) return;
          ++requests;
          last_request.assign(asio::buffers_begin(buffer->data()), asio::buffers_begin(buffer->data()) + size);
          buffer->consume(size);
          respond(socket, buffer);
        });
  }

  void respond(Socket socket, Buffer buffer) {
    switch (mode) {
      case Mode::reset:
        socket->set_option(asio::socket_base::linger(true, 0));
        socket->close();
        return;
      case Mode::silent:
        held_.push_back(socket);
        return;
      case Mode::slow: {
        auto timer = std::make_shared<asio::steady_timer>(io_, slow_delay);
        timer->async_wait(
            [this, socket, buffer, timer](const boost::system::error_code&) { write(socket, buffer, 200); });
        return;
      }
      case Mode::status500:
        write(socket, buffer, 500);
        return;
      default:
        write(socket, buffer, 200);
        return;
    }
  }

  static bool asksKeepAlive(std::string_view request) {
    std::string lower(request);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    return lower.find("\r\nconnection: keep-alive\r\n") != std::string::npos;
  }

  void write(Socket socket, Buffer buffer, int status) {
    const std::string length = "Content-Length: " + std::to_string(body.size()) + "\r\n";
    std::string head;
    bool keep = true;
    switch (persistence) {
      case Persistence::asked:
        keep = asksKeepAlive(last_request);
        head = "HTTP/1.0 " + std::to_string(status) + " X\r\n" + length +
               (keep ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
        break;
      case Persistence::http11:
        head = "HTTP/1.1 " + std::to_string(status) + " X\r\n" + length;
        break;
      case Persistence::says_close:
        head = "HTTP/1.1 " + std::to_string(status) + " X\r\n" + length + "Connection: close\r\n";
        break;
      case Persistence::http10_bare:
        head = "HTTP/1.0 " + std::to_string(status) + " X\r\n" + length;
        break;
      case Persistence::no_length:
        head = "HTTP/1.0 " + std::to_string(status) + " X\r\nConnection: keep-alive\r\n";
        break;
    }
    auto text = std::make_shared<std::string>(head + "\r\n" + body);
    const bool half_close = persistence == Persistence::no_length;
    asio::async_write(*socket, asio::buffer(*text),
                      [this, socket, buffer, text, keep, half_close](const boost::system::error_code& ec, std::size_t) {
                        boost::system::error_code ignored;
                        if (ec || !keep) {
                          socket->shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
                          return;
                        }
                        if (half_close) socket->shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
                        serve(socket, buffer);
                      });
  }

  asio::io_context& io_;
  asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::vector<std::weak_ptr<asio::ip::tcp::socket>> open_;
  std::vector<Socket> held_;
};

}  // namespace vipd::testing

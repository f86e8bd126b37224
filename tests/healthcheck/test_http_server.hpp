#pragma once
// A small HTTP server on 127.0.0.1 for checker tests, misbehaving on demand.
#include <memory>
#include <string>
#include <vector>

#include "common/asio.hpp"

namespace vipd::testing {

class TestHttpServer {
 public:
  enum class Mode { ok, status500, silent, slow, reset };

  explicit TestHttpServer(asio::io_context& io) : io_(io), acceptor_(io) { up(); }

  uint16_t port() const { return port_; }
  Mode mode = Mode::ok;
  std::string body = "hello from vipd test";
  std::chrono::milliseconds slow_delay{500};
  int requests = 0;
  std::string last_request;

  // Closes the listening socket: connections are refused.
  void down() {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
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

  void accept() {
    acceptor_.async_accept([this](const boost::system::error_code& ec, asio::ip::tcp::socket socket) {
      if (ec) return;
      serve(std::make_shared<asio::ip::tcp::socket>(std::move(socket)));
      accept();
    });
  }

  void serve(Socket socket) {
    if (mode == Mode::reset) {
      socket->set_option(asio::socket_base::linger(true, 0));
      socket->close();
      return;
    }
    auto buffer = std::make_shared<asio::streambuf>();
    asio::async_read_until(
        *socket, *buffer, "\r\n\r\n", [this, socket, buffer](const boost::system::error_code& ec, std::size_t) {
          if (ec) return;
          ++requests;
          last_request.assign(asio::buffers_begin(buffer->data()), asio::buffers_end(buffer->data()));
          respond(socket);
        });
  }

  void respond(Socket socket) {
    switch (mode) {
      case Mode::silent:
        held_.push_back(socket);
        return;
      case Mode::slow: {
        auto timer = std::make_shared<asio::steady_timer>(io_, slow_delay);
        timer->async_wait([this, socket, timer](const boost::system::error_code&) { write(socket, 200); });
        return;
      }
      case Mode::status500:
        write(socket, 500);
        return;
      default:
        write(socket, 200);
        return;
    }
  }

  void write(Socket socket, int status) {
    auto text = std::make_shared<std::string>("HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Length: " +
                                              std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    asio::async_write(*socket, asio::buffer(*text), [socket, text](const boost::system::error_code&, std::size_t) {
      boost::system::error_code ignored;
      socket->shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    });
  }

  asio::io_context& io_;
  asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::vector<Socket> held_;
};

}  // namespace vipd::testing

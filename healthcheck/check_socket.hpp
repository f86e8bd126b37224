#pragma once
// The TCP socket of an http check (tcp checks: connect_waiter.hpp), closed
// with a reset: SO_LINGER {on, 0} makes close() send RST instead of FIN, so
// the checker keeps no TIME_WAIT socket per probe (60 s each: 60,000 of them
// at 1,000 checks/s) and the server none either when the checker closes
// first. HAProxy closes its health-check connections the same way; a server
// sees the connection reset (ECONNRESET on read) after its accept() when the
// check closes first (always for tcp), which some servers log at info level.
#include <sys/socket.h>

#include <boost/system/error_code.hpp>

#include "common/asio.hpp"

namespace vipd::healthcheck {

// Opens `socket` (closed) for `protocol`, non-blocking, reset on close unless not `reset_on_close`.
boost::system::error_code openCheckSocket(asio::ip::tcp::socket& socket, const asio::ip::tcp& protocol,
                                          bool reset_on_close = true);

// The pending error of a non-blocking connect (SO_ERROR), once the socket is writable.
boost::system::error_code connectResult(asio::ip::tcp::socket& socket);

// Opens `socket` and connects it to `target` without blocking: `done(error_code)`
// is called once, later, on the socket's executor (an empty code: connected).
// `done` must keep `socket` alive (it owns the attempt that holds it).
template <class Done>
void asyncConnectCheck(asio::ip::tcp::socket& socket, const asio::ip::tcp::endpoint& target, bool reset_on_close,
                       Done done) {
  boost::system::error_code ec = openCheckSocket(socket, target.protocol(), reset_on_close);
  if (!ec && ::connect(socket.native_handle(), target.data(), static_cast<socklen_t>(target.size())) != 0) {
    ec.assign(errno, boost::system::system_category());
  }
  if (ec != boost::system::errc::operation_in_progress) {
    asio::post(socket.get_executor(), [done = std::move(done), ec]() mutable { done(ec); });
    return;
  }
  socket.async_wait(asio::socket_base::wait_write, [&socket, done = std::move(done)](
                                                       const boost::system::error_code& wait_error) mutable {
    done(wait_error ? wait_error : connectResult(socket));
  });
}

}  // namespace vipd::healthcheck

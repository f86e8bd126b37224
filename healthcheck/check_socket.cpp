#include "healthcheck/check_socket.hpp"


namespace vipd::healthcheck {

namespace {

boost::system::error_code lastError() { return {errno, boost::system::system_category()}; }

}  // namespace

boost::system::error_code openCheckSocket(asio::ip::tcp::socket& socket, const asio::ip::tcp& protocol,
                                          bool reset_on_close) {
  boost::system::error_code ec;
  socket.open(protocol, ec);
  if (ec) return ec;
  const ::linger reset{1, 0};
  if (reset_on_close && ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset) != 0) {
    ec = lastError();
  } else {
    socket.non_blocking(true, ec);  // asio then skips its own FIONBIO and poll() around connect
  }
  if (ec) {
    boost::system::error_code ignored;
    socket.close(ignored);
  }
  return ec;
}

boost::system::error_code connectResult(asio::ip::tcp::socket& socket) {
  int error = 0;
  socklen_t size = sizeof error;
  if (::getsockopt(socket.native_handle(), SOL_SOCKET, SO_ERROR, &error, &size) != 0) return lastError();
  return {error, boost::system::system_category()};
}

}  // namespace vipd::healthcheck

#pragma once
// The one way into Boost.Asio. Boost 1.74's awaitable.hpp uses std::exchange
// without including <utility>, which g++ 12 does not pull in by itself.
#include <utility>

#include <boost/asio.hpp>

namespace vipd {
namespace asio = boost::asio;
}

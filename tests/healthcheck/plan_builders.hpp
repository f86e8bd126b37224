#pragma once
// Small config builders shared by the health-check plan and book tests.
#include "common/ip_address.hpp"
#include "conf/config.hpp"

namespace vipd::healthcheck::test {

inline Endpoint ep(const char* text) { return *Endpoint::parse(text); }

inline conf::RealServer realServer(Endpoint address) {
  conf::RealServer server;
  server.address = address;
  return server;
}

}  // namespace vipd::healthcheck::test

#include "healthcheck/checker.hpp"
#include "healthcheck/http_checker.hpp"
#include "healthcheck/script_checker.hpp"
#include "healthcheck/tcp_checker.hpp"

namespace vipd::healthcheck {

asio::ip::tcp::endpoint toAsio(const Endpoint& endpoint) {
  asio::ip::address address;
  if (endpoint.address.family == Family::v4) {
    asio::ip::address_v4::bytes_type bytes;
    std::copy_n(endpoint.address.bytes.begin(), bytes.size(), bytes.begin());
    address = asio::ip::address_v4(bytes);
  } else {
    asio::ip::address_v6::bytes_type bytes;
    std::copy_n(endpoint.address.bytes.begin(), bytes.size(), bytes.begin());
    address = asio::ip::address_v6(bytes);
  }
  return {address, endpoint.port};
}

CheckerFactory realCheckers(asio::io_context& io, process::ProcessRunner& runner) {
  return [&io, &runner](const CheckSpec& spec, const std::string& script_user) -> std::unique_ptr<Checker> {
    switch (spec.params.type) {
      case conf::CheckType::tcp:
        return std::make_unique<TcpChecker>(io, spec);
      case conf::CheckType::http:
        return std::make_unique<HttpChecker>(io, spec);
      case conf::CheckType::script:
        return std::make_unique<ScriptChecker>(runner, spec, script_user);
    }
    return nullptr;
  };
}

}  // namespace vipd::healthcheck

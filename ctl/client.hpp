#pragma once
// One request, one answer over the daemon's control socket.
#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "common/result.hpp"

namespace vipd::ctl {

Result<nlohmann::json> request(const std::string& socket_path, const nlohmann::json& message,
                               std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace vipd::ctl

#pragma once
// The control protocol, apart from any socket: a request line is a JSON
// object {"command": NAME, ...}; the answer is a JSON object with "ok" and
// either the command's fields or "error".
#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace vipd::daemon {

using Command = std::function<nlohmann::json(const nlohmann::json& request)>;
using Commands = std::map<std::string, Command>;

std::string answerRequest(const std::string& line, const Commands& commands);

}  // namespace vipd::daemon

#include "daemon/control_protocol.hpp"

namespace vipd::daemon {

namespace {
std::string failure(const std::string& message) { return nlohmann::json{{"ok", false}, {"error", message}}.dump(); }
}  // namespace

std::string answerRequest(const std::string& line, const Commands& commands) {
  auto request = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) return failure("request is not valid JSON");
  if (!request.is_object() || !request.contains("command") || !request["command"].is_string())
    return failure("request needs a \"command\" string");
  auto name = request["command"].get<std::string>();
  auto it = commands.find(name);
  if (it == commands.end()) return failure("unknown command: " + name);
  nlohmann::json answer = it->second(request);
  if (!answer.contains("ok")) answer["ok"] = true;
  // Replace invalid UTF-8 (from a script's output, say) rather than throw.
  return answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace vipd::daemon

// vipctl: asks a running vipd over its control socket.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ctl/client.hpp"
#include "ctl/format.hpp"

namespace {

const char* kUsage =
    "usage: vipctl [--socket PATH] [--timeout SECONDS] COMMAND [--json]\n"
    "  --timeout  how long to wait for the daemon's answer (default 10; large tables take longer)\n"
    "commands:\n"
    "  status   daemon version, config, generation, uptime, subsystems\n"
    "  reload   re-read the configuration; prints the errors if it is rejected\n"
    "  vrrp | ipvs | checks | virt   the subsystem's state\n"
    "  virt start|stop|restart GUEST  act on a managed guest through the daemon\n";

const char* kDefaultSocket = "/run/vipd/vipd.sock";

using Formatter = std::string (*)(const nlohmann::json&);

// Seconds (fractions allowed) as milliseconds, or nothing when not a positive number.
std::optional<std::chrono::milliseconds> parseTimeout(const char* text) {
  char* end = nullptr;
  const double seconds = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(seconds > 0) || seconds > 86400) return std::nullopt;
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000 + 0.5));
}

}  // namespace

int main(int argc, char** argv) {
  std::string socket = kDefaultSocket;
  std::string command;
  std::vector<std::string> operands;
  bool json = false;
  std::chrono::milliseconds timeout = std::chrono::seconds(10);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--socket" && i + 1 < argc) {
      socket = argv[++i];
    } else if (arg == "--timeout" && i + 1 < argc) {
      auto parsed = parseTimeout(argv[++i]);
      if (!parsed) {
        std::fprintf(stderr, "vipctl: --timeout wants a number of seconds, not '%s'\n", argv[i]);
        return 2;
      }
      timeout = *parsed;
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (command.empty() && arg[0] != '-') {
      command = arg;
    } else if (command == "virt" && arg[0] != '-' && operands.size() < 2) {
      operands.push_back(arg);
    } else {
      std::fputs(kUsage, stderr);
      return 2;
    }
  }
  const std::map<std::string, Formatter> formatters = {
      {"status", vipd::ctl::formatStatus}, {"reload", vipd::ctl::formatReload}, {"vrrp", vipd::ctl::formatVrrp},
      {"ipvs", vipd::ctl::formatIpvs},     {"checks", vipd::ctl::formatChecks}, {"virt", vipd::ctl::formatVirt},
  };
  if (command.empty() || operands.size() == 1) {
    std::fputs(kUsage, stderr);
    return 2;
  }

  nlohmann::json message = {{"command", command}};
  if (operands.size() == 2) {
    message["action"] = operands[0];
    message["guest"] = operands[1];
  }
  auto answer = vipd::ctl::request(socket, message, timeout);
  if (!answer) {
    std::cerr << "vipctl: " << answer.error().message() << "\n";
    return 1;
  }
  const auto& reply = *answer;
  bool ok = reply.value("ok", false);
  if (json) {
    std::cout << reply.dump(2) << "\n";
  } else if (!ok && reply.contains("error")) {
    std::cerr << "vipctl: " << reply["error"].get<std::string>() << "\n";
  } else if (!operands.empty()) {
    std::cout << operands[0] << " " << operands[1] << ": " << (reply.value("queued", false) ? "queued" : "done")
              << "\n";
  } else if (auto f = formatters.find(command); f != formatters.end()) {
    std::cout << f->second(reply);
  } else {
    std::cerr << "vipctl: no table for '" << command << "' yet; use --json\n";
    return 2;
  }
  return ok ? 0 : 1;
}

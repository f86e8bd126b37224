#include "ctl/format.hpp"

#include <sstream>

namespace vipd::ctl {

namespace {

std::string uptimeText(long seconds) {
  std::ostringstream out;
  if (seconds >= 86400) out << seconds / 86400 << "d ";
  if (seconds >= 3600) out << (seconds % 86400) / 3600 << "h ";
  if (seconds >= 60) out << (seconds % 3600) / 60 << "m ";
  out << seconds % 60 << "s";
  return out.str();
}

}  // namespace

std::string formatStatus(const nlohmann::json& s) {
  std::ostringstream out;
  out << "vipd " << s.value("version", "?") << "  pid " << s.value("pid", 0) << "  router_id "
      << s.value("router_id", "") << "\n";
  out << "config      " << s.value("config", "") << "\n";
  out << "generation  " << s.value("generation", 0) << "\n";
  out << "uptime      " << uptimeText(s.value("uptime_seconds", 0L)) << "\n";
  if (auto reload = s.find("last_reload"); reload != s.end() && reload->is_object()) {
    out << "last reload " << ((*reload)["ok"].get<bool>() ? "ok" : "rejected");
    auto errors = (*reload)["errors"];
    if (!errors.empty()) out << " (" << errors.size() << " error(s))";
    out << "\n";
  }
  auto subsystems = s.value("subsystems", nlohmann::json::object());
  if (subsystems.empty()) {
    out << "subsystems  none configured\n";
  } else {
    out << "subsystems\n";
    for (auto& [name, summary] : subsystems.items())
      out << "  " << name << std::string(name.size() < 8 ? 8 - name.size() : 1, ' ') << summary.get<std::string>()
          << "\n";
  }
  return out.str();
}

std::string formatReload(const nlohmann::json& r) {
  std::ostringstream out;
  if (r.value("ok", false)) {
    out << "reloaded: generation " << r.value("generation", 0) << " is running\n";
  } else {
    out << "reload rejected; generation " << r.value("generation", 0) << " keeps running\n";
    for (auto& error : r.value("errors", nlohmann::json::array())) out << "  " << error.get<std::string>() << "\n";
  }
  return out.str();
}

}  // namespace vipd::ctl

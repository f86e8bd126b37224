#include <unistd.h>

#include <climits>

#include "conf/script_safety.hpp"
#include "conf/sections.hpp"

namespace vipd::conf {

namespace {

std::string hostname() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

}  // namespace

void readGlobal(TableReader& root, Global& global) {
  global.router_id = hostname();
  const toml::table* table = root.table("global");
  if (!table) return;
  TableReader r(*table, "global", root.context());
  if (auto id = r.string("router_id")) {
    if (id->empty())
      r.error("router_id", "must not be empty");
    else
      global.router_id = *id;
  }
  if (auto socket = r.string("control_socket")) {
    if (socket->empty() || socket->front() != '/')
      r.error("control_socket", "must be an absolute path");
    else
      global.control_socket = *socket;
  }
  if (auto user = r.string("script_user")) {
    if (user->empty())
      r.error("script_user", "must not be empty");
    else
      global.script_user = *user;
  }
  if (auto listen = r.parsed<Endpoint>("metrics_listen", &Endpoint::parse, "endpoint (ip:port)")) {
    if (listen->port == 0)
      r.error("metrics_listen", "port must be in 1..65535");
    else
      global.metrics_listen = listen->str();
  }
}

void checkScript(Context& ctx, const std::string& path, const std::string& script) {
  if (auto problem = scriptPathProblem(script, ctx.options().check_files)) ctx.errorAt(path, *problem);
}

}  // namespace vipd::conf

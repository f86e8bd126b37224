#include "conf/load.hpp"

#include <fstream>
#include <sstream>

#include "conf/sections.hpp"

namespace vipd::conf {

std::string Diagnostic::str() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + key_path + ": " + message;
}

LoadResult loadString(std::string_view text, const std::string& file_name, const LoadOptions& options) {
  Context ctx(file_name, options);
  toml::table root;
  try {
    // No source path: toml++ would then share it with every node (a reference count per node).
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    ctx.error("(syntax)", Location{static_cast<int>(begin.line), static_cast<int>(begin.column)},
              std::string(e.description()));
    return LoadResult{std::nullopt, ctx.takeDiagnostics()};
  }
  ctx.setDocument(root);
  Config config;
  config.path = file_name;
  {
    TableReader r(root, "", ctx);
    readGlobal(r, config.global);
    readVrrp(r, config);
    readIpvs(r, config.ipvs);
    readVirt(r, config.virt);
  }
  validate(config, ctx);
  if (ctx.failed()) return LoadResult{std::nullopt, ctx.takeDiagnostics()};
  return LoadResult{std::move(config), {}};
}

LoadResult loadFile(const std::string& path, const LoadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) {
    return LoadResult{std::nullopt, {Diagnostic{path, 1, 1, "(file)", "cannot read: " + std::string(strerror(errno))}}};
  }
  return loadString(text.str(), path, options);
}

}  // namespace vipd::conf

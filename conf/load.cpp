#include "conf/load.hpp"

#include <fstream>
#include <sstream>

#include "conf/piecewise_parse.hpp"
#include "conf/sections.hpp"

namespace vipd::conf {

std::string Diagnostic::str() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + key_path + ": " + message;
}

namespace {

LoadResult read(const toml::table& root, const std::string& file_name, const LoadOptions& options) {
  Context ctx(file_name, options);
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

}  // namespace

LoadResult loadString(std::string_view text, const std::string& file_name, const LoadOptions& options) {
  // Many services: parsed in pieces (piecewise_parse.hpp). Their positions are
  // relative to a piece, so a file with any error is read again whole below.
  if (auto pieces = parseInPieces(text)) {
    auto loaded = read(pieces->root, file_name, options);
    if (loaded.config && loaded.config->ipvs.services.size() == pieces->service_fingerprints.size())
      loaded.config->ipvs.service_fingerprints = std::move(pieces->service_fingerprints);
    if (loaded.config) return loaded;
  }
  toml::table root;
  try {
    // No source path: toml++ would then share it with every node (a reference count per node).
    root = toml::parse(text);
  } catch (const toml::parse_error& e) {
    Context ctx(file_name, options);
    const auto& begin = e.source().begin;
    ctx.error("(syntax)", Location{static_cast<int>(begin.line), static_cast<int>(begin.column)},
              std::string(e.description()));
    return LoadResult{std::nullopt, ctx.takeDiagnostics()};
  }
  return read(root, file_name, options);
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

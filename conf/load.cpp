#include "conf/load.hpp"

#include <fstream>
#include <sstream>

#include "conf/piecewise_read.hpp"
#include "conf/sections.hpp"

namespace vipd::conf {

std::string Diagnostic::str() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + key_path + ": " + message;
}

namespace {

// Every section of root into config (its services too, when it has them).
void readSections(const toml::table& root, Context& ctx, Config& config) {
  TableReader r(root, "", ctx);
  readGlobal(r, config.global);
  readVrrp(r, config);
  readIpvs(r, config.ipvs);
  readVirt(r, config.virt);
}

LoadResult read(const toml::table& root, const std::string& file_name, const LoadOptions& options) {
  Context ctx(file_name, options);
  ctx.setDocument(root);
  Config config;
  config.path = file_name;
  readSections(root, ctx, config);
  validate(config, ctx);
  if (ctx.failed()) return LoadResult{std::nullopt, ctx.takeDiagnostics()};
  return LoadResult{std::move(config), {}};
}

// Many services: parsed and read in pieces (piecewise_read.hpp). Their
// positions are relative to a piece, so any diagnostic means nullopt: the
// caller loads the file whole to report them.
std::optional<Config> loadInPieces(std::string_view text, const std::string& file_name, const LoadOptions& options,
                                   const Config* previous) {
  auto pieces = readInPieces(text, options, pieceReaders(), previous ? &previous->ipvs : nullptr);
  if (!pieces) return std::nullopt;
  // The services' paths are not in this document: validate() only looks them up to report.
  Context ctx(file_name, options);
  ctx.setDocument(pieces->head);
  Config config;
  config.path = file_name;
  readSections(pieces->head, ctx, config);
  config.ipvs.services = std::move(pieces->services);
  validate(config, ctx);
  if (ctx.failed()) return std::nullopt;
  config.ipvs.service_fingerprints = std::move(pieces->service_fingerprints);
  return config;
}

}  // namespace

LoadResult loadString(std::string_view text, const std::string& file_name, const LoadOptions& options,
                      const Config* previous) {
  if (auto config = loadInPieces(text, file_name, options, previous)) return LoadResult{std::move(config), {}};
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

LoadResult loadFile(const std::string& path, const LoadOptions& options, const Config* previous) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) {
    return LoadResult{std::nullopt, {Diagnostic{path, 1, 1, "(file)", "cannot read: " + std::string(strerror(errno))}}};
  }
  return loadString(text.str(), path, options, previous);
}

}  // namespace vipd::conf

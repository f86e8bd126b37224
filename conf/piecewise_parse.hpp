#pragma once
// Internal to conf/: a large file parsed in pieces. toml++ 3.3 looks up the
// array a `[[a.b]]` header extends by a linear scan over every array of
// tables made so far (parser.inl, table_arrays); each service's first
// `[[ipvs.service.real_server]]` makes a new one, so one parse of N services
// costs O(N^2) (a third of `vipd --check` at 10,000 services). Parsing the
// services in pieces of kServicesPerPiece bounds that scan.
#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace vipd::conf {

inline constexpr std::size_t kServicesPerPiece = 64;

// The document, when its layout allows pieces: everything after the first
// line `[[ipvs.service]]` is services and their sub-tables
// (`[[ipvs.service...` / `[ipvs.service.` headers only), nothing before it
// defines ipvs.service, and every piece parses. Otherwise nullopt: parse it
// whole. Node positions inside the services are relative to their piece, so
// a caller reports diagnostics from a whole parse.
struct PiecewiseParse {
  toml::table root;
  // Per service, in file order: a hash of its text (from its `[[ipvs.service]]`
  // line to the next one). A service reads nothing outside that text, so an
  // equal hash means an equal conf::IpvsService (up to a 64-bit collision).
  std::vector<uint64_t> service_fingerprints;
};
std::optional<PiecewiseParse> parseInPieces(std::string_view text);

}  // namespace vipd::conf

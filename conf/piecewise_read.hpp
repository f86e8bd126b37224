#pragma once
// Internal to conf/: a large file parsed and read in pieces. toml++ 3.3 looks
// up the array a `[[a.b]]` header extends by a linear scan over every array of
// tables made so far (parser.inl, table_arrays); each service's first
// `[[ipvs.service.real_server]]` makes a new one, so one parse of N services
// costs O(N^2) (a third of `vipd --check` at 10,000 services). Parsing the
// services in pieces of kServicesPerPiece bounds that scan; the pieces are
// independent, so threads parse and read them, and each piece's tree is freed
// as soon as its services are read.
#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "conf/config.hpp"
#include "conf/load.hpp"

namespace vipd::conf {

inline constexpr std::size_t kServicesPerPiece = 64;

// Threads that read pieces, the calling one included: one per core, 2..8.
unsigned pieceReaders();

// The document, when its layout allows pieces: everything after the first
// line `[[ipvs.service]]` is services and their sub-tables
// (`[[ipvs.service...` / `[ipvs.service.` headers only), nothing before it
// defines ipvs.service, and every piece parses and reads without a diagnostic.
// Otherwise nullopt: load it whole. Node positions inside the services are
// relative to their piece, so a caller reports diagnostics from a whole load.
struct PiecewiseRead {
  toml::table head;                   // everything before the first `[[ipvs.service]]`; read by the caller
  std::vector<IpvsService> services;  // in file order, as readIpvsService() read them
  // Per service, in file order: a hash of its text (from its `[[ipvs.service]]`
  // line to the next one). A service reads nothing outside that text, so an
  // equal hash means an equal conf::IpvsService (up to a 64-bit collision).
  std::vector<uint64_t> service_fingerprints;
  std::size_t reused = 0;  // services copied from `previous`, not parsed
};
// With `previous` (the config in use, at a reload), a piece whose services all
// have fingerprints `previous` has is not parsed: its services are copied from
// there (their scripts checked on disk again).
std::optional<PiecewiseRead> readInPieces(std::string_view text, const LoadOptions& options,
                                          unsigned readers = pieceReaders(), const Ipvs* previous = nullptr);

}  // namespace vipd::conf

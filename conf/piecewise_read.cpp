#include "conf/piecewise_read.hpp"

#include <algorithm>
#include <atomic>
#include <functional>
#include <future>
#include <iterator>
#include <span>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "conf/script_safety.hpp"
#include "conf/sections.hpp"

namespace vipd::conf {

namespace {

enum class Header { none, service, serviceChild, other };

Header classify(std::string_view line) {
  const auto start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos || line[start] != '[') return Header::none;
  line.remove_prefix(start);
  if (line.starts_with("[[ipvs.service]]")) {
    const auto rest = line.substr(16).find_first_not_of(" \t\r");
    return rest == std::string_view::npos || line[16 + rest] == '#' ? Header::service : Header::other;
  }
  if (line.starts_with("[[ipvs.service.") || line.starts_with("[ipvs.service.")) return Header::serviceChild;
  return Header::other;
}

// Offsets of the `[[ipvs.service]]` lines, or nothing when the layout does not allow pieces.
std::optional<std::vector<std::size_t>> serviceStarts(std::string_view text) {
  std::vector<std::size_t> starts;
  for (std::size_t at = 0; at < text.size();) {
    const auto end = std::min(text.find('\n', at), text.size());
    switch (classify(text.substr(at, end - at))) {
      case Header::service:
        starts.push_back(at);
        break;
      case Header::other:
        if (!starts.empty()) return std::nullopt;  // another table after the services
        break;
      case Header::serviceChild:  // before any service it makes ipvs.service in the head: checked there
      case Header::none:
        break;
    }
    at = end + 1;
  }
  return starts;
}

std::optional<toml::table> parse(std::string_view text) {
  try {
    return toml::parse(text);
  } catch (const toml::parse_error&) {
    return std::nullopt;
  }
}

// The services of one piece (the text from one `[[ipvs.service]]` line to the
// one kServicesPerPiece services later), or nullopt when it does not parse or
// reads with any diagnostic. Its tree is freed on return.
std::optional<std::vector<IpvsService>> readPiece(std::string_view text, const LoadOptions& options) {
  const auto piece = parse(text);
  if (!piece || piece->size() != 1) return std::nullopt;
  const toml::table* ipvs = piece->get_as<toml::table>("ipvs");
  if (!ipvs || ipvs->size() != 1) return std::nullopt;
  const toml::array* tables = ipvs->get_as<toml::array>("service");
  if (!tables || !tables->is_array_of_tables()) return std::nullopt;
  // Paths and positions are the piece's own: they serve no diagnostic but a discarded one.
  Context ctx("", options);
  ctx.setDocument(*piece);
  std::vector<IpvsService> services;
  services.reserve(tables->size());
  for (std::size_t i = 0; i < tables->size(); ++i) {
    services.push_back(readIpvsService(*tables->get(i)->as_table(), "ipvs.service[" + std::to_string(i) + "]", ctx));
  }
  if (ctx.failed()) return std::nullopt;
  return services;
}

using KnownServices = std::unordered_map<uint64_t, const IpvsService*>;  // by fingerprint

KnownServices knownServices(const Ipvs* previous) {
  KnownServices known;
  if (!previous || previous->service_fingerprints.size() != previous->services.size()) return known;
  for (std::size_t i = 0; i < previous->services.size(); ++i)
    known.emplace(previous->service_fingerprints[i], &previous->services[i]);
  return known;
}

// The services with these fingerprints as they were read before, when every
// one is known and its scripts still pass the on-disk checks (the only part of
// reading a service that looks beyond its text).
std::optional<std::vector<IpvsService>> copyKnown(std::span<const uint64_t> fingerprints, const KnownServices& known,
                                                  const LoadOptions& options) {
  std::vector<IpvsService> services;
  services.reserve(fingerprints.size());
  for (uint64_t fingerprint : fingerprints) {
    auto found = known.find(fingerprint);
    if (found == known.end()) return std::nullopt;
    for (const HealthCheck& check : found->second->checks) {
      if (check.type == CheckType::script && scriptPathProblem(check.command.front(), options.check_files))
        return std::nullopt;
    }
    services.push_back(*found->second);
  }
  return services;
}

}  // namespace

unsigned pieceReaders() { return std::clamp(std::thread::hardware_concurrency(), 2u, 8u); }

std::optional<PiecewiseRead> readInPieces(std::string_view text, const LoadOptions& options, unsigned readers,
                                          const Ipvs* previous) {
  const auto starts = serviceStarts(text);
  if (!starts || starts->size() <= kServicesPerPiece) return std::nullopt;
  auto head = parse(text.substr(0, starts->front()));
  if (!head) return std::nullopt;
  // Whole, the file would fail here: let the whole load say why.
  if (const toml::node* ipvs = head->get("ipvs")) {
    if (!ipvs->is_table() || ipvs->as_table()->is_inline() || ipvs->as_table()->contains("service"))
      return std::nullopt;
  }
  auto serviceText = [&](std::size_t first, std::size_t end) {
    const std::size_t from = (*starts)[first];
    return text.substr(from, (end < starts->size() ? (*starts)[end] : text.size()) - from);
  };
  const std::size_t count = (starts->size() + kServicesPerPiece - 1) / kServicesPerPiece;
  std::vector<std::optional<std::vector<IpvsService>>> pieces(count);
  std::vector<uint64_t> fingerprints(starts->size());
  const KnownServices known = knownServices(previous);
  std::atomic<std::size_t> reused = 0;
  std::atomic<bool> failed = false;  // one piece failing makes the others' work useless
  // Each reader reads a contiguous range of pieces and writes only their slots.
  auto readPieces = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end && !failed; ++i) {
      const std::size_t first = i * kServicesPerPiece, last = std::min(first + kServicesPerPiece, starts->size());
      for (std::size_t s = first; s < last; ++s) fingerprints[s] = std::hash<std::string_view>{}(serviceText(s, s + 1));
      if (!known.empty()) pieces[i] = copyKnown(std::span(fingerprints).subspan(first, last - first), known, options);
      if (pieces[i])
        reused += last - first;
      else
        pieces[i] = readPiece(serviceText(first, last), options);
      if (!pieces[i]) failed = true;
    }
  };
  const std::size_t threads = std::clamp<std::size_t>(readers, 1, count);
  auto readShare = [&](std::size_t t) { readPieces(count * t / threads, count * (t + 1) / threads); };
  std::vector<std::future<void>> others;
  std::vector<std::size_t> left_here;  // shares no thread could be started for (EAGAIN: a thread limit)
  for (std::size_t t = 1; t < threads; ++t) {
    try {
      others.push_back(std::async(std::launch::async, readShare, t));
    } catch (const std::system_error&) {
      left_here.push_back(t);
    }
  }
  readShare(0);
  for (std::size_t t : left_here) readShare(t);
  for (auto& other : others) other.get();
  if (failed) return std::nullopt;

  PiecewiseRead read{std::move(*head), {}, std::move(fingerprints), reused};
  read.services.reserve(starts->size());
  for (auto& piece : pieces) std::move(piece->begin(), piece->end(), std::back_inserter(read.services));
  return read;
}

}  // namespace vipd::conf

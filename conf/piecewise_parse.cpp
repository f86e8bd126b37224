#include "conf/piecewise_parse.hpp"

#include <functional>
#include <future>
#include <vector>

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

}  // namespace

std::optional<PiecewiseParse> parseInPieces(std::string_view text) {
  const auto starts = serviceStarts(text);
  if (!starts || starts->size() <= kServicesPerPiece) return std::nullopt;
  auto root = parse(text.substr(0, starts->front()));
  if (!root) return std::nullopt;
  if (!root->contains("ipvs")) root->insert("ipvs", toml::table{});
  toml::table* ipvs = root->get_as<toml::table>("ipvs");
  // Whole, the file would fail here: let the whole parse say why.
  if (!ipvs || ipvs->is_inline() || ipvs->contains("service")) return std::nullopt;
  toml::array services;
  std::vector<uint64_t> fingerprints;
  fingerprints.reserve(starts->size());
  for (std::size_t i = 0; i < starts->size(); ++i) {
    const std::size_t to = i + 1 < starts->size() ? (*starts)[i + 1] : text.size();
    fingerprints.push_back(std::hash<std::string_view>{}(text.substr((*starts)[i], to - (*starts)[i])));
  }
  // The pieces are independent: a second thread parses the later half (a
  // director has two cores or more; the parse is most of a large load).
  const std::size_t count = (starts->size() + kServicesPerPiece - 1) / kServicesPerPiece;
  std::vector<std::optional<toml::table>> pieces(count);
  auto parsePieces = [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const std::size_t first = i * kServicesPerPiece;
      const std::size_t to = i + 1 < count ? (*starts)[first + kServicesPerPiece] : text.size();
      pieces[i] = parse(text.substr((*starts)[first], to - (*starts)[first]));
    }
  };
  auto later_half = std::async(std::launch::async, parsePieces, count / 2, count);
  parsePieces(0, count / 2);
  later_half.get();
  for (auto& piece : pieces) {
    if (!piece || piece->size() != 1) return std::nullopt;
    toml::table* piece_ipvs = piece->get_as<toml::table>("ipvs");
    if (!piece_ipvs || piece_ipvs->size() != 1) return std::nullopt;
    toml::array* piece_services = piece_ipvs->get_as<toml::array>("service");
    if (!piece_services || !piece_services->is_array_of_tables()) return std::nullopt;
    for (auto& service : *piece_services) services.push_back(std::move(*service.as_table()));
  }
  ipvs->insert("service", std::move(services));
  return PiecewiseParse{std::move(*root), std::move(fingerprints)};
}

}  // namespace vipd::conf

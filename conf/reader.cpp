#include "conf/reader.hpp"

#include <algorithm>

namespace vipd::conf {

Location locationOf(const toml::node& node) {
  const auto& begin = node.source().begin;
  return Location{static_cast<int>(std::max(begin.line, 1u)), static_cast<int>(std::max(begin.column, 1u))};
}

std::string typeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

const toml::node* Context::walk(std::string_view path, const toml::node** nearest) const {
  const toml::node* at = root_;
  if (nearest) *nearest = at;
  std::size_t i = 0;
  while (at && i < path.size()) {
    if (path[i] == '[') {
      const std::size_t close = path.find(']', i);
      if (close == std::string_view::npos) return nullptr;
      std::size_t index = 0;
      for (std::size_t k = i + 1; k < close; ++k) index = index * 10 + static_cast<std::size_t>(path[k] - '0');
      const toml::array* array = at->as_array();
      at = array ? array->get(index) : nullptr;
      i = close + 1;
    } else {
      if (path[i] == '.') ++i;
      const std::size_t end = std::min(path.find_first_of(".[", i), path.size());
      const toml::table* table = at->as_table();
      at = table ? table->get(path.substr(i, end - i)) : nullptr;
      i = end;
    }
    if (at && nearest) *nearest = at;
  }
  return at;
}

Location Context::locate(std::string_view path) const {
  const toml::node* nearest = nullptr;
  walk(path, &nearest);
  return nearest ? locationOf(*nearest) : Location{};
}

void Context::error(const std::string& path, Location at, std::string message) {
  diagnostics_.push_back(Diagnostic{file_, at.line, at.column, path, std::move(message)});
}

std::vector<Diagnostic> Context::takeDiagnostics() {
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  return std::move(diagnostics_);
}

TableReader::TableReader(const toml::table& table, std::string path, Context& ctx)
    : table_(table), path_(std::move(path)), ctx_(ctx) {}

TableReader::~TableReader() {
  for (const auto& [key, value] : table_) {
    if (std::find(used_.begin(), used_.end(), &value) != used_.end()) continue;
    std::string path = pathOf(key.str());
    const auto& begin = key.source().begin;
    Location at =
        begin.line ? Location{static_cast<int>(begin.line), static_cast<int>(begin.column)} : locationOf(value);
    ctx_.error(path, at, value.is_table() ? "unknown table" : "unknown key");
  }
}

std::string TableReader::pathOf(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void TableReader::error(std::string_view key, std::string message) { ctx_.errorAt(pathOf(key), std::move(message)); }

void TableReader::missing(std::string_view key) {
  ctx_.error(pathOf(key), locationOf(table_), "missing required key '" + std::string(key) + "'");
}

const toml::node* TableReader::node(std::string_view key, bool required) {
  const toml::node* found = table_.get(key);
  if (!found) {
    if (required) missing(key);
    return nullptr;
  }
  used_.push_back(found);
  return found;
}

std::optional<std::string> TableReader::string(std::string_view key, bool required) {
  const toml::node* found = node(key, required);
  if (!found) return std::nullopt;
  if (auto value = found->value<std::string>(); value && found->is_string()) return value;
  error(key, "expected a string, got " + typeName(*found));
  return std::nullopt;
}

std::optional<std::string> TableReader::nonEmptyString(std::string_view key, bool required) {
  auto value = string(key, required);
  if (value && value->empty()) {
    error(key, "must not be empty");
    return std::nullopt;
  }
  return value;
}

std::optional<bool> TableReader::boolean(std::string_view key) {
  const toml::node* found = node(key);
  if (!found) return std::nullopt;
  if (found->is_boolean()) return found->value<bool>();
  error(key, "expected a boolean, got " + typeName(*found));
  return std::nullopt;
}

std::optional<int64_t> TableReader::integer(std::string_view key, int64_t min, int64_t max, bool required) {
  const toml::node* found = node(key, required);
  if (!found) return std::nullopt;
  if (!found->is_integer()) {
    error(key, "expected an integer, got " + typeName(*found));
    return std::nullopt;
  }
  int64_t value = *found->value<int64_t>();
  if (value < min || value > max) {
    error(key, "must be in " + std::to_string(min) + ".." + std::to_string(max) + ", got " + std::to_string(value));
    return std::nullopt;
  }
  return value;
}

std::optional<Duration> TableReader::duration(std::string_view key) {
  return parsed<Duration>(key, &parseDuration, "duration (like \"10ms\", \"1.5s\", \"2m\")");
}

std::optional<uint64_t> TableReader::size(std::string_view key) {
  return parsed<uint64_t>(key, &parseSize, "size (like \"512MiB\", \"2GiB\")");
}

std::optional<std::vector<std::string>> TableReader::strings(std::string_view key, bool required) {
  const toml::node* found = node(key, required);
  if (!found) return std::nullopt;
  const toml::array* array = found->as_array();
  if (!array) {
    error(key, "expected an array of strings, got " + typeName(*found));
    return std::nullopt;
  }
  std::vector<std::string> values;
  bool ok = true;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    if (element.is_string()) {
      values.push_back(*element.value<std::string>());
    } else {
      ctx_.error(pathOf(key) + "[" + std::to_string(i) + "]", locationOf(element),
                 "expected a string, got " + typeName(element));
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return values;
}

std::optional<std::string> TableReader::choice(std::string_view key, std::initializer_list<std::string_view> choices) {
  auto value = string(key);
  if (!value) return std::nullopt;
  if (std::find(choices.begin(), choices.end(), *value) != choices.end()) return value;
  std::string list;
  for (auto word : choices) list += (list.empty() ? "" : " | ") + std::string(word);
  error(key, "unknown value '" + *value + "' (expected " + list + ")");
  return std::nullopt;
}

const toml::table* TableReader::table(std::string_view key) {
  const toml::node* found = node(key);
  if (!found) return nullptr;
  if (const toml::table* t = found->as_table()) return t;
  error(key, "expected a table, got " + typeName(*found));
  return nullptr;
}

std::vector<std::pair<const toml::table*, std::string>> TableReader::tables(std::string_view key, bool allow_single) {
  std::vector<std::pair<const toml::table*, std::string>> result;
  const toml::node* found = node(key);
  if (!found) return result;
  if (const toml::table* single = found->as_table(); single && allow_single) {
    result.emplace_back(single, pathOf(key));
    return result;
  }
  const toml::array* array = found->as_array();
  if (!array) {
    error(key, "expected an array of tables ([[" + pathOf(key) + "]]), got " + typeName(*found));
    return result;
  }
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    std::string at = pathOf(key) + "[" + std::to_string(i) + "]";
    if (const toml::table* t = element.as_table()) {
      result.emplace_back(t, at);
    } else {
      ctx_.error(at, locationOf(element), "expected a table, got " + typeName(element));
    }
  }
  return result;
}

}  // namespace vipd::conf

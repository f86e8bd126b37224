#pragma once
// Internal to conf/: walks toml++ tables, tracks key paths, records where each
// key sits in the file and collects diagnostics. Nothing outside conf/ includes it.
#include <toml++/toml.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/duration.hpp"
#include "conf/load.hpp"

namespace vipd::conf {

struct Location {
  int line = 1;
  int column = 1;
};

Location locationOf(const toml::node& node);
std::string typeName(const toml::node& node);

// Everything learned while reading one file: the parsed document (where a
// key path is, found on demand when a diagnostic needs it) and the diagnostics.
class Context {
 public:
  Context(std::string file, LoadOptions options) : file_(std::move(file)), options_(options) {}

  const LoadOptions& options() const { return options_; }
  void setDocument(const toml::table& root) { root_ = &root; }
  // Whether the document has a node at path ("ipvs.service[2].name").
  bool seen(std::string_view path) const { return walk(path, nullptr) != nullptr; }
  // Where path is, or else its nearest existing ancestor (a defaulted key is reported at its table).
  Location locate(std::string_view path) const;

  void error(const std::string& path, Location at, std::string message);
  void errorAt(const std::string& path, std::string message) { error(path, locate(path), std::move(message)); }
  // Sorted by position in the file.
  std::vector<Diagnostic> takeDiagnostics();
  bool failed() const { return !diagnostics_.empty(); }

 private:
  // The node at path, or nullptr; `nearest` gets the deepest node found on the way.
  const toml::node* walk(std::string_view path, const toml::node** nearest) const;

  std::string file_;
  LoadOptions options_;
  const toml::table* root_ = nullptr;
  std::vector<Diagnostic> diagnostics_;
};

// Reads the keys of one table. Every key looked up is marked used; the keys
// never looked up are reported as unknown when the reader goes out of scope.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string path, Context& ctx);
  ~TableReader();
  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;

  const std::string& path() const { return path_; }
  std::string pathOf(std::string_view key) const;
  Context& context() { return ctx_; }
  bool has(std::string_view key) const { return table_.contains(key); }

  void error(std::string_view key, std::string message);  // at the key's value
  void missing(std::string_view key);                     // at this table

  // Each returns nullopt when the key is absent or invalid (already reported).
  const toml::node* node(std::string_view key, bool required = false);
  std::optional<std::string> string(std::string_view key, bool required = false);
  std::optional<std::string> nonEmptyString(std::string_view key, bool required = false);
  std::optional<bool> boolean(std::string_view key);
  std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max, bool required = false);
  std::optional<Duration> duration(std::string_view key);
  std::optional<uint64_t> size(std::string_view key);
  std::optional<std::vector<std::string>> strings(std::string_view key, bool required = false);
  // One of the words in `choices`.
  std::optional<std::string> choice(std::string_view key, std::initializer_list<std::string_view> choices);

  // A string parsed by `parse`; `what` names the expected form in the message.
  template <class T>
  std::optional<T> parsed(std::string_view key, std::optional<T> (*parse)(std::string_view), std::string_view what,
                          bool required = false) {
    auto text = string(key, required);
    if (!text) return std::nullopt;
    auto value = parse(*text);
    if (!value) error(key, "malformed " + std::string(what) + " '" + *text + "'");
    return value;
  }
  // An array of strings each parsed by `parse`; invalid elements are reported and left out.
  template <class T>
  std::optional<std::vector<T>> parsedList(std::string_view key, std::optional<T> (*parse)(std::string_view),
                                           std::string_view what, bool required = false) {
    auto texts = strings(key, required);
    if (!texts) return std::nullopt;
    std::vector<T> values;
    for (std::size_t i = 0; i < texts->size(); ++i) {
      if (auto value = parse((*texts)[i])) {
        values.push_back(*value);
      } else {
        std::string at = pathOf(key) + "[" + std::to_string(i) + "]";
        ctx_.errorAt(at, "malformed " + std::string(what) + " '" + (*texts)[i] + "'");
      }
    }
    return values;
  }

  const toml::table* table(std::string_view key);
  // An array of tables (or, when allow_single, also one table), each with its key path.
  std::vector<std::pair<const toml::table*, std::string>> tables(std::string_view key, bool allow_single = false);

 private:
  const toml::table& table_;
  std::string path_;
  Context& ctx_;
  std::vector<const toml::node*> used_;  // the values looked up: any other key is unknown
};

template <class T, class U>
void assign(T& out, std::optional<U> value) {
  if (value) out = std::move(*value);
}

}  // namespace vipd::conf

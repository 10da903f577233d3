#pragma once
// A YAML document as a plain tree with source positions: yaml-cpp stays inside yaml_tree.cpp.
// Reading enforces the limits that keep hostile files harmless: file size, NUL bytes, nesting
// depth, duplicate keys, and a node budget that stops alias bombs (aliases are expanded here).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace gpurun::core {

struct YamlEntry;

struct YamlNode {
  enum class Kind { null, scalar, sequence, mapping };
  Kind kind = Kind::null;
  std::string scalar;    // for scalars: the text as written (without quotes)
  bool quoted = false;   // scalar written with quotes (its text starts one column later)
  std::vector<YamlNode> items;                        // sequence items
  std::vector<YamlEntry> entries;                     // mapping entries, in file order
  SourcePos pos;

  bool is_null() const { return kind == Kind::null; }
  bool is_scalar() const { return kind == Kind::scalar; }
  bool is_sequence() const { return kind == Kind::sequence; }
  bool is_mapping() const { return kind == Kind::mapping; }
  // "a string", "a list", "a mapping", "null": for "expected X, got Y" messages.
  std::string describe() const;
};

// One `key: value` of a mapping. A struct rather than std::pair: clang refuses a vector of pairs
// of the type still being declared (libstdc++ checks that pair's members are complete).
struct YamlEntry {
  YamlNode first;  // the key
  YamlNode second; // the value
};

struct YamlFile {
  std::vector<YamlNode> documents;
  std::vector<std::string> lines; // the source, for caret displays
  std::vector<Diagnostic> diagnostics;

  std::string line(int number) const; // 1-based; empty when out of range
  Diagnostic diagnostic(const SourcePos& pos, std::string message) const;
};

inline constexpr size_t k_max_yaml_bytes = 64u << 20; // 64 MiB
// About 140 bytes a node: the budget bounds a hostile file to ~140 MB, while a 10,000-function
// manifest needs about a third of it.
inline constexpr size_t k_max_yaml_nodes = 1'000'000;

// Parses `text`, labelled `path` in positions. Problems become diagnostics; never throws.
YamlFile parse_yaml(std::string_view text, const std::string& path);
// Reads and parses a file; an unreadable, oversized or binary file becomes a diagnostic.
YamlFile read_yaml_file(const std::string& path);

} // namespace gpurun::core

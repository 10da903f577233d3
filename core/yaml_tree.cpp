#include "core/yaml_tree.hpp"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

#include "core/utf8.hpp"

namespace gpurun::core {
namespace {

// Past this depth a document is rejected; yaml-cpp's own parser guard sits at 2000.
constexpr int k_max_depth = 64;

std::string too_large_message() {
  return "document too large: more than " + std::to_string(k_max_yaml_nodes) + " nodes once aliases are expanded";
}

struct Converter {
  const std::string& path;
  YamlFile& file;
  size_t nodes = 0;
  bool budget_reported = false;

  SourcePos pos_of(const YAML::Node& node) const {
    YAML::Mark mark = node.Mark();
    return {path, mark.line + 1, mark.column + 1};
  }

  bool convert(const YAML::Node& in, YamlNode& out, int depth) {
    out.pos = pos_of(in);
    if (++nodes > k_max_yaml_nodes) { // StreamCheck refuses such files first; kept as the tree's own bound
      if (!budget_reported)
        file.diagnostics.push_back(file.diagnostic(out.pos, too_large_message()));
      budget_reported = true;
      return false;
    }
    if (depth > k_max_depth) {
      file.diagnostics.push_back(file.diagnostic(
          out.pos, "nesting deeper than " + std::to_string(k_max_depth) + " levels"));
      return false;
    }
    switch (in.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      out.kind = YamlNode::Kind::null;
      return true;
    case YAML::NodeType::Scalar:
      out.kind = YamlNode::Kind::scalar;
      out.scalar = in.Scalar();
      out.quoted = in.Tag() == "!";
      // Strings end up in JSON (the deployed manifest, --output json), which must be UTF-8.
      if (const size_t bad = invalid_utf8_at(out.scalar); bad != std::string::npos) {
        static constexpr char k_hex[] = "0123456789abcdef";
        const auto byte = static_cast<unsigned char>(out.scalar[bad]);
        file.diagnostics.push_back(file.diagnostic(
            out.pos, std::string("not UTF-8 text: byte 0x") + k_hex[byte >> 4] + k_hex[byte & 15] + " at offset " +
                         std::to_string(bad) + " of this value; YAML files are UTF-8"));
        return false;
      }
      return true;
    case YAML::NodeType::Sequence:
      out.kind = YamlNode::Kind::sequence;
      out.items.reserve(in.size());
      for (const YAML::Node& item : in) {
        out.items.emplace_back();
        if (!convert(item, out.items.back(), depth + 1)) return false;
      }
      return true;
    case YAML::NodeType::Map: {
      out.kind = YamlNode::Kind::mapping;
      std::map<std::string, int> seen; // key -> line of its first appearance
      for (auto it = in.begin(); it != in.end(); ++it) {
        YamlNode key;
        YamlNode value;
        if (!convert(it->first, key, depth + 1) || !convert(it->second, value, depth + 1))
          return false;
        if (key.is_scalar()) {
          auto [first, inserted] = seen.emplace(key.scalar, key.pos.line);
          if (!inserted) {
            file.diagnostics.push_back(file.diagnostic(
                key.pos, "duplicate key '" + key.scalar + "' (first at line " + std::to_string(first->second) + ")"));
            continue;
          }
        }
        out.entries.push_back({std::move(key), std::move(value)});
      }
      return true;
    }
    }
    return true;
  }
};

// A first pass over the stream's events, building nothing, before LoadAll builds the documents.
// - yaml-cpp 0.7's LoadAll never returns on some malformed streams: where a document would start
//   with a token that cannot start one (a lone ','), its parser makes an empty document without
//   consuming the token, again and again, until memory runs out. The pass stops at the first
//   document that does not move on.
// - Aliases can make a small file expand to billions of nodes. The pass counts the nodes the
//   documents have once aliases are expanded without expanding them (an anchored node's size is
//   known at its end; an alias adds that size), so such a file is refused in time linear in its
//   length rather than after a million nodes were built.
class StreamCheck final : public YAML::EventHandler {
public:
  std::optional<YAML::Mark> stuck;     // where parsing stopped making progress
  std::optional<YAML::Mark> too_large; // where the expanded count passed k_max_yaml_nodes

  // Parses every document of `text`; throws YAML::Exception as LoadAll would.
  void run(const std::string& text) {
    std::stringstream stream{text};
    YAML::Parser parser(stream);
    std::optional<int> previous;
    while (parser.HandleNextDocument(*this)) {
      if (too_large) return;
      if (previous && *previous == m_start.pos) {
        stuck = m_start;
        return;
      }
      previous = m_start.pos;
    }
  }

  void OnDocumentStart(const YAML::Mark& mark) override { m_start = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override { leaf(mark, anchor); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = m_sizes.find(anchor);
    add(mark, it == m_sizes.end() ? 1 : it->second);
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, const std::string&) override {
    leaf(mark, anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor, YAML::EmitterStyle::value) override {
    open(mark, anchor);
  }
  void OnMapEnd() override { close(); }

private:
  struct Open {
    YAML::anchor_t anchor;
    size_t count_before;
  };

  // Counts n nodes, saturating just past the limit (nested aliases multiply past any integer).
  void add(const YAML::Mark& mark, size_t n) {
    m_count = n > k_max_yaml_nodes - std::min(m_count, k_max_yaml_nodes) ? k_max_yaml_nodes + 1 : m_count + n;
    if (m_count > k_max_yaml_nodes && !too_large) too_large = mark;
  }
  void leaf(const YAML::Mark& mark, YAML::anchor_t anchor) {
    add(mark, 1);
    if (anchor != YAML::NullAnchor) m_sizes[anchor] = 1;
  }
  void open(const YAML::Mark& mark, YAML::anchor_t anchor) {
    m_open.push_back({anchor, m_count});
    add(mark, 1);
  }
  void close() {
    const Open node = m_open.back();
    m_open.pop_back();
    if (node.anchor != YAML::NullAnchor) m_sizes[node.anchor] = m_count - node.count_before;
  }

  YAML::Mark m_start;
  size_t m_count = 0; // nodes so far, aliases expanded, over every document
  std::vector<Open> m_open;
  std::map<YAML::anchor_t, size_t> m_sizes; // expanded size of each anchored node
};

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(start, end - start));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    start = end + 1;
  }
  return lines;
}

} // namespace

std::string YamlNode::describe() const {
  switch (kind) {
  case Kind::null: return "nothing (null)";
  case Kind::scalar: return "'" + (scalar.size() > 40 ? scalar.substr(0, 40) + "..." : scalar) + "'";
  case Kind::sequence: return "a list";
  case Kind::mapping: return "a mapping";
  }
  return "a value";
}

std::string YamlFile::line(int number) const {
  if (number < 1 || static_cast<size_t>(number) > lines.size()) return {};
  return lines[static_cast<size_t>(number) - 1];
}

Diagnostic YamlFile::diagnostic(const SourcePos& pos, std::string message) const {
  return {pos, std::move(message), line(pos.line)};
}

YamlFile parse_yaml(std::string_view text, const std::string& path) {
  YamlFile file;
  if (text.size() > k_max_yaml_bytes) {
    file.diagnostics.push_back({{path, 0, 0},
                                "file too large: " + std::to_string(text.size()) +
                                    " bytes (the limit is " + std::to_string(k_max_yaml_bytes) +
                                    ")",
                                ""});
    return file;
  }
  if (size_t nul = text.find('\0'); nul != std::string_view::npos) {
    file.diagnostics.push_back(
        {{path, 0, 0}, "not a text file: NUL byte at offset " + std::to_string(nul), ""});
    return file;
  }
  file.lines = split_lines(text);
  std::vector<YAML::Node> docs;
  try {
    const std::string copy(text);
    StreamCheck check;
    check.run(copy);
    if (check.too_large) {
      const YAML::Mark& at = *check.too_large;
      file.diagnostics.push_back(file.diagnostic({path, at.line + 1, at.column + 1}, too_large_message()));
      return file;
    }
    if (check.stuck) {
      const YAML::Mark& at = *check.stuck;
      const char c = at.pos >= 0 && static_cast<size_t>(at.pos) < copy.size() ? copy[static_cast<size_t>(at.pos)] : '\0';
      const std::string what = c > ' ' && c < 0x7f ? std::string("'") + c + "'" : std::string("this");
      file.diagnostics.push_back(file.diagnostic({path, at.line + 1, at.column + 1}, "invalid YAML: a document cannot start with " + what));
      return file;
    }
    std::stringstream stream{copy};
    docs = YAML::LoadAll(stream);
  } catch (const YAML::Exception& e) {
    SourcePos pos{path, e.mark.is_null() ? 0 : e.mark.line + 1,
                  e.mark.is_null() ? 0 : e.mark.column + 1};
    std::string message = e.msg;
    if (dynamic_cast<const YAML::DeepRecursion*>(&e) != nullptr)
      message = "nesting too deep";
    file.diagnostics.push_back(file.diagnostic(pos, "invalid YAML: " + message));
    return file;
  }
  Converter converter{path, file};
  for (const YAML::Node& doc : docs) {
    file.documents.emplace_back();
    if (!converter.convert(doc, file.documents.back(), 0)) {
      file.documents.clear(); // a partial tree would only add misleading errors
      break;
    }
  }
  return file;
}

YamlFile read_yaml_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    YamlFile file;
    file.diagnostics.push_back({{path, 0, 0}, "cannot read: is a directory", ""});
    return file;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    YamlFile file;
    file.diagnostics.push_back({{path, 0, 0}, std::string("cannot read: ") + std::strerror(errno), ""});
    return file;
  }
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size < 0 || static_cast<size_t>(size) > k_max_yaml_bytes) {
    YamlFile file;
    file.diagnostics.push_back({{path, 0, 0},
                                size < 0 ? "cannot read: not a regular file"
                                         : "file too large: " + std::to_string(size) +
                                               " bytes (the limit is " +
                                               std::to_string(k_max_yaml_bytes) + ")",
                                ""});
    return file;
  }
  std::string text(static_cast<size_t>(size), '\0');
  in.read(text.data(), size);
  return parse_yaml(text, path);
}

} // namespace gpurun::core

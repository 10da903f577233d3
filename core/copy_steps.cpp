#include "core/copy_steps.hpp"

#include "core/sha256.hpp"

namespace gpurun::core {
namespace {

const std::vector<std::string> k_file_keys = {"path", "mode", "sha256", "size"};
// A file's size, bounded only so that it fits the JSON number every client can hold exactly.
constexpr long long k_max_file_size = (1LL << 53) - 1;

std::optional<CopyFile> load_file(SchemaWalker& walk, const YamlNode& item, const std::string& what) {
  CopyFile file;
  int seen = 0;
  bool ok = true;
  walk.for_each_key(item, "each item of " + what, k_file_keys, [&](const std::string& key, const YamlNode& value) {
    ++seen;
    const std::string field = what + "." + key;
    if (key == "path") {
      auto s = walk.string(value, field);
      if (!s) ok = false;
      else if (std::string why = *s == "." ? "" : copy_path_error(*s); !why.empty()) {
        walk.error(value.pos, field + " " + why);
        ok = false;
      } else file.path = *s;
    } else if (key == "mode") {
      auto s = walk.string(value, field);
      if (s && (*s == "0644" || *s == "0755")) file.executable = *s == "0755";
      else {
        if (s) walk.error(value.pos, field + " must be 0644 or 0755 (only the executable bit is kept), got '" + *s + "'");
        ok = false;
      }
    } else if (key == "sha256") {
      auto s = walk.string(value, field);
      if (s && is_sha256_hex(*s)) file.sha256 = *s;
      else {
        if (s) walk.error(value.pos, field + " must be 64 lower-case hex digits");
        ok = false;
      }
    } else if (auto n = walk.integer(value, field, 0, k_max_file_size)) {
      file.size = static_cast<std::uint64_t>(*n);
    } else {
      ok = false;
    }
  });
  if (!item.is_mapping()) return std::nullopt;
  if (seen < 4) {
    walk.error(item.pos, "each item of " + what + " needs path, mode, sha256 and size");
    return std::nullopt;
  }
  return ok ? std::optional(file) : std::nullopt;
}

// The files of one step: sorted by path in byte order without repeats (so that one set of files
// has one JSON form, and one version), "." only alone.
std::optional<std::vector<CopyFile>> load_files(SchemaWalker& walk, const YamlNode& node, const std::string& what) {
  if (!node.is_sequence()) {
    walk.error(node.pos, what + " must be a list of {path, mode, sha256, size}, got " + node.describe());
    return std::nullopt;
  }
  std::vector<CopyFile> files;
  bool ok = true;
  for (const YamlNode& item : node.items) {
    std::optional<CopyFile> file = load_file(walk, item, what);
    if (!file) {
      ok = false;
      continue;
    }
    if (file->path == "." && node.items.size() > 1) {
      walk.error(item.pos, what + ": path '.' (the source is a file) must be the only item");
      ok = false;
    } else if (!files.empty() && file->path <= files.back().path) {
      walk.error(item.pos, what + " must be sorted by path without repeats; '" + file->path + "' comes after '" +
                               files.back().path + "'");
      ok = false;
    }
    files.push_back(std::move(*file));
  }
  return ok ? std::optional(std::move(files)) : std::nullopt;
}

// JSON, and so a deployed manifest, holds only UTF-8 text (RFC 3629: no overlong forms, no
// surrogates).
bool is_utf8(std::string_view text) {
  auto at = [&](size_t i) { return i < text.size() ? static_cast<unsigned char>(text[i]) : 0; };
  for (size_t i = 0; i < text.size();) {
    const unsigned c = at(i);
    unsigned low = 0x80, high = 0xbf; // the range of the second byte
    size_t extra = 0;
    if (c < 0x80) extra = 0;
    else if (c >= 0xc2 && c <= 0xdf) extra = 1;
    else if (c >= 0xe0 && c <= 0xef) extra = 2, low = c == 0xe0 ? 0xa0 : 0x80, high = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4) extra = 3, low = c == 0xf0 ? 0x90 : 0x80, high = c == 0xf4 ? 0x8f : 0xbf;
    else return false;
    for (size_t k = 1; k <= extra; ++k) {
      const unsigned next = at(i + k);
      if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xbf)) return false;
    }
    i += extra + 1;
  }
  return true;
}

} // namespace

std::string copy_path_error(std::string_view path) {
  if (path.empty()) return "is empty";
  if (path.size() > k_max_copy_path) return "is longer than " + std::to_string(k_max_copy_path) + " bytes";
  if (path.find('\0') != std::string_view::npos) return "contains a NUL byte";
  if (!is_utf8(path)) return "is not valid UTF-8";
  if (path.front() == '/') return "must be relative";
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part.empty()) return "has an empty component";
    if (part == "." || part == "..") return "must not contain '" + std::string(part) + "'";
    if (part.size() > k_max_copy_component)
      return "has a component longer than " + std::to_string(k_max_copy_component) + " bytes";
    start = end + 1;
  }
  return "";
}

std::string copy_src_error(std::string_view src) {
  if (src.find('\0') != std::string_view::npos) return "src must not contain a NUL byte";
  if (src.size() > k_max_copy_path) return "src is longer than " + std::to_string(k_max_copy_path) + " bytes";
  if ((!src.empty() && src.front() == '/') || src.find("..") != std::string_view::npos)
    return "src must be a relative path inside the manifest's folder";
  return "";
}

void load_copy_steps(SchemaWalker& walk, const YamlNode& node, const std::string& what, std::vector<CopyStep>& out) {
  if (!node.is_sequence()) {
    walk.error(node.pos, what + " must be a list of {src, dst}, got " + node.describe());
    return;
  }
  for (const YamlNode& item : node.items) {
    CopyStep step;
    bool files_ok = true;
    walk.for_each_key(item, "each item of " + what, {"src", "dst", "files"}, [&](const std::string& key, const YamlNode& value) {
      if (key == "files") {
        step.files = load_files(walk, value, what + ".files");
        files_ok = step.files.has_value();
      } else if (auto s = walk.string(value, what + "." + key)) {
        (key == "src" ? step.src : step.dst) = *s;
      }
    });
    if (!item.is_mapping() || !files_ok) continue;
    if (step.src.empty() || step.dst.empty()) walk.error(item.pos, "each item of " + what + " needs both src and dst");
    else if (step.dst.front() != '/' || step.dst.find_first_of(std::string_view("\n\0", 2)) != std::string::npos)
      walk.error(item.pos, what + ": dst must be an absolute path");
    else if (std::string why = copy_src_error(step.src); !why.empty()) walk.error(item.pos, what + ": " + why);
    else out.push_back(std::move(step));
  }
}

} // namespace gpurun::core

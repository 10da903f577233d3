#include "server/slurm/gres.hpp"

#include <charconv>

namespace gpurun::server::slurm {
namespace {

bool parse_int(std::string_view text, int& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && out >= 0;
}

// Splits on commas that are not inside parentheses: "gpu:a(IDX:0,2),gpu:b:1" has two entries.
std::vector<std::string_view> split_top_level(std::string_view text) {
  std::vector<std::string_view> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '(') ++depth;
    if (text[i] == ')' && depth > 0) --depth;
    if (text[i] == ',' && depth == 0) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.push_back(text.substr(start));
  return parts;
}

} // namespace

std::vector<int> parse_index_list(std::string_view text) {
  std::vector<int> out;
  if (text == "N/A") return out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string_view part = text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    int first = 0;
    int last = 0;
    if (size_t dash = part.find('-'); dash != std::string_view::npos) {
      if (!parse_int(part.substr(0, dash), first) || !parse_int(part.substr(dash + 1), last) || last < first ||
          last - first > 4096)
        return {};
    } else {
      if (!parse_int(part, first)) return {};
      last = first;
    }
    for (int i = first; i <= last; ++i) out.push_back(i);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string format_index_list(const std::vector<int>& indices) {
  std::string out;
  for (size_t i = 0; i < indices.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(indices[i]);
  }
  return out;
}

std::vector<GresEntry> parse_gres(std::string_view text) {
  std::vector<GresEntry> out;
  if (text.empty() || text == "(null)" || text == "N/A") return out;
  for (std::string_view item : split_top_level(text)) {
    // Strip the "(...)" suffix: "(IDX:0-1)" carries indices, "(S:0-1)" socket affinity.
    std::vector<int> indices;
    if (size_t paren = item.find('('); paren != std::string_view::npos) {
      std::string_view inner = item.substr(paren + 1);
      if (!inner.empty() && inner.back() == ')') inner.remove_suffix(1);
      if (inner.starts_with("IDX:")) indices = parse_index_list(inner.substr(4));
      item = item.substr(0, paren);
    }
    // name[:type]:count; the count may be missing in configurations ("gpu:h100" means 1).
    std::vector<std::string_view> fields;
    size_t start = 0;
    for (size_t colon; (colon = item.find(':', start)) != std::string_view::npos; start = colon + 1)
      fields.push_back(item.substr(start, colon - start));
    fields.push_back(item.substr(start));
    if (fields.empty() || fields[0] != "gpu") continue;
    GresEntry entry;
    entry.indices = std::move(indices);
    if (fields.size() == 1) {
      entry.count = 1;
    } else if (fields.size() == 2) {
      if (!parse_int(fields[1], entry.count)) {
        entry.type = std::string(fields[1]);
        entry.count = 1;
      }
    } else if (fields.size() == 3) {
      entry.type = std::string(fields[1]);
      if (!parse_int(fields[2], entry.count)) continue;
    } else {
      continue;
    }
    out.push_back(std::move(entry));
  }
  return out;
}

} // namespace gpurun::server::slurm

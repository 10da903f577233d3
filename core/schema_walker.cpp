#include "core/schema_walker.hpp"

#include <cctype>
#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "gpu_spec/spellcheck.hpp"

namespace gpurun::core {

void SchemaWalker::error(const SourcePos& pos, std::string message) {
  ++m_errors;
  m_file.diagnostics.push_back(m_file.diagnostic(pos, std::move(message)));
}

bool SchemaWalker::expect_mapping(const YamlNode& node, const std::string& what) {
  if (node.is_mapping()) return true;
  error(node.pos, what + " must be a mapping, got " + node.describe());
  return false;
}

bool SchemaWalker::for_each_key(
    const YamlNode& node, const std::string& where, const std::vector<std::string>& known,
    const std::function<void(const std::string&, const YamlNode&)>& visit) {
  if (!expect_mapping(node, where)) return false;
  for (const auto& [key, value] : node.entries) {
    if (!key.is_scalar()) {
      error(key.pos, "keys in " + where + " must be strings, got " + key.describe());
      continue;
    }
    bool found = false;
    for (const std::string& k : known) found = found || k == key.scalar;
    if (found) {
      visit(key.scalar, value);
      continue;
    }
    std::string message = "unknown key '" + key.scalar + "' in " + where;
    if (auto suggestion = gpu_spec::did_you_mean(key.scalar, known)) message += "; " + *suggestion;
    error(key.pos, message);
  }
  return true;
}

std::optional<std::string> SchemaWalker::string(const YamlNode& node, const std::string& what) {
  if (node.is_scalar()) return node.scalar;
  error(node.pos, what + " must be a string, got " + node.describe());
  return std::nullopt;
}

std::optional<std::vector<std::string>> SchemaWalker::string_list(const YamlNode& node,
                                                                  const std::string& what) {
  if (!node.is_sequence()) {
    error(node.pos, what + " must be a list of strings, got " + node.describe());
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (const YamlNode& item : node.items) {
    if (auto s = string(item, "each item of " + what)) out.push_back(*s);
    else ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::map<std::string, std::string>> SchemaWalker::env_map(const YamlNode& node,
                                                                       const std::string& what) {
  if (!expect_mapping(node, what)) return std::nullopt;
  std::map<std::string, std::string> out;
  bool ok = true;
  for (const auto& [key, value] : node.entries) {
    if (!key.is_scalar() || !is_valid_env_name(key.scalar)) {
      error(key.pos, "'" + key.scalar + "' in " + what +
                         " is not a variable name (letters, digits and '_', not starting with a digit)");
      ok = false;
      continue;
    }
    if (auto s = string(value, what + "." + key.scalar)) out[key.scalar] = *s;
    else ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<long long> SchemaWalker::integer(const YamlNode& node, const std::string& what,
                                               long long low, long long high) {
  long long value = 0;
  const std::string& s = node.scalar;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (!node.is_scalar() || node.quoted || ec != std::errc() || end != s.data() + s.size()) {
    error(node.pos, what + " must be a whole number, got " + node.describe());
    return std::nullopt;
  }
  if (value < low || value > high) {
    error(node.pos, what + " must be between " + std::to_string(low) + " and " +
                        std::to_string(high) + ", got " + s);
    return std::nullopt;
  }
  return value;
}

std::optional<double> SchemaWalker::number(const YamlNode& node, const std::string& what,
                                           double low, double high) {
  double value = 0;
  const std::string& s = node.scalar;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (!node.is_scalar() || node.quoted || ec != std::errc() || end != s.data() + s.size() ||
      !std::isfinite(value)) {
    error(node.pos, what + " must be a number, got " + node.describe());
    return std::nullopt;
  }
  if (value < low || value > high) {
    error(node.pos, fmt::format("{} must be between {:g} and {:g}, got {}", what, low, high, s));
    return std::nullopt;
  }
  return value;
}

SourcePos SchemaWalker::within(const YamlNode& scalar, size_t offset) {
  SourcePos pos = scalar.pos;
  pos.column += static_cast<int>(offset) + (scalar.quoted ? 1 : 0);
  return pos;
}

bool is_valid_name(const std::string& name, bool allow_dot) {
  if (name.empty() || name.size() > 63) return false;
  if (!std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && !(allow_dot && c == '.'))
      return false;
  return true;
}

bool is_valid_env_name(const std::string& name) {
  if (name.empty() || name.size() > 255 || std::isdigit(static_cast<unsigned char>(name[0])))
    return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

bool is_python_version(const std::string& s) {
  size_t dot = s.find('.');
  auto digits = [](std::string_view part) {
    return !part.empty() && part.size() <= 3 && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return dot != std::string::npos && digits(std::string_view(s).substr(0, dot)) && digits(std::string_view(s).substr(dot + 1));
}

bool is_apt_package(const std::string& s) {
  size_t eq = s.find('=');
  std::string_view name = std::string_view(s).substr(0, eq);
  auto name_char = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'; };
  if (name.size() < 2 || !std::isalnum(static_cast<unsigned char>(name[0])) || !std::all_of(name.begin(), name.end(), name_char))
    return false;
  if (eq == std::string::npos) return true;
  std::string_view version = std::string_view(s).substr(eq + 1);
  return !version.empty() && std::all_of(version.begin(), version.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("+-.:~").find(c) != std::string_view::npos;
  });
}

} // namespace gpurun::core

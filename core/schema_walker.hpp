#pragma once
// Reading typed values out of a YamlNode tree while collecting diagnostics: the shared half of
// the manifest and inventory loaders. Each accessor reports what is wrong and returns nullopt.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/yaml_tree.hpp"

namespace gpurun::core {

class SchemaWalker {
public:
  explicit SchemaWalker(YamlFile& file) : m_file(file) {}

  void error(const SourcePos& pos, std::string message);
  bool failed() const { return m_errors > 0; }

  // Calls `visit(key, value)` for each entry of a mapping whose key is in `known`; an unknown
  // key gets "unknown key 'x' in <where>" and a did-you-mean. False when `node` is no mapping.
  bool for_each_key(const YamlNode& node, const std::string& where,
                    const std::vector<std::string>& known,
                    const std::function<void(const std::string&, const YamlNode&)>& visit);

  bool expect_mapping(const YamlNode& node, const std::string& what);
  std::optional<std::string> string(const YamlNode& node, const std::string& what);
  std::optional<std::vector<std::string>> string_list(const YamlNode& node, const std::string& what);
  std::optional<std::map<std::string, std::string>> env_map(const YamlNode& node,
                                                            const std::string& what);
  std::optional<long long> integer(const YamlNode& node, const std::string& what, long long low,
                                   long long high);
  std::optional<double> number(const YamlNode& node, const std::string& what, double low,
                               double high);

  // A position `offset` bytes into a scalar's text, past its opening quote if it has one.
  static SourcePos within(const YamlNode& scalar, size_t offset);

private:
  YamlFile& m_file;
  int m_errors = 0;
};

// A name usable in URLs and environment: letters, digits, '-', '_' (and '.' where allowed).
bool is_valid_name(const std::string& name, bool allow_dot = false);
bool is_valid_env_name(const std::string& name);
// "3.11": the images debian-slim maps to are tagged by major.minor.
bool is_python_version(const std::string& s);
// Debian policy's package name (lower case, digits, + - .), optionally `=version`; anything else
// would reach the shell of an image's apt step.
bool is_apt_package(const std::string& s);

} // namespace gpurun::core

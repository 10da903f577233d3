#pragma once
// Environment files, as `gpurun secret set --from-env-file` reads them: one KEY=VALUE per line,
// `#` comments and blank lines ignored, an optional `export ` before the key, and values that
// may be quoted: '...' is taken as is, "..." understands \n, \t, \", \\ and may span lines.
//
// Diagnostics never quote the file: its lines hold secret values. They point at the line and
// column and name the key where there is one.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace gpurun::core {

struct EnvFileLoad {
  std::map<std::string, std::string> values; // complete only when diagnostics is empty
  std::vector<Diagnostic> diagnostics;       // with no source_line, on purpose
};

EnvFileLoad parse_env_file(std::string_view text, const std::string& path);

} // namespace gpurun::core

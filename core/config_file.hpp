#pragma once
// The user's configuration file: named profiles, each a control plane to talk to (endpoint and
// token file) and a default output format, and which profile applies when none is chosen.
//
//   default_profile: ci
//   profiles:
//     ci:
//       endpoint: https://gpurun.example.com
//       token_file: ~/.config/gpurun/ci.token
//       output: json
//
// It lives at $XDG_CONFIG_HOME/gpurun/config.yaml, else ~/.config/gpurun/config.yaml. A missing
// file is no error: it holds no profiles. Secrets are never written in it, only the path of a
// file that holds the token.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace gpurun::core {

struct Profile {
  std::string name;
  std::string endpoint;   // "http://host:port" without a trailing '/'; "" when not set
  std::string token_file; // absolute ('~/' expanded, relative to the file's folder); "" when not set
  std::string output;     // "text", "json" or "github"; "" when not set
  SourcePos pos;          // where the profile's name is written
};

struct ConfigFile {
  std::string path;
  bool exists = false;
  std::string default_profile; // "" when not set
  SourcePos default_profile_pos;
  std::vector<Profile> profiles; // in file order
  std::vector<Diagnostic> diagnostics;

  // The profile called `name`, or nullptr.
  const Profile* find(std::string_view name) const;
  std::vector<std::string> profile_names() const;
};

// `xdg_config_home`/gpurun/config.yaml when that is an absolute path, else
// `home`/.config/gpurun/config.yaml; "" when neither is usable.
std::string default_config_path(const std::string& xdg_config_home, const std::string& home);

// An http:// or https:// URL without trailing '/'; nullopt for anything else.
std::optional<std::string> normalize_endpoint(std::string url);

// Reads the file at `path`. A missing file gives exists == false and no diagnostics; every other
// problem (YAML syntax, unknown keys with a did-you-mean, wrong types, an endpoint that is no
// http(s) URL, a default_profile that names no profile) is a diagnostic with its position.
// `home` expands a leading '~/' in token_file. Never throws.
ConfigFile load_config_file(const std::string& path, const std::string& home);

// The same for text in memory, labelled `path` in positions.
ConfigFile parse_config_text(std::string_view text, const std::string& path, const std::string& home);

} // namespace gpurun::core

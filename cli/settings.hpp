#pragma once
// The settings every command shares, each with where its value came from. One precedence for
// all of them (docs/config.md): the flag, then the environment (GPURUN_*), then the profile of
// the configuration file, then the default.

#include <functional>
#include <optional>
#include <string>

#include "core/config_file.hpp"

namespace gpurun::cli {

struct Setting {
  std::string value;  // "" when nothing sets it
  std::string source; // "flag --endpoint", "env GPURUN_ENDPOINT", "profile ci", "default"
};

// The global options as given on the command line; "" when absent.
struct GlobalFlags {
  std::string config;
  std::string profile;
  std::string endpoint;
  std::string token_file;
};

class Settings {
public:
  // Looks a variable up; nullopt when unset. An empty value counts as unset.
  using Getenv = std::function<std::optional<std::string>(const std::string&)>;
  // `getenv` defaults to the process environment.
  explicit Settings(Getenv getenv = {});

  GlobalFlags flags; // filled by the parser before any setting is asked for

  Setting config_path();
  // The configuration file, read on first use. When it is not valid, its diagnostics are printed
  // and Error(invalid) is thrown; so is a --config or GPURUN_CONFIG file that does not exist.
  const core::ConfigFile& config_file();
  // The chosen profile's name ("" for none). Error(invalid) when it names no profile of the file.
  Setting profile();
  // The control plane's URL; "" means the local control plane. Error(invalid) for a flag or
  // variable that is no http(s) URL.
  Setting endpoint();
  // Where the token comes from: a file (value), or GPURUN_TOKEN (value "", source "env
  // GPURUN_TOKEN"); for the local control plane by default its state folder's token file.
  Setting token_file();
  // The bearer token itself; "" for none. Error(invalid) when a chosen token file cannot be read.
  std::string token();
  // The local control plane's state folder: GPURUN_STATE, else $XDG_STATE_HOME/gpurun or
  // ~/.local/state/gpurun.
  Setting state();
  // The output format: `flag` when not empty (a command's --output), else GPURUN_OUTPUT, the
  // profile's output, "text". Error(invalid) for a GPURUN_OUTPUT that is no format.
  Setting output(const std::string& flag = "");

private:
  std::optional<std::string> env(const std::string& name) const;
  const core::Profile* active_profile();

  Getenv m_getenv;
  std::optional<core::ConfigFile> m_file;
  std::optional<Setting> m_profile;
};

} // namespace gpurun::cli

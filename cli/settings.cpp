#include "cli/settings.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "cli/report.hpp"
#include "core/error.hpp"
#include "core/local_paths.hpp"
#include "gpu_spec/spellcheck.hpp"

namespace gpurun::cli {
namespace {

std::optional<std::string> process_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

std::string read_token_file(const Setting& file) {
  std::ifstream in(file.value);
  if (!in)
    throw Error("cannot read the token file " + file.value + " (" + file.source + "): " + std::strerror(errno),
                ErrorKind::invalid);
  return core::read_trimmed(file.value);
}

} // namespace

Settings::Settings(Getenv getenv) : m_getenv(getenv ? std::move(getenv) : process_env) {}

std::optional<std::string> Settings::env(const std::string& name) const {
  auto value = m_getenv(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

Setting Settings::config_path() {
  if (!flags.config.empty()) return {flags.config, "flag --config"};
  if (auto value = env("GPURUN_CONFIG")) return {*value, "env GPURUN_CONFIG"};
  return {core::default_config_path(env("XDG_CONFIG_HOME").value_or(""), env("HOME").value_or("")), "default"};
}

const core::ConfigFile& Settings::config_file() {
  if (m_file) return *m_file;
  const Setting path = config_path();
  core::ConfigFile file;
  if (!path.value.empty()) file = core::load_config_file(path.value, env("HOME").value_or(""));
  if (!file.exists && path.source != "default")
    throw Error("the configuration file " + path.value + " (" + path.source + ") does not exist", ErrorKind::invalid);
  if (!file.diagnostics.empty()) {
    print_diagnostics(file.diagnostics);
    throw Error(path.value + " is not a valid configuration file", ErrorKind::invalid);
  }
  m_file = std::move(file);
  return *m_file;
}

Setting Settings::profile() {
  if (m_profile) return *m_profile;
  Setting chosen{"", "default"};
  if (!flags.profile.empty()) chosen = {flags.profile, "flag --profile"};
  else if (auto value = env("GPURUN_PROFILE")) chosen = {*value, "env GPURUN_PROFILE"};
  else if (const core::ConfigFile& file = config_file(); !file.default_profile.empty())
    chosen = {file.default_profile, "default_profile of " + file.path};
  if (!chosen.value.empty()) {
    const core::ConfigFile& file = config_file();
    if (file.find(chosen.value) == nullptr) {
      std::string message = "no profile '" + chosen.value + "' (" + chosen.source + ")";
      if (!file.exists) message += ": " + (file.path.empty() ? "there is no configuration file" : file.path + " does not exist");
      else if (auto s = gpu_spec::did_you_mean(chosen.value, file.profile_names())) message += " in " + file.path + "; " + *s;
      else message += " in " + file.path;
      throw Error(message, ErrorKind::invalid);
    }
  }
  m_profile = chosen;
  return chosen;
}

const core::Profile* Settings::active_profile() {
  const Setting name = profile();
  return name.value.empty() ? nullptr : config_file().find(name.value);
}

Setting Settings::endpoint() {
  auto checked = [](const std::string& value, const std::string& source) {
    auto url = core::normalize_endpoint(value);
    if (!url) throw Error(source + ": expected an http:// or https:// URL, got '" + value + "'", ErrorKind::invalid);
    return Setting{*url, source};
  };
  if (!flags.endpoint.empty()) return checked(flags.endpoint, "flag --endpoint");
  if (auto value = env("GPURUN_ENDPOINT")) return checked(*value, "env GPURUN_ENDPOINT");
  if (const core::Profile* p = active_profile(); p != nullptr && !p->endpoint.empty())
    return {p->endpoint, "profile " + p->name};
  return {"", "default"};
}

Setting Settings::token_file() {
  if (!flags.token_file.empty()) return {flags.token_file, "flag --token-file"};
  auto token = env("GPURUN_TOKEN");
  auto file = env("GPURUN_TOKEN_FILE");
  if (token && file) throw Error("GPURUN_TOKEN and GPURUN_TOKEN_FILE are both set; set only one", ErrorKind::invalid);
  if (token) return {"", "env GPURUN_TOKEN"};
  if (file) return {*file, "env GPURUN_TOKEN_FILE"};
  if (const core::Profile* p = active_profile(); p != nullptr && !p->token_file.empty())
    return {p->token_file, "profile " + p->name};
  if (endpoint().value.empty()) return {core::token_path(state().value), "default"};
  return {"", "default"};
}

std::string Settings::token() {
  const Setting file = token_file();
  if (file.source == "env GPURUN_TOKEN") return env("GPURUN_TOKEN").value_or("");
  if (file.value.empty()) return "";
  // The local control plane writes its token when it first starts; until then there is none.
  if (file.source == "default") return core::read_trimmed(file.value);
  return read_token_file(file);
}

Setting Settings::state() {
  if (auto value = env("GPURUN_STATE")) return {*value, "env GPURUN_STATE"};
  if (auto xdg = env("XDG_STATE_HOME"); xdg && xdg->starts_with('/')) return {*xdg + "/gpurun", "default"};
  if (auto home = env("HOME")) return {*home + "/.local/state/gpurun", "default"};
  throw Error("cannot find a state folder: set XDG_STATE_HOME, HOME or GPURUN_STATE", ErrorKind::invalid);
}

Setting Settings::output(const std::string& flag) {
  if (!flag.empty()) return {flag, "flag --output"};
  if (auto value = env("GPURUN_OUTPUT")) {
    if (*value != "text" && *value != "json" && *value != "github")
      throw Error("GPURUN_OUTPUT: expected text, json or github, got '" + *value + "'", ErrorKind::invalid);
    return {*value, "env GPURUN_OUTPUT"};
  }
  if (const core::Profile* p = active_profile(); p != nullptr && !p->output.empty())
    return {p->output, "profile " + p->name};
  return {"text", "default"};
}

} // namespace gpurun::cli

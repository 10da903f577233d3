#include "core/config_file.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/schema_walker.hpp"
#include "core/yaml_tree.hpp"
#include "gpu_spec/spellcheck.hpp"

namespace gpurun::core {
namespace {

// A configuration file is a few lines; anything near this is a mistake.
constexpr size_t k_max_config_bytes = 1u << 20;

const std::vector<std::string> k_top_keys = {"default_profile", "profiles"};
const std::vector<std::string> k_profile_keys = {"endpoint", "token_file", "output"};
const std::vector<std::string> k_outputs = {"text", "json", "github"};

std::string folder_of(const std::string& path) {
  std::string folder = std::filesystem::path(path).parent_path().string();
  return folder.empty() ? "." : folder;
}

std::string expand_path(const std::string& value, const std::string& base, const std::string& home) {
  if (value == "~" || value.starts_with("~/")) return home + value.substr(1);
  if (value.starts_with('/')) return value;
  return base + "/" + value;
}

void read_profile(SchemaWalker& walk, Profile& profile, const YamlNode& body, const std::string& base,
                  const std::string& home) {
  const std::string where = "profile '" + profile.name + "'";
  if (body.is_null()) return; // `name:` alone: a profile with every default
  walk.for_each_key(body, where, k_profile_keys, [&](const std::string& key, const YamlNode& value) {
    auto text = walk.string(value, key + " of " + where);
    if (!text) return;
    if (key == "endpoint") {
      auto endpoint = normalize_endpoint(*text);
      if (!endpoint) {
        walk.error(value.pos, "endpoint of " + where + " must be an http:// or https:// URL, got '" + *text + "'");
        return;
      }
      profile.endpoint = *endpoint;
    } else if (key == "token_file") {
      if (text->empty()) {
        walk.error(value.pos, "token_file of " + where + " is empty");
        return;
      }
      if ((*text == "~" || text->starts_with("~/")) && home.empty()) {
        walk.error(value.pos, "token_file of " + where + " starts with '~' but HOME is not set");
        return;
      }
      profile.token_file = expand_path(*text, base, home);
    } else {
      bool known = false;
      for (const std::string& o : k_outputs) known = known || o == *text;
      if (!known) {
        std::string message = "output of " + where + " must be text, json or github, got '" + *text + "'";
        if (auto s = gpu_spec::did_you_mean(*text, k_outputs)) message += "; " + *s;
        walk.error(value.pos, message);
        return;
      }
      profile.output = *text;
    }
  });
}

} // namespace

const Profile* ConfigFile::find(std::string_view name) const {
  for (const Profile& p : profiles)
    if (p.name == name) return &p;
  return nullptr;
}

std::vector<std::string> ConfigFile::profile_names() const {
  std::vector<std::string> names;
  for (const Profile& p : profiles) names.push_back(p.name);
  return names;
}

std::string default_config_path(const std::string& xdg_config_home, const std::string& home) {
  if (xdg_config_home.starts_with('/')) return xdg_config_home + "/gpurun/config.yaml";
  if (!home.empty()) return home + "/.config/gpurun/config.yaml";
  return "";
}

std::optional<std::string> normalize_endpoint(std::string url) {
  while (url.ends_with('/')) url.pop_back();
  const size_t scheme = url.starts_with("http://") ? 7 : url.starts_with("https://") ? 8 : 0;
  if (scheme == 0 || url.size() == scheme) return std::nullopt;
  for (char c : url)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return std::nullopt;
  return url;
}

ConfigFile parse_config_text(std::string_view text, const std::string& path, const std::string& home) {
  YamlFile file = parse_yaml(text, path);
  ConfigFile config;
  config.path = path;
  config.exists = true;
  SchemaWalker walk(file);
  if (file.documents.size() > 1) walk.error(file.documents[1].pos, "a configuration file is one YAML document");
  const std::string base = folder_of(path);
  if (!file.documents.empty() && !file.documents.front().is_null()) {
    const YamlNode* default_node = nullptr;
    walk.for_each_key(file.documents.front(), "the configuration", k_top_keys,
                      [&](const std::string& key, const YamlNode& value) {
                        if (key == "default_profile") {
                          if (auto name = walk.string(value, "default_profile")) {
                            config.default_profile = *name;
                            config.default_profile_pos = value.pos;
                            default_node = &value;
                          }
                          return;
                        }
                        if (value.is_null()) return;
                        if (!walk.expect_mapping(value, "profiles")) return;
                        for (const auto& [name, body] : value.entries) {
                          if (!name.is_scalar() || !is_valid_name(name.scalar)) {
                            walk.error(name.pos, "profile name '" + name.scalar +
                                                     "' must be 1 to 63 letters, digits, '-' or '_'");
                            continue;
                          }
                          Profile profile;
                          profile.name = name.scalar;
                          profile.pos = name.pos;
                          read_profile(walk, profile, body, base, home);
                          config.profiles.push_back(std::move(profile));
                        }
                      });
    if (default_node != nullptr && !config.default_profile.empty() && !config.find(config.default_profile)) {
      std::string message = "default_profile '" + config.default_profile + "' names no profile in this file";
      if (auto s = gpu_spec::did_you_mean(config.default_profile, config.profile_names())) message += "; " + *s;
      walk.error(default_node->pos, message);
    }
  }
  config.diagnostics = std::move(file.diagnostics);
  return config;
}

ConfigFile load_config_file(const std::string& path, const std::string& home) {
  ConfigFile config;
  config.path = path;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return config;
  config.exists = true;
  auto fail = [&](const std::string& message) {
    config.diagnostics.push_back({{path, 0, 0}, message, ""});
    return config;
  };
  if (std::filesystem::is_directory(path, ec)) return fail("cannot read: is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(std::string("cannot read: ") + std::strerror(errno));
  std::string text(k_max_config_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > k_max_config_bytes)
    return fail("file too large: more than " + std::to_string(k_max_config_bytes) + " bytes");
  return parse_config_text(text, path, home);
}

} // namespace gpurun::core

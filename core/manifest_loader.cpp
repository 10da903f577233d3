#include "core/manifest_loader.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

#include "core/copy_steps.hpp"
#include "core/cron.hpp"
#include "core/schema_walker.hpp"
#include "core/time_zone.hpp"
#include "core/units.hpp"

namespace gpurun::core {
namespace {

const std::vector<std::string> k_top_keys = {"app", "image", "images", "functions"};
const std::vector<std::string> k_function_keys = {
    "gpu",   "command",  "env",      "secrets",  "timeout", "queue_timeout", "retries", "cpu",
    "memory", "image",   "schedule", "timezone", "smoke"};
const std::vector<std::string> k_image_keys = {"base",  "python",  "apt", "pip",
                                               "env",   "run",     "workdir", "copy"};
const std::vector<std::string> k_retry_keys = {"max", "backoff", "initial_delay", "max_delay"};

// What one YAML document contributed, with positions for conflict messages.
struct Accumulator {
  Manifest manifest;
  std::optional<SourcePos> app_pos;
  std::optional<SourcePos> default_image_pos;
  std::map<std::string, SourcePos> image_pos;
  std::map<std::string, SourcePos> function_pos;
  // Image names functions refer to, checked once every document is read.
  std::vector<std::pair<std::string, SourcePos>> image_refs;
};

class DocumentLoader {
public:
  DocumentLoader(YamlFile& file, Accumulator& acc, std::string context_dir)
      : m_walk(file), m_acc(acc), m_context_dir(std::move(context_dir)) {}

  void load(const YamlNode& doc) {
    if (doc.is_null()) return; // an empty document ("---" alone) adds nothing
    m_walk.for_each_key(doc, "the manifest", k_top_keys, [&](const std::string& key, const YamlNode& value) {
      if (key == "app") load_app(value);
      else if (key == "image") load_default_image(value);
      else if (key == "images") load_images(value);
      else load_functions(value);
    });
  }

private:
  void load_app(const YamlNode& node) {
    auto name = m_walk.string(node, "app");
    if (!name) return;
    if (!is_valid_name(*name, true)) {
      m_walk.error(node.pos, "app name '" + *name +
                                 "' must be 1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit");
      return;
    }
    if (m_acc.app_pos && m_acc.manifest.app != *name) {
      m_walk.error(node.pos, "app '" + *name + "' conflicts with app '" + m_acc.manifest.app +
                                 "' at " + where(*m_acc.app_pos) + "; one deployment is one app");
      return;
    }
    m_acc.manifest.app = *name;
    m_acc.app_pos = node.pos;
  }

  void load_default_image(const YamlNode& node) {
    if (m_acc.default_image_pos) {
      m_walk.error(node.pos, "the default image is already declared at " + where(*m_acc.default_image_pos));
      return;
    }
    m_acc.default_image_pos = node.pos;
    m_acc.manifest.default_image = load_image(node, "image");
  }

  void load_images(const YamlNode& node) {
    if (!m_walk.expect_mapping(node, "images")) return;
    for (const auto& [key, value] : node.entries) {
      const std::string& name = key.scalar;
      if (!key.is_scalar() || !is_valid_name(name)) {
        m_walk.error(key.pos, "image name '" + name + "' must be 1 to 63 letters, digits, '-' or '_'");
        continue;
      }
      if (auto it = m_acc.image_pos.find(name); it != m_acc.image_pos.end()) {
        m_walk.error(key.pos, "image '" + name + "' is already declared at " + where(it->second));
        continue;
      }
      m_acc.image_pos[name] = key.pos;
      if (auto image = load_image(value, "image '" + name + "'")) m_acc.manifest.images[name] = *image;
    }
  }

  std::optional<ImageSpec> load_image(const YamlNode& node, const std::string& what) {
    ImageSpec image;
    image.context_dir = m_context_dir;
    bool has_python = false;
    m_walk.for_each_key(node, what, k_image_keys, [&](const std::string& key, const YamlNode& value) {
      const std::string field = what + "." + key;
      if (key == "base") {
        if (auto s = m_walk.string(value, field)) {
          if (s->empty() || s->find_first_of(" \t\n") != std::string::npos)
            m_walk.error(value.pos, field + " must be debian-slim, host, or an image reference such as localhost/name:tag");
          else image.base = *s;
        }
      } else if (key == "python") {
        has_python = true;
        if (auto s = m_walk.string(value, field)) {
          if (!is_python_version(*s)) m_walk.error(value.pos, field + " must be a version such as 3.11, got '" + *s + "'");
          else image.python = *s;
        }
      } else if (key == "apt") {
        if (auto l = m_walk.string_list(value, field)) {
          for (size_t i = 0; i < l->size(); ++i)
            if (!is_apt_package((*l)[i]))
              m_walk.error(value.items[i].pos, field + ": '" + (*l)[i] + "' is not a Debian package name (optionally =version)");
          image.apt = *l;
        }
      } else if (key == "pip") {
        if (auto l = m_walk.string_list(value, field)) {
          for (size_t i = 0; i < l->size(); ++i)
            if ((*l)[i].empty() || (*l)[i].find('\n') != std::string::npos)
              m_walk.error(value.items[i].pos, field + ": a requirement must be one non-empty line");
          image.pip = *l;
        }
      } else if (key == "env") {
        if (auto m = m_walk.env_map(value, field)) {
          // A Containerfile ENV line cannot hold a line break.
          for (const auto& [name, text] : *m)
            if (text.find('\n') != std::string::npos) m_walk.error(value.pos, field + "." + name + " must be a single line in an image");
          image.env = *m;
        }
      } else if (key == "run") {
        if (auto l = m_walk.string_list(value, field)) {
          for (size_t i = 0; i < l->size(); ++i)
            if ((*l)[i].find_first_not_of(" \t\n") == std::string::npos)
              m_walk.error(value.items[i].pos, field + ": a command must not be empty");
          image.run = *l;
        }
      } else if (key == "workdir") {
        if (auto s = m_walk.string(value, field)) {
          if (s->empty() || s->front() != '/' || s->find('\n') != std::string::npos)
            m_walk.error(value.pos, field + " must be an absolute path");
          else image.workdir = *s;
        }
      } else {
        load_copy_steps(m_walk, value, field, image.copy);
      }
    });
    if (has_python && image.base != "debian-slim")
      m_walk.error(node.pos, what + ": 'python' applies only to base debian-slim");
    if (image.is_host() && (!image.apt.empty() || !image.pip.empty() || !image.run.empty() || !image.copy.empty()))
      m_walk.error(node.pos, what + ": base 'host' runs on the host itself and takes no apt, pip, run or copy steps");
    return image;
  }

  void load_functions(const YamlNode& node) {
    if (!m_walk.expect_mapping(node, "functions")) return;
    for (const auto& [key, value] : node.entries) {
      const std::string& name = key.scalar;
      if (!key.is_scalar() || !is_valid_name(name)) {
        m_walk.error(key.pos, "function name '" + name + "' must be 1 to 63 letters, digits, '-' or '_', starting with a letter or digit");
        continue;
      }
      if (auto it = m_acc.function_pos.find(name); it != m_acc.function_pos.end()) {
        m_walk.error(key.pos, "function '" + name + "' is already declared at " + where(it->second));
        continue;
      }
      m_acc.function_pos[name] = key.pos;
      if (m_acc.manifest.functions.size() >= k_max_functions) {
        m_walk.error(key.pos, "too many functions: the limit is " + std::to_string(k_max_functions));
        return;
      }
      load_function(name, key.pos, value);
    }
  }

  void load_function(const std::string& name, const SourcePos& pos, const YamlNode& node) {
    Function fn;
    fn.name = name;
    fn.pos = pos;
    const std::string what = "function '" + name + "'";
    bool has_command = false;
    bool has_timezone = false;
    m_walk.for_each_key(node, what, k_function_keys, [&](const std::string& key, const YamlNode& value) {
      const std::string field = name + "." + key;
      if (key == "gpu") load_gpu(value, fn);
      else if (key == "command") {
        has_command = true;
        if (auto l = m_walk.string_list(value, field + " (an argv list such as [python, train.py])")) {
          if (l->empty()) m_walk.error(value.pos, field + " must not be empty");
          else fn.command = *l;
        }
      } else if (key == "env") {
        if (auto m = m_walk.env_map(value, field)) fn.env = *m;
      } else if (key == "secrets") {
        if (auto l = m_walk.string_list(value, field)) {
          for (size_t i = 0; i < l->size(); ++i)
            if (!is_valid_name((*l)[i], true))
              m_walk.error(value.items[i].pos, "secret name '" + (*l)[i] + "' must be 1 to 63 letters, digits, '-', '_' or '.'");
          fn.secrets = *l;
        }
      } else if (key == "timeout") {
        fn.timeout = duration(value, field, std::chrono::seconds(1), k_max_timeout);
      } else if (key == "queue_timeout") {
        fn.queue_timeout = duration(value, field, std::chrono::seconds(1), k_max_timeout);
      } else if (key == "retries") {
        load_retries(value, field, fn.retries);
      } else if (key == "cpu") {
        fn.cpu = m_walk.number(value, field, 0.125, 256);
      } else if (key == "memory") {
        load_memory(value, field, fn);
      } else if (key == "image") {
        if (value.is_mapping()) fn.inline_image = load_image(value, field);
        else if (auto s = m_walk.string(value, field + " (an image name or an inline image)")) {
          fn.image = *s;
          m_acc.image_refs.emplace_back(*s, value.pos);
        }
      } else if (key == "schedule") {
        if (auto s = m_walk.string(value, field)) {
          std::string error;
          if (!parse_cron(*s, error)) m_walk.error(value.pos, field + ": " + error);
          else fn.schedule = *s;
        }
      } else if (key == "timezone") {
        has_timezone = true;
        if (auto s = m_walk.string(value, field)) load_timezone(value, field, *s, fn);
      } else {
        if (auto s = m_walk.string(value, field)) {
          if (*s != "quick") m_walk.error(value.pos, field + " must be 'quick', got '" + *s + "'");
          else fn.smoke = *s;
        }
      }
    });
    if (!node.is_mapping()) return;
    if (!has_command) m_walk.error(pos, what + " has no command; add command: [program, args...]");
    if (has_timezone && !fn.schedule) m_walk.error(pos, what + ": timezone applies only with a schedule");
    if (fn.smoke && fn.gpu.empty()) m_walk.error(pos, what + ": smoke checks GPUs, but the function asks for none");
    m_acc.manifest.functions.push_back(std::move(fn));
  }

  void load_gpu(const YamlNode& node, Function& fn) {
    if (node.is_scalar()) {
      if (auto spec = spec_at(node)) fn.gpu.push_back(*spec);
      return;
    }
    if (!node.is_sequence()) {
      m_walk.error(node.pos, fn.name + ".gpu must be a GPU spec (\"H100:8\") or a list of them, got " + node.describe());
      return;
    }
    if (node.items.empty()) {
      m_walk.error(node.pos, fn.name + ".gpu is an empty list; leave gpu out for a CPU-only function");
      return;
    }
    std::set<std::string> seen;
    for (const YamlNode& item : node.items) {
      if (!item.is_scalar()) {
        m_walk.error(item.pos, "each entry of " + fn.name + ".gpu must be a GPU spec, got " + item.describe());
        continue;
      }
      auto spec = spec_at(item);
      if (!spec) continue;
      if (!seen.insert(spec->to_string()).second) {
        m_walk.error(item.pos, "'" + spec->to_string() + "' appears twice in " + fn.name + ".gpu; a fallback entry is tried once");
        continue;
      }
      fn.gpu.push_back(*spec);
    }
  }

  std::optional<gpu_spec::GpuSpec> spec_at(const YamlNode& node) {
    auto parsed = gpu_spec::parse_spec(node.scalar);
    if (auto* error = std::get_if<gpu_spec::SpecError>(&parsed)) {
      m_walk.error(SchemaWalker::within(node, error->offset), error->message);
      return std::nullopt;
    }
    return std::get<gpu_spec::GpuSpec>(parsed);
  }

  std::optional<std::chrono::milliseconds> duration(const YamlNode& node, const std::string& what,
                                                    std::chrono::milliseconds low,
                                                    std::chrono::milliseconds high) {
    auto text = m_walk.string(node, what);
    if (!text) return std::nullopt;
    std::string error;
    auto value = parse_duration(*text, error);
    if (!value) {
      m_walk.error(node.pos, what + ": " + error);
      return std::nullopt;
    }
    if (*value < low || *value > high) {
      m_walk.error(node.pos, what + " must be between " + format_duration(low) + " and " +
                                 format_duration(high) + ", got " + *text);
      return std::nullopt;
    }
    return value;
  }

  void load_retries(const YamlNode& node, const std::string& what, RetryPolicy& policy) {
    if (node.is_scalar()) {
      if (auto n = m_walk.integer(node, what, 0, k_max_retries)) policy.max_retries = static_cast<int>(*n);
      return;
    }
    m_walk.for_each_key(node, what + " (a count or {max, backoff, initial_delay, max_delay})", k_retry_keys,
                        [&](const std::string& key, const YamlNode& value) {
      const std::string field = what + "." + key;
      if (key == "max") {
        if (auto n = m_walk.integer(value, field, 0, k_max_retries)) policy.max_retries = static_cast<int>(*n);
      } else if (key == "backoff") {
        if (auto x = m_walk.number(value, field, 1.0, 10.0)) policy.backoff = *x;
      } else if (key == "initial_delay") {
        if (auto d = duration(value, field, std::chrono::milliseconds(0), std::chrono::hours(1))) policy.initial_delay = *d;
      } else if (auto d = duration(value, field, std::chrono::milliseconds(0), std::chrono::hours(24))) {
        policy.max_delay = *d;
      }
    });
    if (node.is_mapping() && policy.max_delay < policy.initial_delay)
      m_walk.error(node.pos, what + ": max_delay is shorter than initial_delay");
  }

  void load_memory(const YamlNode& node, const std::string& what, Function& fn) {
    auto text = m_walk.string(node, what);
    if (!text) return;
    std::string error;
    auto mib = parse_memory_mib(*text, error);
    if (!mib) m_walk.error(node.pos, what + ": " + error);
    else if (*mib < 1 || *mib > (4ull << 20)) m_walk.error(node.pos, what + " must be between 1Mi and 4Ti, got " + *text);
    else fn.memory_mib = *mib;
  }

  void load_timezone(const YamlNode& node, const std::string& what, const std::string& name, Function& fn) {
    // GCC 12's <chrono> has no time zone database: the system's zoneinfo is the reference
    // (time_zone.hpp), read here as the server will read it.
    try {
      TimeZone::load(name);
      fn.timezone = name;
    } catch (const Error&) {
      m_walk.error(node.pos, what + ": unknown time zone '" + name + "' (use an IANA name such as Europe/Paris)");
    }
  }

  static std::string where(const SourcePos& pos) {
    return pos.path + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
  }

  SchemaWalker m_walk;
  Accumulator& m_acc;
  std::string m_context_dir;
};

void load_file_into(YamlFile& file, Accumulator& acc, const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  DocumentLoader loader(file, acc, dir.empty() ? "." : dir);
  for (const YamlNode& doc : file.documents) loader.load(doc);
}

ManifestLoad finish(Accumulator& acc, std::vector<YamlFile>& files,
                    const std::vector<std::string>& paths) {
  ManifestLoad result;
  for (YamlFile& file : files) {
    // Tree-level problems (duplicate keys) are found before schema ones: report in file order.
    std::stable_sort(file.diagnostics.begin(), file.diagnostics.end(), [](const Diagnostic& a, const Diagnostic& b) {
      return std::pair(a.pos.line, a.pos.column) < std::pair(b.pos.line, b.pos.column);
    });
    for (Diagnostic& d : file.diagnostics) result.diagnostics.push_back(std::move(d));
  }
  auto add = [&](SourcePos pos, std::string message) {
    std::string line;
    for (size_t i = 0; i < files.size(); ++i)
      if (paths[i] == pos.path) line = files[i].line(pos.line);
    result.diagnostics.push_back({std::move(pos), std::move(message), line});
  };
  const std::string first_path = paths.empty() ? std::string() : paths.front();
  if (result.diagnostics.empty()) {
    for (const auto& [name, pos] : acc.image_refs)
      if (!acc.manifest.images.contains(name))
        add(pos, "unknown image '" + name + "'" +
                     (acc.manifest.images.empty() ? "; declare it under images:" : ""));
    bool empty = std::all_of(files.begin(), files.end(), [](const YamlFile& file) {
      return std::all_of(file.documents.begin(), file.documents.end(), [](const YamlNode& d) { return d.is_null(); });
    });
    if (empty) add({first_path, 1, 1}, "the manifest is empty; it needs app: NAME and functions:");
    else if (!acc.app_pos) add({first_path, 1, 1}, "the manifest has no 'app'; add app: NAME");
    else if (acc.manifest.functions.empty()) add(*acc.app_pos, "app '" + acc.manifest.app + "' declares no functions");
  }
  if (result.diagnostics.empty()) result.manifest = std::move(acc.manifest);
  return result;
}

} // namespace

const Function* Manifest::find_function(const std::string& name) const {
  for (const Function& fn : functions)
    if (fn.name == name) return &fn;
  return nullptr;
}

ImageSpec Manifest::image_for(const Function& function) const {
  if (function.inline_image) return *function.inline_image;
  if (!function.image.empty()) return images.at(function.image);
  if (default_image) return *default_image;
  ImageSpec host;
  host.base = "host";
  return host;
}

static ManifestLoad load_parsed(std::vector<YamlFile> files, const std::vector<std::string>& paths) {
  Accumulator acc;
  for (size_t i = 0; i < files.size(); ++i) load_file_into(files[i], acc, paths[i]);
  return finish(acc, files, paths);
}

ManifestLoad load_manifests(const std::vector<std::string>& paths) {
  std::vector<YamlFile> files;
  for (const std::string& path : paths) files.push_back(read_yaml_file(path));
  return load_parsed(std::move(files), paths);
}

std::vector<ManifestLoad> load_manifest_groups(const std::vector<std::string>& paths) {
  std::vector<YamlFile> files;
  std::vector<std::string> group_of; // the app each file names, "" for none
  for (const std::string& path : paths) {
    files.push_back(read_yaml_file(path));
    std::string app;
    for (const YamlNode& doc : files.back().documents)
      for (const auto& [key, value] : doc.entries)
        if (app.empty() && key.scalar == "app" && value.is_scalar()) app = value.scalar;
    group_of.push_back(app);
  }
  std::vector<std::string> apps;
  for (const std::string& app : group_of)
    if (!app.empty() && std::find(apps.begin(), apps.end(), app) == apps.end()) apps.push_back(app);
  // Files that name no app belong to the only app there is; with several, each stands alone.
  if (apps.size() == 1)
    for (std::string& app : group_of) app = apps.front();

  std::vector<ManifestLoad> loads;
  std::vector<bool> used(files.size(), false);
  for (size_t i = 0; i < files.size(); ++i) {
    if (used[i]) continue;
    std::vector<YamlFile> group;
    std::vector<std::string> group_paths;
    for (size_t j = i; j < files.size(); ++j) {
      if (used[j] || (j != i && (group_of[j].empty() || group_of[j] != group_of[i]))) continue;
      used[j] = true;
      group.push_back(std::move(files[j]));
      group_paths.push_back(paths[j]);
    }
    loads.push_back(load_parsed(std::move(group), group_paths));
  }
  return loads;
}

ManifestLoad load_manifest_text(std::string_view text, const std::string& path) {
  std::vector<YamlFile> files;
  files.push_back(parse_yaml(text, path));
  return load_parsed(std::move(files), {path});
}

} // namespace gpurun::core

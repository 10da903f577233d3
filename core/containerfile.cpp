#include "core/containerfile.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "core/manifest_json.hpp"

namespace gpurun::core {
namespace fs = std::filesystem;
namespace {

// Bumped whenever rendering changes meaning, so that old tags are not taken for new images.
constexpr const char* k_render_version = "gpurun-containerfile-1";
constexpr size_t k_tag_hex_digits = 24;

std::string join_quoted(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& word : words) out += " " + shell_quote(word);
  return out;
}

// A value inside ENV's double quotes: backslash, quote and `$` (expansion) escaped.
std::string env_quote(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '\\' || c == '"' || c == '$') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string json_array(const std::vector<std::string>& words) {
  return nlohmann::json(words).dump();
}

// Every regular file and link under `root` (or `root` itself), sorted, with what identifies its
// content: a hash of the bytes, or a link's target. The executable bit is part of it, as COPY keeps it.
std::string describe_copied(const fs::path& root, const std::string& origin) {
  std::error_code ec;
  fs::file_status status = fs::symlink_status(root, ec);
  if (ec || !fs::exists(status))
    throw Error(origin + ": '" + root.string() + "' does not exist", ErrorKind::invalid);
  std::vector<fs::path> paths;
  if (fs::is_directory(status)) {
    for (fs::recursive_directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec))
      paths.push_back(it->path());
    if (ec) throw Error(origin + ": cannot list '" + root.string() + "': " + ec.message(), ErrorKind::invalid);
    std::sort(paths.begin(), paths.end());
  } else {
    paths.push_back(root);
  }
  std::string out;
  for (const fs::path& path : paths) {
    fs::file_status s = fs::symlink_status(path, ec);
    std::string relative = path == root ? "." : path.lexically_relative(root).generic_string();
    bool executable = (s.permissions() & fs::perms::owner_exec) != fs::perms::none;
    if (fs::is_symlink(s)) {
      out += fmt::format("link {} {}\n", relative, fs::read_symlink(path, ec).generic_string());
    } else if (fs::is_regular_file(s)) {
      std::string digest = sha256_file_hex(path.string());
      if (digest.empty()) throw Error(origin + ": cannot read '" + path.string() + "'", ErrorKind::invalid);
      out += fmt::format("file {} {} {}\n", relative, executable ? "x" : "-", digest);
    } else if (fs::is_directory(s)) {
      out += fmt::format("dir {}\n", relative);
    }
  }
  return out;
}

} // namespace

std::string shell_quote(const std::string& word) {
  bool safe = !word.empty() && std::all_of(word.begin(), word.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("+-./:=@_,").find(c) != std::string_view::npos;
  });
  if (safe) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string base_reference(const ImageSpec& image) {
  if (image.base != "debian-slim") return image.base;
  std::optional<std::string> python = image.python;
  if (!python && !image.pip.empty()) python = k_default_python;
  if (python) return "docker.io/library/python:" + *python + "-slim-bookworm";
  return k_debian_slim_base;
}

const ContainerfileStep* RenderedImage::step(size_t number) const {
  return number >= 1 && number <= steps.size() ? &steps[number - 1] : nullptr;
}

RenderedImage render_image(const ImageSpec& image) {
  if (image.is_host()) throw Error("base 'host' runs on the host itself and has no image", ErrorKind::invalid);
  RenderedImage out;
  auto add = [&](std::string instruction, std::string origin) {
    out.steps.push_back({std::move(instruction), std::move(origin)});
  };
  add("FROM " + base_reference(image), "base");
  if (!image.apt.empty())
    add("RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends" +
            join_quoted(image.apt) + " && rm -rf /var/lib/apt/lists/*",
        "apt");
  if (!image.pip.empty())
    add("RUN python3 -m pip install --no-cache-dir --root-user-action=ignore" + join_quoted(image.pip), "pip");
  if (!image.env.empty()) {
    std::string line = "ENV";
    for (const auto& [name, value] : image.env) line += " " + name + "=" + env_quote(value);
    add(line, "env");
  }
  for (size_t i = 0; i < image.copy.size(); ++i)
    add("COPY " + json_array({image.copy[i].src, image.copy[i].dst}), fmt::format("copy[{}]", i));
  for (size_t i = 0; i < image.run.size(); ++i) {
    // A line break or a trailing backslash would end or continue the instruction: the exec form
    // hands such a command to the shell whole.
    const std::string& command = image.run[i];
    bool multiline = command.find('\n') != std::string::npos || (!command.empty() && command.back() == '\\');
    add(multiline ? "RUN " + json_array({"/bin/sh", "-c", command}) : "RUN " + command, fmt::format("run[{}]", i));
  }
  if (image.workdir) add("WORKDIR " + *image.workdir, "workdir");

  out.text = fmt::format("# {}: generated by gpurun from the manifest's image spec\n", k_render_version);
  for (const ContainerfileStep& step : out.steps) out.text += step.instruction + "\n";

  std::string content = out.text;
  for (size_t i = 0; i < image.copy.size(); ++i) {
    std::string origin = fmt::format("copy[{}] ({})", i, image.copy[i].src);
    content += fmt::format("copy[{}]\n", i) + describe_copied(fs::path(image.context_dir) / image.copy[i].src, origin);
  }
  out.hash = sha256_hex(content);
  out.tag = std::string(k_image_repository) + ":" + out.hash.substr(0, k_tag_hex_digits);
  return out;
}

} // namespace gpurun::core

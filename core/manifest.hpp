#pragma once
// The manifest model: an app, its images and its functions, as loaded from one or more YAML
// files. Everything here has been validated by the loader.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "gpu_spec/spec.hpp"

namespace gpurun::core {

// One file a copy step copies: what `gpurun deploy` sends in place of the file itself (the bytes
// go to the server's blob store, core/copy_files.hpp).
struct CopyFile {
  std::string path;        // relative to the step's src; "." when src is a file
  bool executable = false; // mode 0755 rather than 0644: only the executable bit is kept
  std::string sha256;      // hex SHA-256 of the bytes
  std::uint64_t size = 0;
};

struct CopyStep {
  CopyStep() = default;
  CopyStep(std::string source, std::string destination, std::optional<std::vector<CopyFile>> listed = std::nullopt)
      : src(std::move(source)), dst(std::move(destination)), files(std::move(listed)) {}

  std::string src; // relative to the manifest's folder
  std::string dst; // absolute path in the image
  // Every file copied, sorted by path; absent until listed from the manifest's folder
  // (list_copy_files) or read from a deployed manifest's JSON.
  std::optional<std::vector<CopyFile>> files;
};

struct ImageSpec {
  // "debian-slim", "host" (no container), or an image reference ("localhost/name:tag").
  std::string base = "debian-slim";
  std::optional<std::string> python; // with debian-slim: the Python version ("3.11")
  std::vector<std::string> apt;
  std::vector<std::string> pip;
  std::map<std::string, std::string> env;
  std::vector<std::string> run; // shell commands, one layer each
  std::optional<std::string> workdir;
  std::vector<CopyStep> copy;
  std::string context_dir; // folder of the manifest that declared it, for `copy`

  bool is_host() const { return base == "host"; }
};

struct RetryPolicy {
  int max_retries = 0;
  double backoff = 2.0;
  std::chrono::milliseconds initial_delay{1000};
  std::chrono::milliseconds max_delay{60'000};
};

struct Function {
  std::string name;
  gpu_spec::GpuChain gpu; // empty: CPU only
  std::vector<std::string> command;
  std::map<std::string, std::string> env;
  std::vector<std::string> secrets;
  std::optional<std::chrono::milliseconds> timeout;
  std::optional<std::chrono::milliseconds> queue_timeout; // fail a run not placed within it
  RetryPolicy retries;
  std::optional<double> cpu;
  std::optional<std::uint64_t> memory_mib;
  std::string image;                     // name in Manifest::images; "" is the default image
  std::optional<ImageSpec> inline_image; // an image written inside the function
  std::optional<std::string> schedule;   // 5-field cron
  std::optional<std::string> timezone;   // for schedule; UTC when absent
  std::optional<std::string> smoke;      // "quick": smoke-check the placed GPUs before running
  SourcePos pos;
};

struct Manifest {
  std::string app;
  std::optional<ImageSpec> default_image;
  std::map<std::string, ImageSpec> images;
  std::vector<Function> functions; // in declaration order

  const Function* find_function(const std::string& name) const;
  // The image a function runs in: inline, named, the default, or `host` when none is declared.
  ImageSpec image_for(const Function& function) const;
};

// Limits that keep a manifest reasonable; documented in docs/manifest.md.
inline constexpr int k_max_retries = 10;
inline constexpr size_t k_max_functions = 10'000;
inline constexpr std::chrono::hours k_max_timeout{24};

} // namespace gpurun::core

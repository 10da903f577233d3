#pragma once
// Building a function's image with podman, at most once per content hash: the tag is the hash
// (core/containerfile.hpp), an existing tag is never rebuilt, and concurrent builds of one tag
// (threads of the server, other gpurun processes) wait on one file lock and reuse the result.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/containerfile.hpp"
#include "core/manifest.hpp"
#include "server/podman.hpp"
#include "server/podman_command.hpp"

namespace gpurun::server {

struct BuildResult {
  std::string tag;
  bool built = false; // false: the tag existed already
  std::chrono::milliseconds elapsed{0};
};

struct ImageInfo {
  std::string tag;
  std::string id;      // podman's image ID, 12 hex digits
  std::int64_t created = 0; // Unix seconds
  std::int64_t size = 0;    // bytes
};

class ImageBuilder {
public:
  // Throws Error when podman is not installed.
  explicit ImageBuilder(PodmanConfig config);

  // Whether `tag` is in podman's storage.
  bool exists(const std::string& tag) const;

  // Builds `image` unless its tag exists; podman's output goes to `progress` line by line.
  // The copy steps' files must be listed; the build context is written from those lists
  // (server/build_context.hpp), reading the bytes from `blob_dir` (a server's blob store) or,
  // when it is "", from the manifest's folder. The tag is set only once every step has
  // succeeded (podman builds untagged, then gpurun tags the result), so a failed or interrupted
  // build leaves no tagged image. Throws Error naming the failing step
  // ("step 3/4 (run[0]: make)") and podman's error.
  BuildResult ensure(const core::ImageSpec& image, const LineSink& progress = {}, const std::string& blob_dir = "");

  // Every image gpurun built, newest first.
  std::vector<ImageInfo> list() const;

  const PodmanConfig& config() const { return m_config; }

private:
  PodmanConfig m_config;
  std::string m_lock_dir;
};

// The podman build arguments after the global ones (exposed for unit tests).
std::vector<std::string> build_arguments(const PodmanConfig& config, const core::RenderedImage& rendered,
                                         const std::string& containerfile, const std::string& ignorefile,
                                         const std::string& iidfile, const std::string& context_dir);

// "step 3/4 (run[0]: make)" for the last "STEP n/m:" line podman printed, from its output.
std::string failed_step(const core::RenderedImage& rendered, const std::string& last_step_line);

} // namespace gpurun::server

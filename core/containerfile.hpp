#pragma once
// An image spec as a Containerfile, and the content hash that names the built image.
//
// Each spec step becomes one instruction (one layer), in a fixed order chosen for the layer
// cache: the slow, rarely changed steps (apt, pip) come first, so that changing env, copied
// files or commands rebuilds only what follows them. The tag is a hash of the rendered text and
// of every copied file's bytes (through their SHA-256), so an image whose inputs did not change
// is never rebuilt.

#include <string>
#include <vector>

#include "core/manifest.hpp"

namespace gpurun::core {

// The repository every built image is tagged in; the tag is the content hash.
inline constexpr const char* k_image_repository = "localhost/gpurun-image";

// The base image `debian-slim` resolves to (Python's slim image when a version is asked for).
inline constexpr const char* k_debian_slim_base = "docker.io/library/debian:bookworm-slim";
// The Python version used when `pip` is given on debian-slim without `python`.
inline constexpr const char* k_default_python = "3.11";

struct ContainerfileStep {
  std::string instruction; // the Containerfile line(s), without the trailing newline
  std::string origin;      // the spec field it comes from: "base", "apt", "run[1]", ...
};

struct RenderedImage {
  std::vector<ContainerfileStep> steps; // steps[0] is FROM
  std::string text;                     // the whole Containerfile
  std::string hash;                     // hex SHA-256 of the text and of every copied file
  std::string tag;                      // k_image_repository + ":" + a prefix of the hash

  // The step a podman "STEP n/m" line refers to (1-based), or nullptr.
  const ContainerfileStep* step(size_t number) const;
};

// Renders `image` (which must not be `host`) and hashes it: the text, then every copy step's
// list of files (path, mode and SHA-256), never the files themselves, so the CLI (which lists
// them from the manifest's folder) and the server (which has the list from the deploy) compute
// the same tag. Throws Error (kind invalid) when the image is `host` or a copy step's files are
// not listed (core/copy_files.hpp).
RenderedImage render_image(const ImageSpec& image);

// The base reference an image spec builds FROM.
std::string base_reference(const ImageSpec& image);

// `word` quoted for /bin/sh: unchanged when it is made only of safe characters, else in single quotes.
std::string shell_quote(const std::string& word);

} // namespace gpurun::core

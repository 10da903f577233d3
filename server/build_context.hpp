#pragma once
// The folder podman builds an image from, written from the image's lists of copied files
// (core/copy_files.hpp) rather than taken as it is: `gpurun image build` reads the bytes from
// the manifest's folder, a server from its blob store, and both write the same folder (the same
// files, modes 0644 or 0755, folders 0755), so one tag always means one image.

#include <string>

#include "core/manifest.hpp"

namespace gpurun::server {

// Writes every file of every copy step of `image` into `dir` (an existing, empty folder) at
// SRC/PATH, where the Containerfile's COPY looks for it; an empty list writes an empty folder.
// The bytes come from `blob_dir` (a server's blob store) when it is not empty, else from
// image.context_dir; each file's SHA-256 and size are checked while it is copied. Throws Error
// naming the step and the file for a path that is not a plain relative one (core/copy_steps.hpp),
// a missing blob, bytes that changed since they were listed, or two steps that disagree.
void write_build_context(const core::ImageSpec& image, const std::string& blob_dir, const std::string& dir);

} // namespace gpurun::server

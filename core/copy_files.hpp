#pragma once
// Listing what a copy step copies, from the manifest's folder: the CLI does it before it deploys
// (the list goes into the manifest, the bytes to the server's blob store) and before a local
// `gpurun image build`, so that both build from the same list and get the same tag.
//
// Symbolic links are followed: a link is copied as the file or folder it points to, as a reader
// of the folder sees it, wherever the target lives. Empty folders are not listed, so not copied;
// of a file's mode only the executable bit is kept (0755 or 0644).

#include <functional>
#include <string>
#include <vector>

#include "core/manifest.hpp"

namespace gpurun::core {

// What copying `root` copies: `root` itself when it is a file (path "."), else every file under
// it, recursively, sorted by path in byte order, each with its mode, size and SHA-256. Throws
// Error (kind invalid), starting with `origin`, when `root` does not exist, a link dangles or
// loops, something is neither a file nor a folder (a socket, a device), or cannot be read.
std::vector<CopyFile> list_files(const std::string& root, const std::string& origin);

// Lists the files of every copy step of `image`, from image.context_dir.
void list_copy_files(ImageSpec& image);
// The same for every image a function of `manifest` runs in.
void list_copy_files(Manifest& manifest);

// Calls `visit` once for each image some function of `manifest` runs in, with where it is
// declared: "image", "images.NAME" or "functions.NAME.image".
void for_each_image_in_use(Manifest& manifest, const std::function<void(ImageSpec&, const std::string&)>& visit);
void for_each_image_in_use(const Manifest& manifest,
                           const std::function<void(const ImageSpec&, const std::string&)>& visit);

// "copy[0] (app)": how messages name a copy step.
std::string copy_origin(const ImageSpec& image, size_t index);

} // namespace gpurun::core

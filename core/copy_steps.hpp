#pragma once
// The `copy` steps of an image spec as the loader reads them, and the rules their paths follow.
// A deployed manifest carries, in each step, the list of files the step copies (written by the
// CLI, core/copy_files.hpp); the server builds from that list, so every path in it is checked
// here before it can name a file in a build context: relative, no `..`, no NUL, bounded.

#include <string>
#include <string_view>
#include <vector>

#include "core/manifest.hpp"
#include "core/schema_walker.hpp"

namespace gpurun::core {

inline constexpr size_t k_max_copy_path = 4096;     // bytes, like Linux's PATH_MAX
inline constexpr size_t k_max_copy_component = 255; // bytes, like Linux's NAME_MAX

// Why `path` cannot be a listed file's path, or "" when it can: it must be relative, made of
// non-empty components other than `.` and `..`, without NUL, within the limits above.
std::string copy_path_error(std::string_view path);

// Why `src` cannot be a copy step's source, or "" when it can: relative, no `..`, no NUL.
std::string copy_src_error(std::string_view src);

// Reads a `copy` list (each item {src, dst} and, in a deployed manifest, files) into `out`,
// reporting problems through `walk`. `what` names the field in messages ("image.copy").
void load_copy_steps(SchemaWalker& walk, const YamlNode& node, const std::string& what, std::vector<CopyStep>& out);

} // namespace gpurun::core

#pragma once
// How output looks on each stream: colour only where it is wanted (NO_COLOR, CLICOLOR_FORCE,
// TERM=dumb, a terminal or not), decided per stream.

#include <cstdio>
#include <string>
#include <string_view>

namespace gpurun::cli {

bool is_terminal(std::FILE* stream);
bool use_color(std::FILE* stream);

enum class Color { red, green, yellow, bold, dim };
// `text` wrapped in the colour's escape codes when `stream` takes colour, else unchanged.
std::string paint(std::FILE* stream, Color color, std::string_view text);

} // namespace gpurun::cli

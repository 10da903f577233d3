#include "cli/terminal.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace gpurun::cli {

bool is_terminal(std::FILE* stream) { return isatty(fileno(stream)) != 0; }

bool use_color(std::FILE* stream) {
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') return false;
  const char* force = std::getenv("CLICOLOR_FORCE");
  if (force != nullptr && *force != '\0' && std::strcmp(force, "0") != 0) return true;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::strcmp(term, "dumb") == 0) return false;
  return is_terminal(stream);
}

std::string paint(std::FILE* stream, Color color, std::string_view text) {
  if (!use_color(stream)) return std::string(text);
  const char* code = "";
  switch (color) {
  case Color::red: code = "\033[1;31m"; break;
  case Color::green: code = "\033[32m"; break;
  case Color::yellow: code = "\033[33m"; break;
  case Color::bold: code = "\033[1m"; break;
  case Color::dim: code = "\033[2m"; break;
  }
  return std::string(code) + std::string(text) + "\033[0m";
}

} // namespace gpurun::cli

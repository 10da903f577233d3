#include "cli/report.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "cli/terminal.hpp"

namespace gpurun::cli {

void print_diagnostic(const Diagnostic& d) {
  std::string where = d.pos.path;
  if (d.pos.line > 0) where += fmt::format(":{}:{}", d.pos.line, d.pos.column);
  fmt::print(stderr, "{}: {} {}\n", paint(stderr, Color::bold, where),
             paint(stderr, Color::red, "error:"), d.message);
  if (d.source_line.empty() || d.pos.line <= 0 || d.source_line.size() > 300) return;
  std::string caret;
  for (int i = 1; i < d.pos.column && static_cast<size_t>(i) <= d.source_line.size(); ++i)
    caret += d.source_line[static_cast<size_t>(i) - 1] == '\t' ? '\t' : ' ';
  fmt::print(stderr, "{:>5} | {}\n      | {}{}\n", d.pos.line, d.source_line, caret,
             paint(stderr, Color::green, "^"));
}

void print_diagnostics(const std::vector<Diagnostic>& diagnostics) {
  for (const Diagnostic& d : diagnostics) print_diagnostic(d);
}

namespace {

std::string escape_data(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '%') out += "%25";
    else if (c == '\r') out += "%0D";
    else if (c == '\n') out += "%0A";
    else out += c;
  }
  return out;
}

std::string escape_property(const std::string& text) {
  std::string out;
  for (char c : escape_data(text)) {
    if (c == ':') out += "%3A";
    else if (c == ',') out += "%2C";
    else out += c;
  }
  return out;
}

} // namespace

std::string github_annotation(const Diagnostic& d) {
  std::string properties = "file=" + escape_property(d.pos.path);
  if (d.pos.line > 0) properties += fmt::format(",line={}", d.pos.line);
  if (d.pos.line > 0 && d.pos.column > 0) properties += fmt::format(",col={}", d.pos.column);
  return "::error " + properties + "::" + escape_data(d.message);
}

void print_error(const std::string& message) {
  fmt::print(stderr, "gpurun: {} {}\n", paint(stderr, Color::red, "error:"), message);
}

void print_note(const std::string& message) { fmt::print(stderr, "gpurun: {}\n", message); }

void print_warning(const std::string& message) {
  fmt::print(stderr, "gpurun: {} {}\n", paint(stderr, Color::yellow, "warning:"), message);
}

void print_json(const nlohmann::json& document) {
  fmt::print(stdout, "{}\n", document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  std::fflush(stdout);
}

} // namespace gpurun::cli

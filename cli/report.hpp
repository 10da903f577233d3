#pragma once
// Printing what core returns: diagnostics with a caret under the offending column, errors in
// the one format `gpurun: error: <message>`, and JSON documents on stdout.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace gpurun::cli {

// `path:line:col: error: message`, then the source line and a caret, on stderr.
void print_diagnostic(const Diagnostic& diagnostic);
void print_diagnostics(const std::vector<Diagnostic>& diagnostics);

// A GitHub Actions workflow command that annotates the diagnostic's file and line:
// `::error file=F,line=L,col=C::message`, with '%', CR and LF escaped (and ',' and ':' in the
// properties), and line and col left out when the position has none.
std::string github_annotation(const Diagnostic& diagnostic);

// `gpurun: error: message` on stderr.
void print_error(const std::string& message);
// `gpurun: message` on stderr: a notice that is neither an error nor a warning.
void print_note(const std::string& message);
// `gpurun: warning: message` on stderr.
void print_warning(const std::string& message);

// Exactly one JSON document and a newline on stdout.
void print_json(const nlohmann::json& document);

} // namespace gpurun::cli

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

// `gpurun: error: message` on stderr.
void print_error(const std::string& message);
// `gpurun: message` on stderr: a notice that is neither an error nor a warning.
void print_note(const std::string& message);
// `gpurun: warning: message` on stderr.
void print_warning(const std::string& message);

// Exactly one JSON document and a newline on stdout.
void print_json(const nlohmann::json& document);

} // namespace gpurun::cli

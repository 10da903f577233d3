#pragma once
// The one error type of gpurun. Thrown where work cannot go on; caught once, at the top of the
// CLI (and of each server request), and printed in one format.

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace gpurun {

// A position in an input file; line and column are 1-based.
struct SourcePos {
  std::string path;
  int line = 0;
  int column = 0;
};

// What kind of failure an Error is, so the CLI can map it to an exit code without parsing text.
enum class ErrorKind {
  failure,      // something went wrong (exit 1)
  invalid,      // bad input: manifest, spec, flag, inventory (exit 2)
  no_capacity,  // nothing in a GPU chain can ever be placed (exit 3)
  unreachable,  // the control plane could not be reached (exit 4)
  no_device,    // no CUDA device (exit 5)
  auth,         // the control plane refused the credentials (exit 6)
  not_found,    // the app, function or run does not exist (exit 7)
};

class Error : public std::runtime_error {
public:
  explicit Error(const std::string& message, ErrorKind kind = ErrorKind::failure)
      : std::runtime_error(message), m_kind(kind) {}
  Error(SourcePos pos, const std::string& message)
      : std::runtime_error(message), m_kind(ErrorKind::invalid), m_pos(std::move(pos)) {}

  ErrorKind kind() const { return m_kind; }
  const std::optional<SourcePos>& pos() const { return m_pos; }

private:
  ErrorKind m_kind;
  std::optional<SourcePos> m_pos;
};

// One problem found in an input file. Loaders collect every diagnostic of a file before stopping.
struct Diagnostic {
  SourcePos pos;
  std::string message;
  std::string source_line; // the offending line, for a caret display; empty when unknown
};

} // namespace gpurun

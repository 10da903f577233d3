#pragma once
// gpurun's exit codes: one table, documented in the README and docs/cli.md. Scripts rely on
// these numbers; never renumber one.

namespace gpurun::cli {

enum class ExitCode : int {
  ok = 0,
  failure = 1,      // the command failed (a smoke check failed, the server reported an error)
  invalid = 2,      // bad usage or invalid input: flags, manifest, spec, inventory
  no_capacity = 3,  // a GPU chain cannot be placed (now, for plan; ever, for run)
  unreachable = 4,  // the control plane could not be reached
  no_device = 5,    // smoke: no CUDA device (or no CUDA support in this build)
  auth = 6,         // the control plane refused the credentials
  not_found = 7,    // the app, function or run does not exist
  timed_out = 124,  // run: the function hit its timeout
  cancelled = 125,  // run: the run was cancelled or lost before it finished
  interrupted = 130 // SIGINT
};

inline int to_int(ExitCode code) { return static_cast<int>(code); }

struct ExitCodeInfo {
  ExitCode code;
  const char* meaning;
};

// The table the man page prints and the README must match (a unit test compares them).
inline constexpr ExitCodeInfo k_exit_codes[] = {
    {ExitCode::ok, "success"},
    {ExitCode::failure, "the command failed (for example a smoke check failed, or the control plane reported an error)"},
    {ExitCode::invalid, "bad usage or invalid input: flags, manifest, GPU spec, inventory"},
    {ExitCode::no_capacity, "no capacity: a GPU chain cannot be placed (now, for `plan`)"},
    {ExitCode::unreachable, "the control plane could not be reached"},
    {ExitCode::no_device, "no CUDA device (or a build without CUDA) for `smoke`"},
    {ExitCode::auth, "the control plane refused the credentials"},
    {ExitCode::not_found, "the app, function or run does not exist"},
    {ExitCode::timed_out, "`run`: the function hit its timeout"},
    {ExitCode::cancelled, "`run`: the run was cancelled or lost"},
    {ExitCode::interrupted, "interrupted"},
};

} // namespace gpurun::cli

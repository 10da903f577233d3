#pragma once
// Shell completion, generated from the command tree itself so that it cannot drift from the
// parser. completion.cpp turns the CLI11 definitions and Context's hints into this model; one
// file per shell writes the script. What only gpurun knows at completion time (a manifest's
// function names, the configuration's profiles) the scripts ask `gpurun __complete KIND` for.

#include <string>
#include <vector>

namespace gpurun::cli {

// What the value of an option, or an argument, completes to.
struct CompletionValues {
  std::vector<std::string> words; // fixed candidates: "text", "json", GPU type names
  bool files = false;
  std::string dynamic; // "functions" (of the manifest given as the first argument), "profiles"
};

struct CompletionOption {
  std::vector<std::string> flags; // "-o", "--output"
  std::string description;        // without characters any shell's quoting would trip on
  bool takes_value = false;
  CompletionValues values;
};

struct CompletionArgument {
  std::string name;
  CompletionValues values;
  bool repeats = false; // the last argument may take several words
};

struct CompletionCommand {
  std::string path;        // "" for gpurun itself, "gpus", "image render"
  std::string description;
  std::vector<CompletionOption> options; // its own, not the global ones
  std::vector<CompletionArgument> arguments;
  std::vector<std::string> subcommands; // names, for a command group (`image`, `secret`)

  std::string name() const { return path.substr(path.rfind(' ') + 1); }
};

struct CompletionModel {
  std::vector<CompletionOption> globals;   // accepted by every command, before or after its name
  std::vector<CompletionCommand> commands; // every command path, gpurun itself first

  const CompletionCommand* find(const std::string& path) const;
  // The path of a subcommand of `parent`.
  static std::string join(const std::string& parent, const std::string& name);
};

// "a b c": a list as the shells' word lists want it.
std::string space_separated(const std::vector<std::string>& list);

std::string bash_script(const CompletionModel& model);
std::string zsh_script(const CompletionModel& model);
std::string fish_script(const CompletionModel& model);

} // namespace gpurun::cli

// `gpurun completion SHELL` and the hidden `gpurun __complete KIND [FILE]` that the scripts call:
// the model of every command, option, argument and value hint, and the candidates that only a
// run of gpurun can know.

#include "cli/completion.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "cli/context.hpp"
#include "core/config_file.hpp"
#include "core/yaml_tree.hpp"

namespace gpurun::cli {
namespace {

std::string clean(const std::string& text) {
  std::string out;
  for (char c : text)
    if (c != '\'' && c != '"' && c != '[' && c != ']' && c != ':' && c != '\\' && c != '`' && c != '$') out += c;
  return out;
}

bool named(const CLI::Option* opt) { return !opt->get_lnames().empty() || !opt->get_snames().empty(); }

CompletionValues values_of(const CLI::Option* opt, const Context& context) {
  CompletionValues values;
  values.files = std::find(context.file_options.begin(), context.file_options.end(), opt) != context.file_options.end();
  if (auto it = context.value_hints.find(opt); it != context.value_hints.end()) values.words = it->second;
  if (auto it = context.dynamic_hints.find(opt); it != context.dynamic_hints.end()) values.dynamic = it->second;
  return values;
}

CompletionOption option_of(const CLI::Option* opt, const Context& context) {
  CompletionOption o;
  for (const std::string& s : opt->get_snames()) o.flags.push_back("-" + s);
  for (const std::string& l : opt->get_lnames()) o.flags.push_back("--" + l);
  o.description = clean(opt->get_description());
  o.takes_value = opt->get_expected_max() > 0;
  o.values = values_of(opt, context);
  return o;
}

void describe(const CLI::App& app, const std::string& path, const Context& context, CompletionModel& model) {
  CompletionCommand command{path, clean(app.get_description()), {}, {}, {}};
  for (const CLI::Option* opt : app.get_options()) {
    if (opt == app.get_help_ptr()) continue; // each shell adds its own --help
    if (!named(opt)) {
      command.arguments.push_back({opt->get_name(), values_of(opt, context), opt->get_expected_max() > 1});
      continue;
    }
    // gpurun's own options that take a value are global; --version stays its own.
    if (path.empty() && opt->get_expected_max() > 0) model.globals.push_back(option_of(opt, context));
    else command.options.push_back(option_of(opt, context));
  }
  std::vector<const CLI::App*> visible;
  for (const CLI::App* sub : app.get_subcommands({}))
    if (!sub->get_group().empty()) visible.push_back(sub); // hidden: internal commands
  for (const CLI::App* sub : visible) command.subcommands.push_back(sub->get_name());
  model.commands.push_back(command);
  for (const CLI::App* sub : visible) describe(*sub, CompletionModel::join(path, sub->get_name()), context, model);
}

// The names under `functions:` in each document of a manifest, valid or not: completion works
// on a manifest being written.
std::vector<std::string> function_names(const std::string& path) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const core::YamlNode& doc : core::read_yaml_file(path).documents) {
    if (!doc.is_mapping()) continue;
    for (const auto& [key, value] : doc.entries) {
      if (!key.is_scalar() || key.scalar != "functions" || !value.is_mapping()) continue;
      for (const auto& [name, body] : value.entries)
        if (name.is_scalar() && seen.insert(name.scalar).second) names.push_back(name.scalar);
    }
  }
  return names;
}

void add_complete_helper(CLI::App& root, Context& context) {
  auto words = std::make_shared<std::vector<std::string>>();
  CLI::App* command = root.add_subcommand("__complete", "For completion scripts: candidates, one a line");
  command->group(""); // hidden from --help, completion and the man page
  command->add_option("words", *words, "functions FILE, or profiles");
  command->callback([words, &context] {
    context.action = [words, &context] {
      // Silent whatever happens: a completion must not print errors into the user's command line.
      try {
        std::vector<std::string> names;
        if (words->size() == 2 && words->front() == "functions") names = function_names(words->back());
        if (words->size() == 1 && words->front() == "profiles") {
          const Setting path = context.settings.config_path();
          if (!path.value.empty()) names = core::load_config_file(path.value, "").profile_names();
        }
        for (const std::string& name : names) fmt::print("{}\n", name);
      } catch (const std::exception&) {
      }
      return ExitCode::ok;
    };
  });
}

} // namespace

const CompletionCommand* CompletionModel::find(const std::string& path) const {
  for (const CompletionCommand& command : commands)
    if (command.path == path) return &command;
  return nullptr;
}

std::string space_separated(const std::vector<std::string>& list) { return fmt::format("{}", fmt::join(list, " ")); }

std::string CompletionModel::join(const std::string& parent, const std::string& name) {
  return parent.empty() ? name : parent + " " + name;
}

void add_completion(CLI::App& root, Context& context) {
  auto shell = std::make_shared<std::string>();
  CLI::App* command = root.add_subcommand("completion", "Print a shell completion script: bash, zsh or fish");
  CLI::Option* arg = command->add_option("shell", *shell, "bash, zsh or fish")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
  context.value_hints[arg] = {"bash", "zsh", "fish"};
  command->callback([shell, &root, &context] {
    context.action = [shell, &root, &context] {
      CompletionModel model;
      describe(root, "", context, model);
      fmt::print("{}", *shell == "bash" ? bash_script(model) : *shell == "zsh" ? zsh_script(model) : fish_script(model));
      return ExitCode::ok;
    };
  });
  add_complete_helper(root, context);
}

} // namespace gpurun::cli

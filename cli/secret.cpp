// `gpurun secret set|ls|rm`: named secrets held by the control plane. Values come from
// arguments, an env file or stdin (so that they can stay out of argv and shell history) and are
// never printed: the server answers with names and keys only.

#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli/client.hpp"
#include "cli/context.hpp"
#include "cli/report.hpp"
#include "cli/table.hpp"
#include "cli/terminal.hpp"
#include "core/env_file.hpp"
#include "core/schema_walker.hpp"

namespace gpurun::cli {

using nlohmann::json;

namespace {

std::string read_stdin_all() {
  std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  return text;
}

// One value from stdin: a prompt without echo on a terminal; otherwise all of stdin, less one
// trailing newline (what `echo` and most password tools add).
std::string read_value(const std::string& key) {
  if (is_terminal(stdin)) {
    fmt::print(stderr, "value of {}: ", key);
    std::fflush(stderr);
    termios old{};
    const bool restore = ::tcgetattr(STDIN_FILENO, &old) == 0;
    if (restore) {
      termios quiet = old;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::string line;
    std::getline(std::cin, line);
    if (restore) ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
    fmt::print(stderr, "\n");
    return line;
  }
  std::string text = read_stdin_all();
  if (text.ends_with("\r\n")) text.resize(text.size() - 2);
  else if (text.ends_with('\n')) text.pop_back();
  return text;
}

std::map<std::string, std::string> collect_values(const std::vector<std::string>& pairs, const std::string& env_file) {
  std::map<std::string, std::string> values;
  bool stdin_used = false;
  if (!env_file.empty()) {
    std::string text;
    if (env_file == "-") {
      text = read_stdin_all();
      stdin_used = true;
    } else {
      std::ifstream in(env_file, std::ios::binary);
      if (!in) throw Error("cannot read " + env_file, ErrorKind::invalid);
      std::stringstream buffer;
      buffer << in.rdbuf();
      text = buffer.str();
    }
    core::EnvFileLoad load = core::parse_env_file(text, env_file == "-" ? "<stdin>" : env_file);
    if (!load.diagnostics.empty()) {
      print_diagnostics(load.diagnostics);
      throw Error("the env file is not valid; no secret was changed", ErrorKind::invalid);
    }
    values = std::move(load.values);
  }
  for (const std::string& pair : pairs) {
    const size_t eq = pair.find('=');
    const std::string key = pair.substr(0, eq);
    // Only the part before '=' may be shown: what follows is a value.
    if (!core::is_valid_env_name(key))
      throw Error("expected KEY=VALUE or KEY (value on stdin); the part before '=' is not a variable name", ErrorKind::invalid);
    if (values.contains(key)) throw Error(key + " is given twice", ErrorKind::invalid);
    if (eq != std::string::npos) {
      values[key] = pair.substr(eq + 1);
      continue;
    }
    if (stdin_used) throw Error("only one value can come from stdin; " + key + " has no '=VALUE'", ErrorKind::invalid);
    stdin_used = true;
    values[key] = read_value(key);
  }
  if (values.empty()) throw Error("give KEY=VALUE pairs, KEY (its value on stdin) or --from-env-file FILE", ErrorKind::invalid);
  return values;
}

std::string keys_text(const json& secret) {
  std::string out;
  for (const json& k : secret.value("keys", json::array())) out += (out.empty() ? "" : ", ") + k.get<std::string>();
  return out;
}

void add_set(CLI::App& parent, Context& context) {
  struct Options {
    std::string name;
    std::vector<std::string> pairs;
    std::string env_file;
    OutputFormat output = OutputFormat::text;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = parent.add_subcommand("set", "Create or replace a secret with exactly the given keys");
  command->add_option("name", options->name, "Secret name")->required();
  command->add_option("pairs", options->pairs, "KEY=VALUE, or KEY alone to read its value from stdin (kept out of argv)");
  context.file_options.push_back(
      command->add_option("--from-env-file", options->env_file, "KEY=VALUE lines from a file ('-' for stdin)"));
  add_output_option(*command, context, options->output);
  command->callback([options, &context] {
    context.action = [options, &context] {
      std::map<std::string, std::string> values = collect_values(options->pairs, options->env_file);
      json secret = core::ApiClient(connect_config(context.settings, Announce::yes)).set_secret(options->name, values);
      if (options->output == OutputFormat::json) print_json(secret);
      else fmt::print("secret '{}' set: {}\n", secret.value("name", ""), keys_text(secret));
      return ExitCode::ok;
    };
  });
}

void add_ls(CLI::App& parent, Context& context) {
  auto output = std::make_shared<OutputFormat>(OutputFormat::text);
  CLI::App* command = parent.add_subcommand("ls", "List secrets: names and keys, never values");
  add_output_option(*command, context, *output);
  command->callback([output, &context] {
    context.action = [output, &context] {
      json secrets = core::ApiClient(connect_config(context.settings)).secrets();
      if (*output == OutputFormat::json) {
        print_json(secrets);
        return ExitCode::ok;
      }
      Table table({"SECRET", "KEYS", "UPDATED"});
      for (const json& s : secrets["secrets"])
        table.add({s.value("name", ""), keys_text(s), s["updated_at"].is_string() ? s["updated_at"].get<std::string>() : "-"});
      table.print();
      return ExitCode::ok;
    };
  });
}

void add_rm(CLI::App& parent, Context& context) {
  auto name = std::make_shared<std::string>();
  CLI::App* command = parent.add_subcommand("rm", "Remove a secret; runs of functions that name it then fail to start");
  command->add_option("name", *name, "Secret name")->required();
  command->callback([name, &context] {
    context.action = [name, &context] {
      core::ApiClient(connect_config(context.settings, Announce::yes)).delete_secret(*name);
      fmt::print("secret '{}' removed\n", *name);
      return ExitCode::ok;
    };
  });
}

} // namespace

void add_secret(CLI::App& root, Context& context) {
  CLI::App* command = root.add_subcommand("secret", "Manage named secrets: set, ls, rm (values are never shown)");
  command->require_subcommand(1);
  add_set(*command, context);
  add_ls(*command, context);
  add_rm(*command, context);
}

} // namespace gpurun::cli

// `gpurun manpage`: the man page in roff, generated from the command tree like the completion
// scripts, so that it cannot drift from the parser. The build writes it to gpurun.1.

#include <fmt/format.h>

#include "cli/context.hpp"

namespace gpurun::cli {
namespace {

// Escapes text for roff: backslashes, and a leading '.' or '\'' that would read as a request.
std::string roff(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out = "\\&" + out;
  return out;
}

std::string option_names(const CLI::Option* opt) {
  std::vector<std::string> names;
  for (const std::string& s : opt->get_snames()) names.push_back("\\fB\\-" + roff(s) + "\\fR");
  for (const std::string& l : opt->get_lnames()) names.push_back("\\fB\\-\\-" + roff(l) + "\\fR");
  std::string out = fmt::format("{}", fmt::join(names, ", "));
  if (opt->get_expected_max() > 0 && !opt->get_positional())
    out += " \\fI" + roff(opt->get_option_text().empty() ? opt->get_type_name() : opt->get_option_text()) + "\\fR";
  if (!opt->get_envname().empty()) out += " (env \\fB" + roff(opt->get_envname()) + "\\fR)";
  return out;
}

std::string manpage(CLI::App& root) {
  std::string out = fmt::format(".TH GPURUN 1 \"\" \"gpurun {}\" \"User Commands\"\n", GPURUN_VERSION);
  out += ".SH NAME\ngpurun \\- validate, plan, deploy and run GPU functions\n";
  out += ".SH SYNOPSIS\n.B gpurun\n\\fICOMMAND\\fR [\\fIOPTIONS\\fR] [\\fIARGS\\fR]\n";
  out += ".SH DESCRIPTION\n" + roff(root.get_description()) +
         ". Manifests declare apps, images and functions with GPU requests such as "
         "\\fBH100:8\\fR, \\fBA100\\-80GB\\fR, \\fBH100!\\fR, or ordered fallback chains.\n";
  out += ".SH GLOBAL OPTIONS\nThese go before or after the command's name.\n";
  for (const CLI::Option* opt : root.get_options()) {
    if (opt == root.get_help_ptr() || opt->get_expected_max() == 0) continue;
    out += ".TP\n" + option_names(opt) + "\n" + roff(opt->get_description()) + "\n";
  }
  out += ".SH COMMANDS\n";
  for (CLI::App* sub : root.get_subcommands({})) {
    if (sub->get_group().empty()) continue; // hidden commands
    std::string usage = "\\fBgpurun " + roff(sub->get_name()) + "\\fR";
    for (const CLI::Option* opt : sub->get_options())
      if (opt->get_positional() && opt->get_lnames().empty() && opt->get_snames().empty())
        usage += " \\fI" + roff(opt->get_name()) + (opt->get_expected_max() > 1 ? "...\\fR" : "\\fR");
    out += ".TP\n" + usage + "\n" + roff(sub->get_description()) + "\n";
    for (const CLI::Option* opt : sub->get_options()) {
      if (opt == sub->get_help_ptr() || (opt->get_lnames().empty() && opt->get_snames().empty())) continue;
      out += ".RS\n.TP\n" + option_names(opt) + "\n" + roff(opt->get_description()) + "\n.RE\n";
    }
  }
  out += ".SH ENVIRONMENT\nEvery option marked (env NAME) may be set by that variable. Each setting comes from the "
         "flag, else the variable, else the profile of the configuration file, else the default.\n"
         "\\fBGPURUN_TOKEN\\fR holds the control plane's token (never a flag). \\fBGPURUN_PROGRESS_INTERVAL\\fR "
         "sets the seconds between progress lines when stderr is no terminal (0: none). \\fBNO_COLOR\\fR, "
         "\\fBCLICOLOR_FORCE\\fR and \\fBTERM=dumb\\fR decide colour.\n";
  out += ".SH FILES\n.TP\n\\fI$XDG_CONFIG_HOME/gpurun/config.yaml\\fR, else \\fI~/.config/gpurun/config.yaml\\fR\n"
         "Profiles: endpoint, token_file and output; default_profile. \\fBgpurun config show\\fR prints the "
         "settings in effect and where each came from.\n";
  out += ".SH EXIT STATUS\n";
  for (const ExitCodeInfo& info : k_exit_codes)
    out += fmt::format(".TP\n.B {}\n{}\n", to_int(info.code), roff(info.meaning));
  out += ".SH SEE ALSO\nThe README and docs/ of the gpurun source tree.\n";
  return out;
}

} // namespace

void add_manpage(CLI::App& root, Context& context) {
  CLI::App* command = root.add_subcommand("manpage", "Print the man page (roff)");
  command->group(""); // hidden from --help and completion: a build tool, not a user command
  command->callback([&root, &context] {
    context.action = [&root] {
      fmt::print("{}", manpage(root));
      return ExitCode::ok;
    };
  });
}

} // namespace gpurun::cli

#include <chrono>
#include <optional>

#include "cli/client.hpp"
#include "cli/context.hpp"
#include "cli/run_view.hpp"
#include "core/error.hpp"

namespace gpurun::cli {

void add_logs(CLI::App& root, Context& context) {
  struct Options {
    std::string id;
    bool follow = false;
    int attempt = 0;
    std::string reconnect;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = root.add_subcommand("logs", "Print a run's output: its stdout on stdout, its stderr on stderr");
  command->add_option("run", options->id, "Run id")->required();
  command->add_flag("-f,--follow", options->follow, "Keep printing until the run ends")->envname("GPURUN_FOLLOW");
  command->add_option("--attempt", options->attempt, "Only this attempt's output (1 is the first); not with --follow")
      ->check(CLI::PositiveNumber)
      ->excludes("--follow");
  command->add_option("--reconnect", options->reconnect,
                      "With --follow: how long to wait for the server after the stream is cut, a restart say (default 60s)")
      ->envname("GPURUN_FOLLOW_RECONNECT")
      ->option_text("DURATION");
  command->callback([options, &context] {
    context.action = [options, &context] {
      std::optional<std::chrono::milliseconds> reconnect;
      if (!options->reconnect.empty()) reconnect = parse_duration_option("--reconnect", options->reconnect);
      core::ApiConfig config = connect_config(context.settings);
      if (reconnect) config.follow_reconnect = *reconnect;
      if (options->follow) {
        follow_run(config, options->id, stdout, stderr);
        return ExitCode::ok;
      }
      core::ApiClient client(config);
      client.run(options->id); // one clear not-found error before any output
      for (const auto& [stream, to] : {std::pair{"stdout", stdout}, std::pair{"stderr", stderr}}) {
        auto copy = [to = to](std::string_view data) {
          std::fwrite(data.data(), 1, data.size(), to);
          return true;
        };
        if (options->attempt > 0) client.attempt_logs(options->id, stream, options->attempt, copy);
        else client.logs(options->id, stream, false, copy);
      }
      std::fflush(stdout);
      return ExitCode::ok;
    };
  });
}

} // namespace gpurun::cli

#include <doctest/doctest.h>

#include "core/config_file.hpp"

using namespace gpurun::core;

namespace {

ConfigFile parse(std::string_view text) { return parse_config_text(text, "/home/u/.config/gpurun/config.yaml", "/home/u"); }

std::vector<std::string> errors_of(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& d : parse(text).diagnostics)
    out.push_back(std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + ": " + d.message);
  return out;
}

} // namespace

TEST_SUITE("ConfigFile") {
  TEST_CASE("Profiles with every field, in file order") {
    ConfigFile config = parse("default_profile: ci\n"
                              "profiles:\n"
                              "  ci:\n"
                              "    endpoint: https://gpurun.example.com/\n"
                              "    token_file: ~/.config/gpurun/ci.token\n"
                              "    output: json\n"
                              "  local:\n"
                              "  lab:\n"
                              "    endpoint: http://10.0.0.5:8080\n"
                              "    token_file: lab.token\n");
    REQUIRE(config.diagnostics.empty());
    CHECK(config.exists);
    CHECK(config.default_profile == "ci");
    CHECK(config.profile_names() == std::vector<std::string>{"ci", "local", "lab"});
    const Profile* ci = config.find("ci");
    REQUIRE(ci != nullptr);
    CHECK(ci->endpoint == "https://gpurun.example.com");
    CHECK(ci->token_file == "/home/u/.config/gpurun/ci.token");
    CHECK(ci->output == "json");
    CHECK(ci->pos.line == 3);
    const Profile* local = config.find("local");
    REQUIRE(local != nullptr);
    CHECK(local->endpoint.empty());
    CHECK(config.find("lab")->token_file == "/home/u/.config/gpurun/lab.token");
    CHECK(config.find("nope") == nullptr);
  }

  TEST_CASE("An empty file has no profiles and no errors") {
    CHECK(parse("").diagnostics.empty());
    CHECK(parse("# nothing yet\n").profiles.empty());
    CHECK(parse("profiles:\n").diagnostics.empty());
  }

  TEST_CASE("Errors carry their position, with a did-you-mean for keys and values") {
    CHECK(errors_of("profile:\n  ci: {}\n") ==
          std::vector<std::string>{"1:1: unknown key 'profile' in the configuration; did you mean 'profiles'?"});
    CHECK(errors_of("profiles:\n  ci:\n    endpiont: http://x\n") ==
          std::vector<std::string>{"3:5: unknown key 'endpiont' in profile 'ci'; did you mean 'endpoint'?"});
    CHECK(errors_of("profiles:\n  ci:\n    endpoint: gpurun.example.com\n") ==
          std::vector<std::string>{"3:15: endpoint of profile 'ci' must be an http:// or https:// URL, got 'gpurun.example.com'"});
    CHECK(errors_of("profiles:\n  ci:\n    output: jsno\n") ==
          std::vector<std::string>{"3:13: output of profile 'ci' must be text, json or github, got 'jsno'; did you mean 'json'?"});
    CHECK(errors_of("profiles:\n  ci:\n    token_file: [a]\n") ==
          std::vector<std::string>{"3:17: token_file of profile 'ci' must be a string, got a list"});
    CHECK(errors_of("default_profile: cj\nprofiles:\n  ci: {}\n") ==
          std::vector<std::string>{"1:18: default_profile 'cj' names no profile in this file; did you mean 'ci'?"});
    CHECK(errors_of("profiles:\n  'a b': {}\n") ==
          std::vector<std::string>{"2:3: profile name 'a b' must be 1 to 63 letters, digits, '-' or '_'"});
    CHECK(errors_of("profiles:\n  ci: {}\n  ci: {}\n") ==
          std::vector<std::string>{"3:3: duplicate key 'ci' (first at line 2)"});
    CHECK(errors_of("profiles: [ci]\n") == std::vector<std::string>{"1:11: profiles must be a mapping, got a list"});
    CHECK(errors_of("profiles:\n  ci: {\n") .size() == 1);
  }

  TEST_CASE("A missing file is no error; the default path follows XDG") {
    ConfigFile missing = load_config_file("/nonexistent/gpurun/config.yaml", "/home/u");
    CHECK_FALSE(missing.exists);
    CHECK(missing.diagnostics.empty());
    CHECK(default_config_path("/xdg", "/home/u") == "/xdg/gpurun/config.yaml");
    CHECK(default_config_path("relative", "/home/u") == "/home/u/.config/gpurun/config.yaml");
    CHECK(default_config_path("", "") == "");
  }

  TEST_CASE("Endpoints are http(s) URLs without a trailing slash") {
    CHECK(normalize_endpoint("http://127.0.0.1:8080/") == "http://127.0.0.1:8080");
    CHECK(normalize_endpoint("https://x") == "https://x");
    CHECK_FALSE(normalize_endpoint("ftp://x"));
    CHECK_FALSE(normalize_endpoint("http://"));
    CHECK_FALSE(normalize_endpoint("http://a b"));
  }
}

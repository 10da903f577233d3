#include <doctest/doctest.h>

#include "core/manifest_loader.hpp"

using namespace gpurun;
using namespace gpurun::core;

namespace {

// The diagnostics of `text`, each as "line:col: message", one per line.
std::string errors_of(const std::string& text) {
  ManifestLoad load = load_manifest_text(text, "m.yaml");
  std::string out;
  for (const Diagnostic& d : load.diagnostics)
    out += std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + ": " + d.message + "\n";
  CHECK(load.manifest.has_value() == out.empty());
  return out;
}

std::string Lines(std::initializer_list<std::string> lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

Manifest load_ok(const std::string& text) {
  ManifestLoad load = load_manifest_text(text, "m.yaml");
  for (const Diagnostic& d : load.diagnostics) INFO(d.message);
  REQUIRE(load.manifest.has_value());
  return *load.manifest;
}


} // namespace

TEST_SUITE("ManifestLoader") {
  TEST_CASE("A full manifest loads with every field") {
    Manifest m = load_ok(R"(app: demo
image: {base: debian-slim, python: "3.11", pip: [torch]}
images:
  trainer: {base: localhost/trainer:1, env: {A: "1"}, workdir: /app}
functions:
  infer:
    gpu: ["H100", "A100-40GB:2"]
    command: [python, infer.py]
    env: {HF_HOME: /cache, DEBUG: 1}
    secrets: [hf-token]
    timeout: 90s
    retries: 3
    cpu: 2.5
    memory: 16Gi
    image: trainer
    schedule: "*/5 * * * *"
    timezone: Europe/Paris
    smoke: quick
  cpu_only:
    command: [echo, hi]
)");
    CHECK(m.app == "demo");
    REQUIRE(m.functions.size() == 2);
    const Function& f = m.functions[0];
    CHECK(f.name == "infer");
    CHECK(gpu_spec::chain_to_string(f.gpu) == "H100, A100-40GB:2");
    CHECK(f.command == std::vector<std::string>{"python", "infer.py"});
    CHECK(f.env.at("DEBUG") == "1");
    CHECK(f.secrets == std::vector<std::string>{"hf-token"});
    CHECK(f.timeout == std::chrono::seconds(90));
    CHECK(f.retries.max_retries == 3);
    CHECK(f.cpu == 2.5);
    CHECK(f.memory_mib == 16 * 1024);
    CHECK(f.image == "trainer");
    CHECK(f.schedule == "*/5 * * * *");
    CHECK(f.timezone == "Europe/Paris");
    CHECK(f.smoke == "quick");
    CHECK(m.image_for(f).base == "localhost/trainer:1");
    CHECK(m.functions[1].gpu.empty());
    CHECK(m.image_for(m.functions[1]).python == "3.11");
  }

  TEST_CASE("Without any image a function runs on the host") {
    Manifest m = load_ok("app: a\nfunctions:\n  f: {command: [true]}\n");
    CHECK(m.image_for(m.functions[0]).is_host());
  }

  TEST_CASE("Bad GPU specs are reported at the offending column, past quotes") {
    CHECK(errors_of("app: a\nfunctions:\n  f:\n    gpu: A100-70GB\n    command: [x]\n") ==
          Lines({"4:10: unknown GPU type 'A100-70GB'; did you mean 'A100-40GB' or 'A100-80GB'?"}));
    CHECK(errors_of("app: a\nfunctions:\n  f:\n    gpu: \"H100:9\"\n    command: [x]\n") ==
          Lines({"4:16: H100 allows at most 8 GPUs per function, got 9"}));
    CHECK(errors_of("app: a\nfunctions:\n  f:\n    gpu: [H100, A10!, 'h100:0']\n    command: [x]\n") ==
          Lines({"4:20: 'A10!' forbids an upgrade, but A10 is never upgraded; write 'A10'",
                "4:29: GPU count must be at least 1, got '0'"}));
    CHECK(errors_of("app: a\nfunctions:\n  f:\n    gpu: H100:8:2\n    command: [x]\n") ==
          Lines({"4:16: unexpected ':2' after the GPU count; a spec is TYPE[!][:N], such as H100:8"}));
    CHECK(errors_of("app: a\nfunctions:\n  f:\n    gpu: A10:5\n    command: [x]\n") ==
          Lines({"4:14: A10 allows at most 4 GPUs per function, got 5"}));
  }

  TEST_CASE("GPU lists: empty, nested, repeated") {
    CHECK(errors_of("app: a\nfunctions:\n  f: {gpu: [], command: [x]}\n") ==
          Lines({"3:12: f.gpu is an empty list; leave gpu out for a CPU-only function"}));
    CHECK(errors_of("app: a\nfunctions:\n  f: {gpu: [[H100]], command: [x]}\n") ==
          Lines({"3:13: each entry of f.gpu must be a GPU spec, got a list"}));
    CHECK(errors_of("app: a\nfunctions:\n  f: {gpu: [H100, h100], command: [x]}\n") ==
          Lines({"3:19: 'H100' appears twice in f.gpu; a fallback entry is tried once"}));
    CHECK(errors_of("app: a\nfunctions:\n  f: {gpu: {type: H100}, command: [x]}\n") ==
          Lines({"3:12: f.gpu must be a GPU spec (\"H100:8\") or a list of them, got a mapping"}));
  }

  TEST_CASE("Unknown keys get a did-you-mean") {
    CHECK(errors_of("app: a\nfunctions:\n  f:\n    gpus: H100\n    command: [x]\n") ==
          Lines({"4:5: unknown key 'gpus' in function 'f'; did you mean 'gpu'?"}));
    CHECK(errors_of("ap: a\nfunctions:\n  f: {command: [x]}\n") ==
          Lines({"1:1: unknown key 'ap' in the manifest; did you mean 'app'?"}));
    CHECK(errors_of("app: a\nfunctions:\n  f: {command: [x], colour: red}\n") ==
          Lines({"3:21: unknown key 'colour' in function 'f'"}));
  }

  TEST_CASE("Duplicate keys are errors") {
    CHECK(errors_of("app: a\nfunctions:\n  f:\n    command: [x]\n    command: [y]\n") ==
          Lines({"5:5: duplicate key 'command' (first at line 4)"}));
  }

  TEST_CASE("Wrong types and out-of-range values") {
    CHECK(errors_of("app: a\nfunctions:\n  f: {command: python train.py}\n") ==
          Lines({"3:16: f.command (an argv list such as [python, train.py]) must be a list of strings, got 'python train.py'"}));
    CHECK(errors_of("app: a\nfunctions:\n  f: {command: [x], timeout: 0s}\n") ==
          Lines({"3:30: f.timeout must be between 1s and 1d, got 0s"}));
    CHECK(errors_of("app: a\nfunctions:\n  f: {command: [x], timeout: 25h}\n") ==
          Lines({"3:30: f.timeout must be between 1s and 1d, got 25h"}));
    CHECK(errors_of("app: a\nfunctions:\n  f: {command: [x], timeout: soon}\n") ==
          Lines({"3:30: f.timeout: 'soon' is not a duration; expected a duration such as 90s, 10m, 2h or 1h30m"}));
    CHECK(errors_of("app: a\nfunctions:\n  f: {command: [x], retries: 11}\n") ==
          Lines({"3:30: f.retries must be between 0 and 10, got 11"}));
    CHECK(errors_of("app: a\nfunctions:\n  f: {command: [x], cpu: 0}\n") ==
          Lines({"3:26: f.cpu must be between 0.125 and 256, got 0"}));
    CHECK(errors_of("app: a\nfunctions:\n  f: {command: [x], memory: 16Zi}\n") ==
          Lines({"3:29: f.memory: unknown memory unit 'Zi'; expected a size such as 512Mi, 16Gi or 16GB, or a number of MiB"}));
    CHECK(errors_of("app: a\nfunctions:\n  f: {command: [x], schedule: '61 * * * *'}\n") ==
          Lines({"3:31: f.schedule: minute field '61': values must lie in 0-59"}));
    CHECK(errors_of("app: a\nfunctions:\n  f: {command: [x], schedule: '* * *'}\n") ==
          Lines({"3:31: f.schedule: a schedule has 5 fields (minute hour day-of-month month day-of-week), got 3"}));
    CHECK(errors_of("app: a\nfunctions:\n  f: {command: [x], env: {1BAD: x}}\n") ==
          Lines({"3:27: '1BAD' in f.env is not a variable name (letters, digits and '_', not starting with a digit)"}));
  }

  TEST_CASE("Retries as a policy") {
    Manifest m = load_ok("app: a\nfunctions:\n  f:\n    command: [x]\n    retries: {max: 4, backoff: 1.5, initial_delay: 2s, max_delay: 1m}\n");
    CHECK(m.functions[0].retries.max_retries == 4);
    CHECK(m.functions[0].retries.backoff == 1.5);
    CHECK(m.functions[0].retries.initial_delay == std::chrono::seconds(2));
    CHECK(m.functions[0].retries.max_delay == std::chrono::minutes(1));
    CHECK(errors_of("app: a\nfunctions:\n  f:\n    command: [x]\n    retries: {max: 1, initial_delay: 1m, max_delay: 1s}\n") ==
          Lines({"5:14: f.retries: max_delay is shorter than initial_delay"}));
  }

  TEST_CASE("Missing pieces are named") {
    CHECK(errors_of("app: a\nfunctions:\n  f: {gpu: H100}\n") ==
          Lines({"3:3: function 'f' has no command; add command: [program, args...]"}));
    CHECK(errors_of("functions:\n  f: {command: [x]}\n") == Lines({"1:1: the manifest has no 'app'; add app: NAME"}));
    CHECK(errors_of("app: a\n") == Lines({"1:6: app 'a' declares no functions"}));
    CHECK(errors_of("") == Lines({"1:1: the manifest is empty; it needs app: NAME and functions:"}));
    CHECK(errors_of("app: a\nfunctions:\n  f: {command: [x], image: missing}\n") ==
          Lines({"3:28: unknown image 'missing'; declare it under images:"}));
  }

  TEST_CASE("Several documents make one deployment") {
    Manifest m = load_ok("app: a\nfunctions:\n  f: {command: [x]}\n---\nfunctions:\n  g: {command: [y], gpu: T4}\n");
    CHECK(m.functions.size() == 2);
    CHECK(errors_of("app: a\nfunctions:\n  f: {command: [x]}\n---\napp: b\nfunctions:\n  f: {command: [y]}\n") ==
          Lines({"5:6: app 'b' conflicts with app 'a' at m.yaml:1:6; one deployment is one app",
                "7:3: function 'f' is already declared at m.yaml:3:3"}));
  }

  TEST_CASE("Names are checked") {
    CHECK(errors_of("app: 'my app'\nfunctions:\n  f: {command: [x]}\n") ==
          Lines({"1:6: app name 'my app' must be 1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit"}));
    CHECK(errors_of("app: a\nfunctions:\n  ../etc: {command: [x]}\n") ==
          Lines({"3:3: function name '../etc' must be 1 to 63 letters, digits, '-' or '_', starting with a letter or digit"}));
  }

  TEST_CASE("Image rules") {
    CHECK(errors_of("app: a\nimage: {base: localhost/x, python: '3.11'}\nfunctions:\n  f: {command: [x]}\n") ==
          Lines({"2:8: image: 'python' applies only to base debian-slim"}));
    CHECK(errors_of("app: a\nimage: {base: host, pip: [torch]}\nfunctions:\n  f: {command: [x]}\n") ==
          Lines({"2:8: image: base 'host' runs on the host itself and takes no apt, pip, run or copy steps"}));
    CHECK(errors_of("app: a\nimage: {copy: [{src: ../secret, dst: /x}]}\nfunctions:\n  f: {command: [x]}\n") ==
          Lines({"2:16: image.copy: src must be a relative path inside the manifest's folder"}));
  }

  TEST_CASE("The top level must be a mapping") {
    CHECK(errors_of("- a\n- b\n") == Lines({"1:1: the manifest must be a mapping, got a list"}));
    CHECK(errors_of("just text\n") == Lines({"1:1: the manifest must be a mapping, got 'just text'"}));
  }

  TEST_CASE("Invalid YAML is reported with its position") {
    CHECK(errors_of("app: [unclosed\n") == Lines({"2:1: invalid YAML: end of sequence flow not found"}));
  }
}

TEST_SUITE("ManifestLoader") {
  TEST_CASE("Image steps that would break the Containerfile are refused") {
    CHECK(errors_of("app: a\nimage: {python: '3'}\nfunctions:\n  f: {command: [x]}\n") ==
          Lines({"2:17: image.python must be a version such as 3.11, got '3'"}));
    CHECK(errors_of("app: a\nimage: {apt: [git, 'curl; rm -rf /']}\nfunctions:\n  f: {command: [x]}\n") ==
          Lines({"2:20: image.apt: 'curl; rm -rf /' is not a Debian package name (optionally =version)"}));
    CHECK(errors_of("app: a\nimage: {run: ['  ']}\nfunctions:\n  f: {command: [x]}\n") ==
          Lines({"2:15: image.run: a command must not be empty"}));
    CHECK(errors_of("app: a\nimage: {env: {A: \"x\\ny\"}}\nfunctions:\n  f: {command: [x]}\n") ==
          Lines({"2:14: image.env.A must be a single line in an image"}));
    CHECK(errors_of("app: a\nimage: {apt: [git=1:2.39-1, libssl3]}\nfunctions:\n  f: {command: [x]}\n").empty());
  }
}

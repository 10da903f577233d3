// libFuzzer target: the GPU spec grammar (gpu_spec/spec.hpp). Any text either parses or gives an
// error with a message and an offset inside the text; a parsed spec's canonical spelling parses
// back to the same spec, and its derived answers (types, advice) do not fail.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "fuzz_check.hpp"
#include "gpu_spec/spec.hpp"

using namespace gpurun::gpu_spec;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::variant<GpuSpec, SpecError> result = parse_spec(text);
  if (const auto* error = std::get_if<SpecError>(&result)) {
    FUZZ_CHECK(!error->message.empty());
    FUZZ_CHECK(error->offset <= text.size());
    return 0;
  }
  const GpuSpec& spec = std::get<GpuSpec>(result);
  FUZZ_CHECK(spec.type != nullptr && spec.count >= 1 && spec.count <= spec.type->max_count);
  const std::variant<GpuSpec, SpecError> again = parse_spec(spec.to_string());
  FUZZ_CHECK(std::holds_alternative<GpuSpec>(again) && std::get<GpuSpec>(again) == spec);
  FUZZ_CHECK(!spec.acceptable_types().empty());
  for (std::string_view type : spec.acceptable_types()) FUZZ_CHECK(spec.fit(type) != Fit::no);
  (void)spec.advisory();
  return 0;
}

#include "gpu_spec/spec.hpp"

#include <algorithm>
#include <cctype>

#include "gpu_spec/spellcheck.hpp"

namespace gpurun::gpu_spec {
namespace {

bool is_type_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_';
}

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string known_types() {
  std::string out;
  for (const GpuType& type : catalog()) {
    if (!out.empty()) out += ", ";
    out += type.name;
  }
  return out;
}

SpecError unknown_type(std::string_view name) {
  if (auto suggestion = did_you_mean(name, type_names()))
    return {0, "unknown GPU type " + quote(name) + "; " + *suggestion};
  return {0, "unknown GPU type " + quote(name) + "; known types: " + known_types()};
}

} // namespace

std::string GpuSpec::to_string() const {
  std::string out(type->name);
  if (upgrade == Upgrade::forbidden) out += '!';
  if (count != 1) out += ":" + std::to_string(count);
  return out;
}

std::vector<std::string_view> GpuSpec::acceptable_types() const {
  if (upgrade == Upgrade::forbidden) return {type->runs_on.front()};
  return type->runs_on;
}

Fit GpuSpec::fit(std::string_view physical) const {
  auto types = acceptable_types();
  auto it = std::find(types.begin(), types.end(), physical);
  if (it == types.end()) return Fit::no;
  return it == types.begin() ? Fit::exact : Fit::upgrade;
}

std::string GpuSpec::advisory() const {
  if (count > 2) return "requesting more than 2 GPUs may result in longer wait times";
  return "";
}

std::variant<GpuSpec, SpecError> parse_spec(std::string_view text) {
  if (text.empty()) return SpecError{0, "empty GPU spec; expected TYPE[!][:N], such as H100 or H100:8"};

  size_t pos = 0;
  while (pos < text.size() && is_type_char(text[pos])) ++pos;
  std::string_view name = text.substr(0, pos);
  if (name.empty())
    return SpecError{0, "GPU spec must start with a GPU type, got " + quote(text.substr(0, 1))};

  const GpuType* type = find_type(name);
  if (type == nullptr) return unknown_type(name);

  GpuSpec spec{type, 1, Upgrade::allowed};
  if (pos < text.size() && text[pos] == '!') {
    if (!type->upgradable())
      return SpecError{pos, quote(std::string(type->name) + "!") + " forbids an upgrade, but " +
                                std::string(type->name) + " is never upgraded; write " +
                                quote(type->name)};
    spec.upgrade = Upgrade::forbidden;
    ++pos;
  }

  if (pos < text.size() && text[pos] == ':') {
    const size_t start = ++pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
    std::string_view digits = text.substr(start, pos - start);
    if (digits.empty()) {
      if (start == text.size()) return SpecError{start - 1, "missing GPU count after ':'"};
      return SpecError{start, "GPU count must be a whole number, got " +
                                  quote(text.substr(start))};
    }
    // Beyond six digits the exact value cannot matter: it is over every maximum.
    long count = digits.size() > 6 ? 1'000'000 : std::stol(std::string(digits));
    if (count < 1) return SpecError{start, "GPU count must be at least 1, got " + quote(digits)};
    if (count > type->max_count)
      return SpecError{start, std::string(type->name) + " allows at most " +
                                  std::to_string(type->max_count) + " GPUs per function, got " +
                                  std::string(digits)};
    spec.count = static_cast<int>(count);
  }

  if (pos < text.size()) {
    std::string_view rest = text.substr(pos);
    if (rest == "!" && text[pos - 1] != '!')
      return SpecError{pos, "'!' goes before the count: write " +
                                quote(std::string(type->name) + "!:" + std::to_string(spec.count))};
    if (rest.front() == ':')
      return SpecError{pos, "unexpected " + quote(rest) +
                                " after the GPU count; a spec is TYPE[!][:N], such as H100:8"};
    return SpecError{pos, "unexpected " + quote(rest) +
                              " in GPU spec; a spec is TYPE[!][:N], such as H100:8"};
  }
  return spec;
}

std::string chain_to_string(const GpuChain& chain) {
  std::string out;
  for (const GpuSpec& spec : chain) {
    if (!out.empty()) out += ", ";
    out += spec.to_string();
  }
  return out;
}

} // namespace gpurun::gpu_spec

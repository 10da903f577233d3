#include "server/slurm/gres_type_map.hpp"

#include <algorithm>
#include <cctype>

#include "core/error.hpp"
#include "gpu_spec/catalog.hpp"
#include "gpu_spec/spellcheck.hpp"

namespace gpurun::server::slurm {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) text.remove_suffix(1);
  return text;
}

} // namespace

GresTypeMap GresTypeMap::parse(std::string_view text) {
  GresTypeMap map;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find_first_of(",\n", start);
    std::string_view item = trim(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (!item.empty()) {
      size_t sep = item.find_first_of("=:");
      if (sep == std::string_view::npos)
        throw Error("GRES type mapping '" + std::string(item) + "': expected GRES_TYPE=CATALOG_TYPE, as in a100=A100-80GB",
                    ErrorKind::invalid);
      map.add(std::string(trim(item.substr(0, sep))), std::string(trim(item.substr(sep + 1))));
    }
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return map;
}

void GresTypeMap::add(const std::string& gres_type, const std::string& catalog_type) {
  if (gres_type.empty()) throw Error("GRES type mapping '=" + catalog_type + "': the GRES type is empty", ErrorKind::invalid);
  const gpu_spec::GpuType* type = gpu_spec::find_type(catalog_type);
  if (type == nullptr) {
    std::string message = "GRES type mapping '" + gres_type + "=" + catalog_type + "': unknown GPU type '" + catalog_type + "'";
    if (auto guess = gpu_spec::closest_match(catalog_type, gpu_spec::type_names())) message += "; did you mean " + *guess + "?";
    throw Error(message, ErrorKind::invalid);
  }
  if (type->kind != gpu_spec::TypeKind::physical) {
    std::string variants;
    for (size_t i = 0; i < type->runs_on.size(); ++i) variants += (i > 0 ? " or " : "") + std::string(type->runs_on[i]);
    throw Error("GRES type mapping '" + gres_type + "=" + catalog_type + "': " + std::string(type->name) +
                    " is a family; name the cards the nodes hold: " + variants,
                ErrorKind::invalid);
  }
  m_to_catalog[lower(gres_type)] = std::string(type->name);
}

std::optional<std::string> GresTypeMap::to_catalog(std::string_view gres_type) const {
  if (auto it = m_to_catalog.find(lower(gres_type)); it != m_to_catalog.end()) return it->second;
  if (const gpu_spec::GpuType* type = gpu_spec::find_type(gres_type); type != nullptr && type->kind == gpu_spec::TypeKind::physical)
    return std::string(type->name);
  return std::nullopt;
}

std::string GresTypeMap::to_gres(std::string_view catalog_type) const {
  for (const auto& [gres, catalog] : m_to_catalog)
    if (catalog == catalog_type) return gres;
  return lower(catalog_type);
}

} // namespace gpurun::server::slurm

#pragma once
// Slurm names GPU types freely in gres.conf ("h100", "a100", "a100_80g"); gpurun places on
// catalog types. This table maps one to the other. A GRES type equal to a physical catalog name
// or alias, ignoring case, maps without an entry (h100 -> H100); anything else, including a
// family such as a100 (which of A100-40GB or A100-80GB?), needs an entry such as `a100=A100-80GB`.

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace gpurun::server::slurm {

class GresTypeMap {
public:
  // Parses "a100=A100-80GB,h100=H100" (also ':' for '=', newlines for ','; blanks ignored).
  // Throws gpurun::Error (invalid) naming a catalog type that is unknown or not physical, with a
  // did-you-mean where one fits.
  static GresTypeMap parse(std::string_view text);

  void add(const std::string& gres_type, const std::string& catalog_type);

  // The catalog's canonical physical type for a GRES type; nullopt when it maps to none.
  std::optional<std::string> to_catalog(std::string_view gres_type) const;
  // The GRES type to request for a catalog type: the configured entry, else the lower-case name.
  // (The executor prefers the spelling it has seen on the cluster's nodes.)
  std::string to_gres(std::string_view catalog_type) const;

private:
  std::map<std::string, std::string> m_to_catalog; // lower-case GRES type -> catalog name
};

} // namespace gpurun::server::slurm

#pragma once
// Slurm's GRES strings, as slurmrestd returns them:
//   node `gres`:       "gpu:h100:8", "gpu:h100:4(S:0-1),gpu:a100:2", "gpu:4"
//   node `gres_used`:  "gpu:h100:2(IDX:0-1)", "gpu:a100:0(IDX:N/A)"
//   job `gres_detail`: "gpu:h100:2(IDX:0-1,4)"
// Only the `gpu` GRES matters to gpurun; other names (shards, mps, licenses) are skipped.

#include <string>
#include <string_view>
#include <vector>

namespace gpurun::server::slurm {

struct GresEntry {
  std::string type;         // the GRES type ("h100"); empty when the GRES is untyped ("gpu:4")
  int count = 0;
  std::vector<int> indices; // from "(IDX:...)"; empty when absent or "N/A"
};

// Parses a comma-separated GRES list into its `gpu` entries. Malformed entries are skipped
// rather than thrown: one odd node must not hide the rest of the cluster.
std::vector<GresEntry> parse_gres(std::string_view text);

// Parses an index list such as "0-1,4" into {0, 1, 4}; empty for "N/A" or malformed text.
std::vector<int> parse_index_list(std::string_view text);

// "0,1,4": the form CUDA_VISIBLE_DEVICES uses.
std::string format_index_list(const std::vector<int>& indices);

} // namespace gpurun::server::slurm

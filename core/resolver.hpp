#pragma once
// The fallback resolver: which entry of a function's GPU chain can be placed now, on which node,
// and why every other entry was or was not taken. Shared by `gpurun plan`, the scheduler of the
// control plane, and every executor.
//
// Rules: entries are tried in order and the first that fits wins. Within an entry the exact type
// is preferred over an upgrade (H100 before H200; A100-40GB before A100-80GB). All GPUs of one
// placement are on one node; among the nodes that fit, the one with the fewest free GPUs of that
// type is chosen (best fit keeps large blocks free for large requests), ties by node order.

#include <optional>
#include <string>
#include <vector>

#include "core/inventory.hpp"
#include "gpu_spec/spec.hpp"

namespace gpurun::core {

struct Placement {
  std::string type; // canonical physical type
  int count = 0;
  std::string node;
  int rank = 0;     // index of the chosen entry in the chain (0 = first choice)
  gpu_spec::Fit fit = gpu_spec::Fit::exact;
};

enum class CandidateStatus {
  placed,     // this entry was chosen
  busy,       // some node could hold it, but not enough GPUs are free now: may fit later
  impossible, // no node has enough GPUs of an acceptable type, even when all are free
  not_tried,  // an earlier entry was placed
};

struct Candidate {
  gpu_spec::GpuSpec spec;
  CandidateStatus status = CandidateStatus::not_tried;
  std::string reason;
  std::string upgrade_note; // what an upgrade would give, or what `!` rules out; may be empty
};

struct Resolution {
  std::optional<Placement> placement;
  std::vector<Candidate> candidates;

  // True when nothing is placed now but some entry could be placed once GPUs free up.
  bool can_wait() const;
};

// Resolves `chain` against the free GPUs of `inventory`. An empty chain (a CPU-only function) is
// placed with count 0 on the first node, or on no node when the inventory is empty.
Resolution resolve(const gpu_spec::GpuChain& chain, const Inventory& inventory);

// Marks a placement's GPUs as taken (or returned, with `sign` = -1) in the inventory.
void apply_placement(Inventory& inventory, const Placement& placement, int sign = 1);

const char* to_string(CandidateStatus status);

} // namespace gpurun::core

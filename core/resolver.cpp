#include "core/resolver.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace gpurun::core {
namespace {

std::string join_or(const std::vector<std::string_view>& types) {
  std::string out;
  for (size_t i = 0; i < types.size(); ++i) {
    if (i > 0) out += i + 1 == types.size() ? " or " : ", ";
    out += types[i];
  }
  return out;
}

// The best-fitting node with at least `count` free GPUs of `type`.
const InventoryNode* best_node(const Inventory& inventory, std::string_view type, int count) {
  const InventoryNode* best = nullptr;
  for (const InventoryNode& node : inventory.nodes) {
    int free = node.free_of(type);
    if (free >= count && (best == nullptr || free < best->free_of(type))) best = &node;
  }
  return best;
}

// The node with the most of `type` by `amount` (free or total), for "most on one node" reasons.
std::pair<const InventoryNode*, int> largest(const Inventory& inventory, std::string_view type,
                                             bool free) {
  std::pair<const InventoryNode*, int> best{nullptr, 0};
  for (const InventoryNode& node : inventory.nodes) {
    int n = free ? node.free_of(type) : node.total_of(type);
    if (n > best.second) best = {&node, n};
  }
  return best;
}

std::string upgrade_note(const gpu_spec::GpuSpec& spec, const Inventory& inventory) {
  const auto& runs_on = spec.type->runs_on;
  if (spec.upgrade == gpu_spec::Upgrade::forbidden && runs_on.size() > 1) {
    std::vector<std::string> parts;
    for (size_t i = 1; i < runs_on.size(); ++i)
      if (auto [node, n] = largest(inventory, runs_on[i], true); node != nullptr)
        parts.push_back(fmt::format("{} free {} on {}", n, runs_on[i], node->name));
    if (parts.empty()) return "";
    return fmt::format("'!' rules out the upgrade; without it: {}", fmt::join(parts, ", "));
  }
  std::vector<std::string> parts;
  for (size_t i = 1; i < runs_on.size(); ++i) {
    if (const InventoryNode* node = best_node(inventory, runs_on[i], spec.count))
      parts.push_back(fmt::format("upgrade to {}:{} fits on {}", runs_on[i], spec.count, node->name));
    else
      parts.push_back(fmt::format("upgrade to {} would also serve it; not enough free now", runs_on[i]));
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

Candidate evaluate(const gpu_spec::GpuSpec& spec, const Inventory& inventory, int rank,
                   std::optional<Placement>& placement) {
  Candidate candidate{spec, CandidateStatus::busy, "", upgrade_note(spec, inventory)};
  const auto acceptable = spec.acceptable_types();
  for (size_t i = 0; i < acceptable.size(); ++i) {
    std::string_view type = acceptable[i];
    if (const InventoryNode* node = best_node(inventory, type, spec.count)) {
      placement = Placement{std::string(type), spec.count, node->name, rank,
                            i == 0 ? gpu_spec::Fit::exact : gpu_spec::Fit::upgrade};
      candidate.status = CandidateStatus::placed;
      candidate.reason = i == 0 ? fmt::format("{} of {} free {} on {}", spec.count,
                                              node->free_of(type), type, node->name)
                                : fmt::format("no node has {} free {}; upgraded to {}: {} of {} free on {}",
                                              spec.count, acceptable[0], type, spec.count,
                                              node->free_of(type), node->name);
      if (i > 0) candidate.upgrade_note.clear();
      return candidate;
    }
  }
  // Not placeable now: busy if some node could ever hold it, impossible otherwise.
  std::string most_free;
  std::string most_total;
  int best_free = 0;
  int best_total = 0;
  for (std::string_view type : acceptable) {
    if (auto [node, n] = largest(inventory, type, true); n > best_free) {
      best_free = n;
      most_free = fmt::format("{} {} on {}", n, type, node->name);
    }
    if (auto [node, n] = largest(inventory, type, false); n > best_total) {
      best_total = n;
      most_total = fmt::format("{} {} on {}", n, type, node->name);
    }
  }
  const std::string types = join_or(acceptable);
  if (best_total >= spec.count) {
    candidate.status = CandidateStatus::busy;
    candidate.reason = fmt::format("needs {} free {} on one node; most free now: {}", spec.count,
                                   types, best_free > 0 ? most_free : "none");
  } else {
    candidate.status = CandidateStatus::impossible;
    candidate.reason = best_total == 0
                           ? fmt::format("no node has {}", types)
                           : fmt::format("needs {} {} on one node; the largest is {}", spec.count,
                                         types, most_total);
  }
  return candidate;
}

} // namespace

bool Resolution::can_wait() const {
  return !placement && std::any_of(candidates.begin(), candidates.end(), [](const Candidate& c) {
           return c.status == CandidateStatus::busy;
         });
}

Resolution resolve(const gpu_spec::GpuChain& chain, const Inventory& inventory) {
  Resolution result;
  if (chain.empty()) {
    result.placement = Placement{"", 0, inventory.nodes.empty() ? "" : inventory.nodes.front().name, 0,
                                 gpu_spec::Fit::exact};
    return result;
  }
  for (size_t rank = 0; rank < chain.size(); ++rank) {
    if (result.placement) {
      result.candidates.push_back({chain[rank], CandidateStatus::not_tried,
                                   "not tried: an earlier entry was placed", ""});
      continue;
    }
    result.candidates.push_back(evaluate(chain[rank], inventory, static_cast<int>(rank), result.placement));
  }
  return result;
}

void apply_placement(Inventory& inventory, const Placement& placement, int sign) {
  if (placement.count == 0) return;
  if (InventoryNode* node = inventory.find_node(placement.node)) node->free[placement.type] -= sign * placement.count;
}

const char* to_string(CandidateStatus status) {
  switch (status) {
  case CandidateStatus::placed: return "placed";
  case CandidateStatus::busy: return "busy";
  case CandidateStatus::impossible: return "impossible";
  case CandidateStatus::not_tried: return "not_tried";
  }
  return "unknown";
}

} // namespace gpurun::core

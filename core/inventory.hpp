#pragma once
// The GPUs a control plane can place work on: nodes, each with physical GPU types, their total
// counts and how many are free now.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace gpurun::core {

struct InventoryNode {
  std::string name;
  std::map<std::string, int> total; // canonical physical type name -> GPUs on the node
  std::map<std::string, int> free;  // same keys; free <= total

  int free_of(std::string_view type) const;
  int total_of(std::string_view type) const;
};

struct Inventory {
  std::vector<InventoryNode> nodes;
  bool simulated = false; // declared rather than discovered from real GPUs

  InventoryNode* find_node(std::string_view name);
  const InventoryNode* find_node(std::string_view name) const;
};

struct InventoryLoad {
  std::optional<Inventory> inventory;
  std::vector<Diagnostic> diagnostics;
};

// YAML: `nodes: [{name: n1, gpus: {H100: 8}, free: {H100: 3}}]`, `free` optional (all free).
// GPU types are catalog names (case-insensitive, aliases allowed) of physical types; a family
// such as A100 is rejected with the variants to choose from. Never throws.
InventoryLoad load_inventory(const std::string& path);
InventoryLoad load_inventory_text(std::string_view text, const std::string& path);

} // namespace gpurun::core

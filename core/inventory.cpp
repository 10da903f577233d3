#include "core/inventory.hpp"

#include <set>

#include "core/schema_walker.hpp"
#include "gpu_spec/catalog.hpp"
#include "gpu_spec/spellcheck.hpp"

namespace gpurun::core {
namespace {

constexpr int k_max_gpus_per_node = 64;

std::optional<std::map<std::string, int>> gpu_counts(SchemaWalker& walk, const YamlNode& node,
                                                     const std::string& what) {
  if (!walk.expect_mapping(node, what)) return std::nullopt;
  std::map<std::string, int> counts;
  bool ok = true;
  for (const auto& [key, value] : node.entries) {
    const gpu_spec::GpuType* type = key.is_scalar() ? gpu_spec::find_type(key.scalar) : nullptr;
    if (type == nullptr) {
      std::string message = "unknown GPU type '" + key.scalar + "' in " + what;
      if (auto s = gpu_spec::did_you_mean(key.scalar, gpu_spec::type_names())) message += "; " + *s;
      walk.error(key.pos, message);
      ok = false;
      continue;
    }
    if (type->kind == gpu_spec::TypeKind::family) {
      std::string variants;
      for (std::string_view v : type->runs_on) variants += (variants.empty() ? "" : " or ") + std::string(v);
      walk.error(key.pos, std::string(type->name) + " names a family, not a card; an inventory lists " + variants);
      ok = false;
      continue;
    }
    const std::string name(type->name);
    if (counts.contains(name)) {
      walk.error(key.pos, "GPU type " + name + " is listed twice in " + what);
      ok = false;
      continue;
    }
    auto count = walk.integer(value, what + "." + name, 0, k_max_gpus_per_node);
    if (!count) ok = false;
    else counts[name] = static_cast<int>(*count);
  }
  if (!ok) return std::nullopt;
  return counts;
}

InventoryLoad load(YamlFile file) {
  SchemaWalker walk(file);
  Inventory inventory;
  inventory.simulated = true;
  std::set<std::string> names;
  if (file.documents.size() > 1)
    walk.error(file.documents[1].pos, "an inventory is one YAML document");
  if (!file.documents.empty()) {
    const YamlNode& doc = file.documents.front();
    walk.for_each_key(doc, "the inventory", {"nodes"}, [&](const std::string&, const YamlNode& list) {
      if (!list.is_sequence()) {
        walk.error(list.pos, "nodes must be a list, got " + list.describe());
        return;
      }
      for (const YamlNode& item : list.items) {
        InventoryNode node;
        std::optional<std::map<std::string, int>> free;
        bool has_gpus = false;
        const YamlNode* free_node = nullptr;
        walk.for_each_key(item, "a node", {"name", "gpus", "free"}, [&](const std::string& key, const YamlNode& value) {
          if (key == "name") {
            if (auto s = walk.string(value, "node name")) {
              if (!is_valid_name(*s, true)) walk.error(value.pos, "node name '" + *s + "' must be 1 to 63 letters, digits, '-', '_' or '.'");
              else if (!names.insert(*s).second) walk.error(value.pos, "node '" + *s + "' is listed twice");
              else node.name = *s;
            }
          } else if (key == "gpus") {
            has_gpus = true;
            if (auto counts = gpu_counts(walk, value, "gpus")) node.total = *counts;
          } else {
            free_node = &value;
            free = gpu_counts(walk, value, "free");
          }
        });
        if (!item.is_mapping()) continue;
        if (node.name.empty() && !walk.failed()) walk.error(item.pos, "a node needs a name");
        if (!has_gpus) walk.error(item.pos, "node '" + node.name + "' needs gpus: {TYPE: COUNT}");
        node.free = node.total;
        if (free) {
          for (auto& [type, count] : node.free) count = 0;
          for (const auto& [type, count] : *free) {
            if (count > node.total_of(type))
              walk.error(free_node->pos, "node '" + node.name + "' has " + std::to_string(count) + " free " +
                                             type + " but only " + std::to_string(node.total_of(type)) + " in total");
            else node.free[type] = count;
          }
        }
        inventory.nodes.push_back(std::move(node));
      }
    });
  }
  if (!walk.failed() && file.diagnostics.empty() && inventory.nodes.empty())
    file.diagnostics.push_back({{"", 0, 0}, "the inventory lists no nodes", ""});
  InventoryLoad result;
  result.diagnostics = std::move(file.diagnostics);
  if (result.diagnostics.empty()) result.inventory = std::move(inventory);
  return result;
}

} // namespace

int InventoryNode::free_of(std::string_view type) const {
  auto it = free.find(std::string(type));
  return it == free.end() ? 0 : it->second;
}

int InventoryNode::total_of(std::string_view type) const {
  auto it = total.find(std::string(type));
  return it == total.end() ? 0 : it->second;
}

InventoryNode* Inventory::find_node(std::string_view name) {
  for (InventoryNode& node : nodes) if (node.name == name) return &node;
  return nullptr;
}

const InventoryNode* Inventory::find_node(std::string_view name) const {
  for (const InventoryNode& node : nodes) if (node.name == name) return &node;
  return nullptr;
}

InventoryLoad load_inventory(const std::string& path) {
  InventoryLoad result = load(read_yaml_file(path));
  for (Diagnostic& d : result.diagnostics) if (d.pos.path.empty()) d.pos.path = path;
  return result;
}

InventoryLoad load_inventory_text(std::string_view text, const std::string& path) {
  InventoryLoad result = load(parse_yaml(text, path));
  for (Diagnostic& d : result.diagnostics) if (d.pos.path.empty()) d.pos.path = path;
  return result;
}

} // namespace gpurun::core

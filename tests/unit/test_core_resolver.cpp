#include <doctest/doctest.h>

#include "core/inventory.hpp"
#include "core/resolver.hpp"
#include "spec_helpers.hpp"

using namespace gpurun;
using namespace gpurun::core;
using gpurun::testing::chain;

namespace {

Inventory inventory(const std::string& yaml) {
  InventoryLoad load = load_inventory_text(yaml, "inv.yaml");
  for (const auto& d : load.diagnostics) INFO(d.message);
  REQUIRE(load.inventory.has_value());
  return *load.inventory;
}

} // namespace

TEST_SUITE("Resolver") {
  TEST_CASE("The first entry that fits wins") {
    Inventory inv = inventory("nodes: [{name: a, gpus: {A100-40GB: 4}}]");
    Resolution r = resolve(chain({"H100", "A100-40GB:2"}), inv);
    REQUIRE(r.placement);
    CHECK(r.placement->type == "A100-40GB");
    CHECK(r.placement->count == 2);
    CHECK(r.placement->node == "a");
    CHECK(r.placement->rank == 1);
    CHECK(r.candidates[0].status == CandidateStatus::impossible);
    CHECK(r.candidates[0].reason == "no node has H100 or H200");
    CHECK(r.candidates[1].status == CandidateStatus::placed);
    CHECK(r.candidates[1].reason == "2 of 4 free A100-40GB on a");
  }

  TEST_CASE("The order of the chain is respected even when a later entry is cheaper to place") {
    Inventory inv = inventory("nodes: [{name: a, gpus: {H100: 1, L40S: 8}}]");
    Resolution r = resolve(chain({"H100", "L40S"}), inv);
    CHECK(r.placement->type == "H100");
    CHECK(r.candidates[1].status == CandidateStatus::not_tried);
  }

  TEST_CASE("The exact type is preferred over an upgrade") {
    Inventory inv = inventory("nodes: [{name: h200, gpus: {H200: 8}}, {name: h100, gpus: {H100: 8}}]");
    Resolution r = resolve(chain({"H100:2"}), inv);
    CHECK(r.placement->type == "H100");
    CHECK(r.placement->fit == gpu_spec::Fit::exact);
    CHECK(r.candidates[0].upgrade_note == "upgrade to H200:2 fits on h200");
  }

  TEST_CASE("H100 is upgraded to H200 when no H100 is free") {
    Inventory inv = inventory("nodes: [{name: h100, gpus: {H100: 8}, free: {H100: 0}}, {name: h200, gpus: {H200: 8}}]");
    Resolution r = resolve(chain({"H100:8"}), inv);
    REQUIRE(r.placement);
    CHECK(r.placement->type == "H200");
    CHECK(r.placement->fit == gpu_spec::Fit::upgrade);
    CHECK(r.candidates[0].reason == "no node has 8 free H100; upgraded to H200: 8 of 8 free on h200");
  }

  TEST_CASE("H100! is never placed on an H200") {
    Inventory inv = inventory("nodes: [{name: h100, gpus: {H100: 8}, free: {H100: 0}}, {name: h200, gpus: {H200: 8}}]");
    Resolution r = resolve(chain({"H100!"}), inv);
    CHECK_FALSE(r.placement);
    CHECK(r.can_wait());
    CHECK(r.candidates[0].status == CandidateStatus::busy);
    CHECK(r.candidates[0].reason == "needs 1 free H100 on one node; most free now: none");
    CHECK(r.candidates[0].upgrade_note == "'!' rules out the upgrade; without it: 8 free H200 on h200");
  }

  TEST_CASE("A100 takes a 40GB card first, then an 80GB one") {
    Inventory both = inventory("nodes: [{name: n, gpus: {A100-80GB: 2, A100-40GB: 2}}]");
    CHECK(resolve(chain({"A100:2"}), both).placement->type == "A100-40GB");
    Inventory big = inventory("nodes: [{name: n, gpus: {A100-80GB: 2, A100-40GB: 2}, free: {A100-80GB: 2}}]");
    CHECK(resolve(chain({"A100:2"}), big).placement->type == "A100-80GB");
    CHECK_FALSE(resolve(chain({"A100!:2"}), big).placement);
  }

  TEST_CASE("A placement never spans nodes") {
    Inventory inv = inventory("nodes: [{name: a, gpus: {H100: 4}}, {name: b, gpus: {H100: 4}}]");
    Resolution r = resolve(chain({"H100:8"}), inv);
    CHECK_FALSE(r.placement);
    CHECK_FALSE(r.can_wait());
    CHECK(r.candidates[0].status == CandidateStatus::impossible);
    CHECK(r.candidates[0].reason == "needs 8 H100 or H200 on one node; the largest is 4 H100 on a");
  }

  TEST_CASE("Best fit: the node with the fewest free GPUs that still fit") {
    Inventory inv = inventory("nodes: [{name: big, gpus: {L4: 8}}, {name: small, gpus: {L4: 8}, free: {L4: 2}}]");
    CHECK(resolve(chain({"L4:2"}), inv).placement->node == "small");
    CHECK(resolve(chain({"L4:3"}), inv).placement->node == "big");
  }

  TEST_CASE("A busy chain waits and is placed once GPUs are returned") {
    Inventory inv = inventory("nodes: [{name: a, gpus: {H100: 8}}]");
    Resolution first = resolve(chain({"H100:8"}), inv);
    apply_placement(inv, *first.placement);
    Resolution second = resolve(chain({"H100:4", "L40S"}), inv);
    CHECK_FALSE(second.placement);
    CHECK(second.can_wait());
    CHECK(second.candidates[0].reason == "needs 4 free H100 or H200 on one node; most free now: none");
    CHECK(second.candidates[1].status == CandidateStatus::impossible);
    apply_placement(inv, *first.placement, -1);
    CHECK(resolve(chain({"H100:4", "L40S"}), inv).placement->count == 4);
  }

  TEST_CASE("A CPU-only function is placed with no GPUs") {
    Inventory inv = inventory("nodes: [{name: a, gpus: {T4: 1}}]");
    Resolution r = resolve({}, inv);
    REQUIRE(r.placement);
    CHECK(r.placement->count == 0);
    CHECK(r.placement->node == "a");
    CHECK(r.candidates.empty());
  }
}

TEST_SUITE("Inventory") {
  TEST_CASE("Free defaults to all; aliases and case are normalised") {
    Inventory inv = inventory("nodes: [{name: a, gpus: {h100: 8, a10g: 2}, free: {H100: 3}}]");
    CHECK(inv.nodes[0].total_of("H100") == 8);
    CHECK(inv.nodes[0].free_of("H100") == 3);
    CHECK(inv.nodes[0].free_of("A10") == 0);
    Inventory all = inventory("nodes: [{name: a, gpus: {T4: 2}}]");
    CHECK(all.nodes[0].free_of("T4") == 2);
    CHECK(all.simulated);
  }

  TEST_CASE("Bad inventories are rejected with positions") {
    auto errors = [](const std::string& yaml) {
      std::string out;
      for (const auto& d : load_inventory_text(yaml, "inv.yaml").diagnostics)
        out += std::to_string(d.pos.line) + ":" + std::to_string(d.pos.column) + ": " + d.message + "\n";
      return out;
    };
    CHECK(errors("nodes: [{name: a, gpus: {A100: 4}}]") ==
          "1:26: A100 names a family, not a card; an inventory lists A100-40GB or A100-80GB\n");
    CHECK(errors("nodes: [{name: a, gpus: {H100: 4}, free: {H100: 5}}]") ==
          "1:42: node 'a' has 5 free H100 but only 4 in total\n");
    CHECK(errors("nodes: [{name: a, gpus: {H10O: 4}}]") ==
          "1:26: unknown GPU type 'H10O' in gpus; did you mean 'H100'?\n");
    CHECK(errors("nodes: [{name: a, gpus: {T4: 1}}, {name: a, gpus: {T4: 1}}]") == "1:42: node 'a' is listed twice\n");
    CHECK(errors("nodes: [{name: a, gpus: {T4: -1}}]") == "1:30: gpus.T4 must be between 0 and 64, got -1\n");
    CHECK(errors("nodes: []") == "0:0: the inventory lists no nodes\n");
    CHECK(errors("nodes: [{name: a}]") == "1:9: node 'a' needs gpus: {TYPE: COUNT}\n");
  }
}

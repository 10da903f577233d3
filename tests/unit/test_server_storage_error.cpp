#include <doctest/doctest.h>

#include <fstream>

#include "server/storage_error.hpp"
#include "server_fakes.hpp"

using namespace gpurun;
using namespace gpurun::server;

TEST_SUITE("StorageError") {
  TEST_CASE("A writable folder with room explains no failure, for itself or a file in it") {
    testing::TempDir dir;
    std::ofstream(dir / "state.db") << "x";
    CHECK_FALSE(storage_failure_at(dir.path.string()).has_value());
    CHECK_FALSE(storage_failure_at(dir / "state.db").has_value());
    CHECK_FALSE(storage_failure_at(dir / "not-yet.db").has_value());
  }

  TEST_CASE("A storage error is a gpurun::Error that keeps its kind of failure") {
    try {
      throw StorageError("state database: database or disk is full", StorageFailure::full);
    } catch (const Error& e) {
      CHECK(std::string(e.what()) == "state database: database or disk is full");
      const auto* storage = dynamic_cast<const StorageError*>(&e);
      REQUIRE(storage != nullptr);
      CHECK(storage->failure() == StorageFailure::full);
    }
  }
}

// The Slurm integration tests need the test cluster's SLURM_URL and SLURM_JWT (with-slurm.sh sets
// them); without them the whole binary reports "skipped" (125) instead of failing.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (std::getenv("SLURM_URL") == nullptr || std::getenv("SLURM_JWT") == nullptr) {
    std::puts("skipped: SLURM_URL and SLURM_JWT are not set (run through tests/integration/with-slurm.sh)");
    return 125;
  }
  doctest::Context context(argc, argv);
  return context.run();
}

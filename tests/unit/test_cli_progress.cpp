#include <doctest/doctest.h>

#include "cli/progress.hpp"

using namespace gpurun::cli;
using namespace std::chrono_literals;

TEST_SUITE("ProgressDisplay") {
  TEST_CASE("Elapsed time reads the way people say it") {
    CHECK(elapsed_text(7s) == "7s");
    CHECK(elapsed_text(125s) == "2m05s");
    CHECK(elapsed_text(3720s) == "1h02m");
  }

  TEST_CASE("Off a terminal: a plain line every interval, nothing before the first") {
    const auto start = ProgressDisplay::Clock::time_point{} + 1h;
    ProgressDisplay display(ProgressStyle::plain, start, 5s);
    CHECK_FALSE(display.due(start + 4s));
    REQUIRE(display.due(start + 5s));
    CHECK(display.render(start + 5s, "run r-1 is queued: H100 busy") == "gpurun: run r-1 is queued: H100 busy (5s)\n");
    CHECK_FALSE(display.due(start + 9s));
    REQUIRE(display.due(start + 10s));
    CHECK(display.render(start + 12s, "run r-1 is queued") == "gpurun: run r-1 is queued (12s)\n");
    CHECK_FALSE(display.due(start + 14s));
    CHECK(display.due(start + 15s));
    CHECK(display.finish() == "");
  }

  TEST_CASE("An interval of 0 turns plain lines off") {
    const auto start = ProgressDisplay::Clock::time_point{};
    ProgressDisplay display(ProgressStyle::plain, start, 0s);
    CHECK_FALSE(display.due(start + 1h));
  }

  TEST_CASE("On a terminal: after a moment, one line redrawn in place and erased at the end") {
    const auto start = ProgressDisplay::Clock::time_point{};
    ProgressDisplay display(ProgressStyle::live, start, 5s, 40);
    CHECK_FALSE(display.due(start + 500ms));
    CHECK(display.finish() == ""); // nothing was shown
    REQUIRE(display.due(start + 1s));
    CHECK(display.render(start + 1s, "deploying") == "\r\033[K| deploying (1s)");
    CHECK_FALSE(display.due(start + 1050ms));
    CHECK(display.render(start + 2s, "deploying") == "\r\033[K/ deploying (2s)");
    // Never wider than the terminal: a wrapped line cannot be redrawn.
    CHECK(display.render(start + 3s, std::string(60, 'x')) == "\r\033[K- " + std::string(34, 'x') + "...");
    CHECK(display.finish() == "\r\033[K");
    CHECK(display.finish() == "");
  }
}

#include <doctest/doctest.h>

#include <filesystem>

#include "core/cron.hpp"
#include "core/error.hpp"
#include "core/time_zone.hpp"

using namespace gpurun::core;
using namespace std::chrono;

namespace {

sys_seconds at(int y, unsigned m, unsigned d, int hh, int mm) {
  return sys_days(year(y) / month(m) / day(d)) + hours(hh) + minutes(mm);
}

CronSchedule cron(const char* text) {
  std::string error;
  auto c = parse_cron(text, error);
  REQUIRE(c);
  return *c;
}

bool have_zoneinfo() { return std::filesystem::exists("/usr/share/zoneinfo/Europe/Paris"); }

} // namespace

TEST_SUITE("TimeZone") {
  TEST_CASE("UTC has no offset") {
    TimeZone utc = TimeZone::utc();
    CHECK(utc.offset_at(at(2026, 7, 1, 12, 0)) == 0);
    CHECK(next_tick(cron("0 6 * * *"), utc, at(2026, 7, 1, 12, 0)) == at(2026, 7, 2, 6, 0));
  }

  TEST_CASE("Unknown zones and files that are not TZif") {
    CHECK_THROWS_WITH_AS(TimeZone::load("Mars/Olympus"), doctest::Contains("unknown time zone 'Mars/Olympus'"), gpurun::Error);
    CHECK_THROWS_WITH_AS(TimeZone::load("../etc/passwd"), "unknown time zone '../etc/passwd'", gpurun::Error);
    CHECK_THROWS_WITH_AS(TimeZone::parse("X", "not a zone"), "time zone 'X': the zoneinfo file is not valid (not a TZif file)",
                         gpurun::Error);
  }

  TEST_CASE("Paris: winter and summer offsets") {
    if (!have_zoneinfo()) return;
    TimeZone paris = TimeZone::load("Europe/Paris");
    CHECK(paris.offset_at(at(2026, 1, 15, 12, 0)) == 3600);
    CHECK(paris.offset_at(at(2026, 7, 15, 12, 0)) == 7200);
    // 06:00 in Paris is 05:00 UTC in winter and 04:00 UTC in summer.
    CHECK(next_tick(cron("0 6 * * *"), paris, at(2026, 1, 15, 12, 0)) == at(2026, 1, 16, 5, 0));
    CHECK(next_tick(cron("0 6 * * *"), paris, at(2026, 7, 15, 12, 0)) == at(2026, 7, 16, 4, 0));
  }

  TEST_CASE("Clocks going forward skip a wall-clock time; going back it fires once") {
    if (!have_zoneinfo()) return;
    TimeZone paris = TimeZone::load("Europe/Paris");
    // 2026-03-29: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist that day.
    CHECK(next_tick(cron("30 2 * * *"), paris, at(2026, 3, 28, 12, 0)) == at(2026, 3, 30, 0, 30));
    // 2026-10-25: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice and fires at the first.
    const sys_seconds first = at(2026, 10, 25, 0, 30); // 02:30 CEST
    CHECK(next_tick(cron("30 2 * * *"), paris, at(2026, 10, 24, 12, 0)) == first);
    CHECK(next_tick(cron("30 2 * * *"), paris, first) == at(2026, 10, 26, 1, 30));
  }
}

#include <doctest/doctest.h>

#include "core/cron.hpp"
#include "core/units.hpp"

using namespace gpurun::core;
using namespace std::chrono;

TEST_SUITE("Units") {
  TEST_CASE("Durations") {
    std::string error;
    CHECK(parse_duration("90s", error) == seconds(90));
    CHECK(parse_duration("2h", error) == hours(2));
    CHECK(parse_duration("1h30m", error) == minutes(90));
    CHECK(parse_duration("250ms", error) == milliseconds(250));
    CHECK(parse_duration("45", error) == seconds(45));
    CHECK_FALSE(parse_duration("1h30", error));
    CHECK(error == "'1h30' is missing a unit; expected a duration such as 90s, 10m, 2h or 1h30m");
    CHECK_FALSE(parse_duration("5y", error));
    CHECK(error == "unknown duration unit 'y'; expected a duration such as 90s, 10m, 2h or 1h30m");
    CHECK_FALSE(parse_duration("99999999999d", error));
    CHECK(format_duration(minutes(90)) == "1h30m");
    CHECK(format_duration(milliseconds(1500)) == "1s500ms");
  }

  TEST_CASE("Memory sizes in MiB") {
    std::string error;
    CHECK(parse_memory_mib("512", error) == 512);
    CHECK(parse_memory_mib("16Gi", error) == 16384);
    CHECK(parse_memory_mib("1GB", error) == 954);
    CHECK_FALSE(parse_memory_mib("lots", error));
  }
}

TEST_SUITE("Cron") {
  TEST_CASE("Next ticks of common schedules") {
    std::string error;
    auto daily = parse_cron("0 6 * * *", error);
    REQUIRE(daily);
    sys_seconds t = sys_days{2026y / 11 / 29} + hours(7);
    CHECK(daily->next_after(t) == sys_days{2026y / 11 / 30} + hours(6));
    auto every5 = parse_cron("*/5 * * * *", error);
    CHECK(every5->next_after(sys_days{2026y / 1 / 1} + minutes(3)) == sys_days{2026y / 1 / 1} + minutes(5));
    auto mondays = parse_cron("30 9 * * mon", error);
    CHECK(mondays->next_after(sys_days{2026y / 11 / 29}) == sys_days{2026y / 11 / 30} + hours(9) + minutes(30));
    auto feb30 = parse_cron("0 0 30 2 *", error);
    REQUIRE(feb30);
    CHECK_FALSE(feb30->next_after(sys_days{2026y / 1 / 1}));
  }

  TEST_CASE("Malformed schedules name the field") {
    std::string error;
    CHECK_FALSE(parse_cron("* * * 13 *", error));
    CHECK(error == "month field '13': values must lie in 1-12");
    CHECK_FALSE(parse_cron("*/0 * * * *", error));
    CHECK(error == "minute field '*/0': step must be a whole number of at least 1");
    CHECK_FALSE(parse_cron("5-1 * * * *", error));
    CHECK_FALSE(parse_cron("a b c d e", error));
  }
}

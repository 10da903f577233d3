#pragma once
// Standard 5-field cron expressions (minute hour day-of-month month day-of-week), as used by
// `schedule:`. Fields take *, N, A-B, lists and /STEP; months and weekdays also take names
// (jan, mon). Day-of-month and day-of-week combine as in cron: when both are restricted, a day
// matching either fires.

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace gpurun::core {

struct CronSchedule {
  std::bitset<60> minute_bits;
  std::bitset<24> hour_bits;
  std::bitset<32> dom_bits; // 1..31
  std::bitset<13> month_bits;        // 1..12
  std::bitset<7> dow_bits;   // 0 = Sunday
  bool dom_restricted = false;
  bool dow_restricted = false;

  // The first tick strictly after `after`, in UTC; nullopt if none within 5 years (Feb 30).
  std::optional<std::chrono::sys_seconds> next_after(std::chrono::sys_seconds after) const;
};

// nullopt with `error` set (naming the field) when the expression is malformed.
std::optional<CronSchedule> parse_cron(std::string_view text, std::string& error);

class TimeZone;

// The first tick strictly after `after` with the fields read as wall-clock time in `zone`. A
// wall-clock time skipped when clocks go forward does not fire that day; one repeated when they
// go back fires once, at its first occurrence. nullopt as for next_after.
std::optional<std::chrono::sys_seconds> next_tick(const CronSchedule& cron, const TimeZone& zone,
                                                  std::chrono::sys_seconds after);

} // namespace gpurun::core

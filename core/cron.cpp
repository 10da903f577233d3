#include "core/cron.hpp"

#include <array>
#include <cctype>
#include <vector>

#include "core/time_zone.hpp"

namespace gpurun::core {
namespace {

struct FieldInfo {
  const char* name;
  int low;
  int high;
  std::array<const char*, 12> names; // names for low, low+1, ... where the field has them
};

constexpr FieldInfo k_fields[] = {
    {"minute", 0, 59, {}},
    {"hour", 0, 23, {}},
    {"day-of-month", 1, 31, {}},
    {"month", 1, 12, {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
    {"day-of-week", 0, 7, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
};

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(sep, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::optional<int> value_of(std::string_view token, const FieldInfo& field) {
  if (token.empty() || token.size() > 3) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(token[0]))) {
    int value = 0;
    for (char c : token) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      value = value * 10 + (c - '0');
    }
    return value;
  }
  std::string lower;
  for (char c : token) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (int i = 0; i < 12 && field.names[static_cast<size_t>(i)] != nullptr; ++i)
    if (lower == field.names[static_cast<size_t>(i)]) return field.low + i;
  return std::nullopt;
}

// Sets the bits of one field; returns false with `error` set.
bool parse_field(std::string_view text, const FieldInfo& field, std::vector<bool>& bits,
                 std::string& error) {
  auto fail = [&](const std::string& why) {
    error = std::string(field.name) + " field '" + std::string(text) + "': " + why;
    return false;
  };
  for (std::string_view item : split(text, ',')) {
    int step = 1;
    if (size_t slash = item.find('/'); slash != std::string_view::npos) {
      auto parsed = value_of(item.substr(slash + 1), {"step", 0, 0, {}});
      if (!parsed || *parsed < 1) return fail("step must be a whole number of at least 1");
      step = *parsed;
      item = item.substr(0, slash);
    }
    int low = field.low;
    int high = field.high == 7 ? 6 : field.high;
    if (item != "*") {
      size_t dash = item.find('-');
      auto first = value_of(item.substr(0, dash), field);
      if (!first) return fail("'" + std::string(item) + "' is not a value");
      low = high = *first;
      if (dash != std::string_view::npos) {
        auto last = value_of(item.substr(dash + 1), field);
        if (!last) return fail("'" + std::string(item) + "' is not a range");
        high = *last;
      }
      if (low < field.low || high > field.high || low > high)
        return fail("values must lie in " + std::to_string(field.low) + "-" +
                    std::to_string(field.high));
    }
    for (int v = low; v <= high; v += step) bits[static_cast<size_t>(field.high == 7 ? v % 7 : v)] = true;
  }
  return true;
}

template <size_t N> std::bitset<N> to_bitset(const std::vector<bool>& bits) {
  std::bitset<N> out;
  for (size_t i = 0; i < N && i < bits.size(); ++i) out[i] = bits[i];
  return out;
}

} // namespace

std::optional<CronSchedule> parse_cron(std::string_view text, std::string& error) {
  std::vector<std::string_view> fields;
  for (std::string_view part : split(text, ' '))
    if (!part.empty()) fields.push_back(part);
  if (fields.size() != 5) {
    error = "a schedule has 5 fields (minute hour day-of-month month day-of-week), got " +
            std::to_string(fields.size());
    return std::nullopt;
  }
  std::vector<std::vector<bool>> bits;
  for (size_t i = 0; i < 5; ++i) {
    bits.emplace_back(64, false);
    if (!parse_field(fields[i], k_fields[i], bits.back(), error)) return std::nullopt;
  }
  CronSchedule schedule;
  schedule.minute_bits = to_bitset<60>(bits[0]);
  schedule.hour_bits = to_bitset<24>(bits[1]);
  schedule.dom_bits = to_bitset<32>(bits[2]);
  schedule.month_bits = to_bitset<13>(bits[3]);
  schedule.dow_bits = to_bitset<7>(bits[4]);
  schedule.dom_restricted = fields[2] != "*";
  schedule.dow_restricted = fields[4] != "*";
  return schedule;
}

std::optional<std::chrono::sys_seconds> CronSchedule::next_after(std::chrono::sys_seconds after) const {
  using namespace std::chrono;
  auto t = floor<minutes>(after) + minutes(1);
  const auto limit = after + days(5 * 366);
  while (t < limit) {
    auto day = floor<days>(t);
    year_month_day ymd{day};
    weekday wd{day};
    bool dom = dom_bits[static_cast<unsigned>(ymd.day())];
    bool dow = dow_bits[wd.c_encoding()];
    bool day_ok = (dom_restricted && dow_restricted) ? (dom || dow)
                  : dom_restricted                   ? dom
                  : dow_restricted                   ? dow
                                                     : true;
    if (!month_bits[static_cast<unsigned>(ymd.month())] || !day_ok) {
      t = day + days(1);
      continue;
    }
    hh_mm_ss hms{t - day};
    if (!hour_bits[static_cast<size_t>(hms.hours().count())]) {
      t = day + hms.hours() + hours(1);
      continue;
    }
    if (!minute_bits[static_cast<size_t>(hms.minutes().count())]) {
      t += minutes(1);
      continue;
    }
    return time_point_cast<seconds>(t);
  }
  return std::nullopt;
}

std::optional<std::chrono::sys_seconds> next_tick(const CronSchedule& cron, const TimeZone& zone,
                                                  std::chrono::sys_seconds after) {
  using namespace std::chrono;
  sys_seconds cursor = zone.to_local(after);
  // Each step moves forward by at least a minute of wall-clock time; a year of skipped
  // candidates ends the search long before this bound.
  for (int i = 0; i < 600'000; ++i) {
    std::optional<sys_seconds> local = cron.next_after(cursor);
    if (!local) return std::nullopt;
    std::optional<sys_seconds> first;
    for (int offset : zone.offsets_near(*local)) {
      const sys_seconds instant = *local - seconds(offset);
      if (zone.to_local(instant) == *local && (!first || instant < *first)) first = instant;
    }
    if (first && *first > after) return first;
    cursor = *local;
  }
  return std::nullopt;
}

} // namespace gpurun::core

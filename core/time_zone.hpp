#pragma once
// Time zones for `timezone:` schedules, read from the system's zoneinfo (TZif files, RFC 8536).
// GCC 12's <chrono> has no time zone database, and setting TZ for localtime_r would change the
// whole server process's idea of local time under its other threads; a small reader of the
// files the C library itself uses avoids both.
//
// Limits: the transitions listed in the file are used (Debian ships "fat" files, listing them
// until 2037); after the last one the last offset stays. Leap-second files ("right/") are not
// read differently.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace gpurun::core {

class TimeZone {
public:
  static TimeZone utc();
  // NAME under $TZDIR or /usr/share/zoneinfo ("Europe/Paris"; "UTC" always works). Throws
  // gpurun::Error (invalid) naming the zone when it cannot be read.
  static TimeZone load(const std::string& name);
  // From the bytes of a TZif file, for tests. Throws gpurun::Error when they are not one.
  static TimeZone parse(const std::string& name, const std::string& data);

  const std::string& name() const { return m_name; }
  // The offset from UTC, in seconds, in effect at `t`.
  int offset_at(std::chrono::sys_seconds t) const;
  // The wall-clock time at `t`, as a time point on the same scale (for cron fields).
  std::chrono::sys_seconds to_local(std::chrono::sys_seconds t) const;
  // Every offset in effect at some instant within a day of `local` (one or, near a change, two).
  std::vector<int> offsets_near(std::chrono::sys_seconds local) const;

private:
  std::string m_name;
  std::vector<std::int64_t> m_transitions; // seconds since the epoch, ascending
  std::vector<int> m_offsets;              // in effect from each transition on
  int m_initial = 0;                       // before the first transition
};

} // namespace gpurun::core

#pragma once
// Schedules: every `schedule:` of every deployed app's current version submits a run of its
// function at each cron tick (UTC, or the function's `timezone`).
//
// Exactly once per tick: each submission carries the idempotency key
// "schedule:<version>:<function>:<tick>", so a tick submitted before a crash is replayed, not
// repeated, after the restart, whatever else was lost.
//
// Missed ticks: when the server was down (or busy) across several ticks, only the latest missed
// tick runs, once, as soon as the server sees it; the earlier ones are skipped. A new version of
// an app starts its schedules afresh from the moment it is first seen: no tick from before it
// runs. A version whose function has no schedule, or an app deleted, stops the schedule.
//
// The clock is injectable (ScheduleOptions::clock) so that tests can step through ticks
// without waiting for them; runs themselves always use the real clock.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/manifest.hpp"
#include "server/periodic.hpp"
#include "server/scheduler.hpp"
#include "server/store.hpp"

namespace gpurun::server {

using ScheduleClock = std::function<std::chrono::sys_seconds()>;

struct ScheduleOptions {
  ScheduleClock clock; // empty: the system clock
  std::chrono::milliseconds interval{1000};
  std::function<void(const std::string&)> say; // a line for each submitted tick (the server's log)
};

class Schedules {
public:
  Schedules(Store& store, Scheduler& scheduler, ScheduleOptions options);
  ~Schedules();
  Schedules(const Schedules&) = delete;
  Schedules& operator=(const Schedules&) = delete;

  void start();
  void stop();
  // One pass over every scheduled function: submits what is due. For tests and the loop.
  void tick();

  // The function's next tick after the schedule clock's now; nullopt without a schedule (or
  // when none comes within five years).
  std::optional<std::chrono::sys_seconds> next_tick(const core::Function& fn);

  // The idempotency key of one tick.
  static std::string tick_key(const std::string& version, const std::string& function, std::chrono::sys_seconds tick);

private:
  std::chrono::sys_seconds now() const;
  void tick_function(const AppRecord& app, const core::Function& fn, std::chrono::sys_seconds now);
  void submit(const AppRecord& app, const core::Function& fn, std::chrono::sys_seconds tick);

  Store& m_store;
  Scheduler& m_scheduler;
  ScheduleOptions m_options;

  Periodic m_loop; // last: stopped before the members its passes use go
};

// The next tick of `fn` strictly after `after` (its schedule read in its timezone).
std::optional<std::chrono::sys_seconds> next_tick_of(const core::Function& fn, std::chrono::sys_seconds after);

} // namespace gpurun::server

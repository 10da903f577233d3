#include "server/schedules.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/cron.hpp"
#include "core/error.hpp"
#include "core/manifest_json.hpp"
#include "core/random.hpp"
#include "core/time_zone.hpp"

namespace gpurun::server {
namespace {

// Bounds the walk over missed ticks: a year of minutes, then the walk goes on at the next pass.
constexpr int k_max_ticks_per_pass = 600'000;

const core::TimeZone& zone_named(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, core::TimeZone> zones;
  std::lock_guard lock(mutex);
  auto it = zones.find(name);
  if (it == zones.end()) it = zones.emplace(name, core::TimeZone::load(name)).first;
  return it->second;
}

std::string utc_text(std::chrono::sys_seconds t) { return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", t); }

} // namespace

std::optional<std::chrono::sys_seconds> next_tick_of(const core::Function& fn, std::chrono::sys_seconds after) {
  if (!fn.schedule) return std::nullopt;
  std::string error;
  std::optional<core::CronSchedule> cron = core::parse_cron(*fn.schedule, error);
  if (!cron) return std::nullopt; // the loader accepted it; a stored manifest cannot differ
  return core::next_tick(*cron, zone_named(fn.timezone.value_or("UTC")), after);
}

Schedules::Schedules(Store& store, Scheduler& scheduler, ScheduleOptions options)
    : m_store(store), m_scheduler(scheduler), m_options(std::move(options)),
      m_loop("schedules", m_options.interval, [this] { tick(); }) {}

Schedules::~Schedules() { stop(); }

std::chrono::sys_seconds Schedules::now() const {
  if (m_options.clock) return m_options.clock();
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::string Schedules::tick_key(const std::string& version, const std::string& function, std::chrono::sys_seconds tick) {
  return "schedule:" + version + ":" + function + ":" + std::to_string(tick.time_since_epoch().count());
}

void Schedules::start() { m_loop.start(); }

void Schedules::stop() { m_loop.stop(); }

std::optional<std::chrono::sys_seconds> Schedules::next_tick(const core::Function& fn) { return next_tick_of(fn, now()); }

void Schedules::tick() {
  const std::chrono::sys_seconds at = now();
  for (const AppRecord& app : m_store.apps()) {
    auto manifest = m_scheduler.manifest(app.name, app.version);
    if (!manifest) continue;
    for (const core::Function& fn : manifest->functions)
      if (fn.schedule) tick_function(app, fn, at);
  }
}

void Schedules::tick_function(const AppRecord& app, const core::Function& fn, std::chrono::sys_seconds now) {
  using namespace std::chrono;
  std::optional<Store::ScheduleState> state = m_store.schedule_state(app.name, fn.name);
  if (!state || state->version != app.version) {
    // A version seen for the first time runs the ticks after its deploy, none before.
    state = Store::ScheduleState{app.version, app.updated_ms, 0};
    m_store.save_schedule_state(app.name, fn.name, *state);
  }
  sys_seconds cursor = std::max(sys_seconds(seconds(state->last_tick_s)), floor<seconds>(sys_time<milliseconds>(milliseconds(state->since_ms))));
  std::optional<sys_seconds> latest;
  for (int i = 0; i < k_max_ticks_per_pass; ++i) {
    std::optional<sys_seconds> next = next_tick_of(fn, cursor);
    if (!next || *next > now) break;
    latest = next;
    cursor = *next;
  }
  if (!latest) return;
  submit(app, fn, *latest);
  // After the submission: a crash in between finds the tick again and its key replays it.
  state->last_tick_s = latest->time_since_epoch().count();
  m_store.save_schedule_state(app.name, fn.name, *state);
}

void Schedules::submit(const AppRecord& app, const core::Function& fn, std::chrono::sys_seconds tick) {
  RunRecord run;
  run.id = "r-" + core::random_hex(8);
  run.app = app.name;
  run.function = fn.name;
  run.version = app.version;
  run.idempotency_key = tick_key(app.version, fn.name, tick);
  run.created_ms = now_ms();
  // The same request hash as an API submission without arguments.
  const std::string request_hash = core::sha256_hex(app.name + '\n' + fn.name + '\n' + nlohmann::json(run.args).dump());
  auto [outcome, stored] = m_store.submit(run, request_hash);
  if (outcome != SubmitOutcome::created) return;
  m_scheduler.enqueue(stored);
  if (m_options.say)
    m_options.say(fmt::format("gpurun serve: schedule: {}/{} tick {} submitted as run {}", app.name, fn.name, utc_text(tick), stored.id));
}

} // namespace gpurun::server

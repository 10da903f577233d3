#include "cli/progress.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "cli/terminal.hpp"

namespace gpurun::cli {
namespace {

using namespace std::chrono_literals;

// A wait shorter than this shows nothing on a terminal.
constexpr auto k_live_delay = 1s;
constexpr auto k_live_frame = 100ms;
constexpr auto k_describe_every = 1s;
constexpr std::string_view k_frames = "|/-\\";

int terminal_width(std::FILE* stream) {
  winsize size{};
  if (::ioctl(fileno(stream), TIOCGWINSZ, &size) == 0 && size.ws_col > 10) return size.ws_col;
  return 80;
}

} // namespace

ProgressStyle progress_style(std::FILE* stream) {
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::strcmp(term, "dumb") == 0) return ProgressStyle::plain;
  return is_terminal(stream) ? ProgressStyle::live : ProgressStyle::plain;
}

std::chrono::milliseconds plain_interval() {
  const char* text = std::getenv("GPURUN_PROGRESS_INTERVAL");
  int seconds = 5;
  if (text != nullptr && *text != '\0') {
    int value = 0;
    auto [end, ec] = std::from_chars(text, text + std::strlen(text), value);
    if (ec == std::errc() && *end == '\0' && value >= 0) seconds = value;
  }
  return std::chrono::seconds(seconds);
}

std::string elapsed_text(std::chrono::seconds elapsed) {
  const long long s = elapsed.count();
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
}

ProgressDisplay::ProgressDisplay(ProgressStyle style, Clock::time_point start, std::chrono::milliseconds interval,
                                 int width)
    : m_style(style), m_start(start), m_next(start + (style == ProgressStyle::live ? k_live_delay : interval)),
      m_interval(interval), m_width(width) {}

bool ProgressDisplay::due(Clock::time_point now) const {
  if (m_style == ProgressStyle::plain && m_interval.count() == 0) return false;
  return now >= m_next;
}

std::string ProgressDisplay::render(Clock::time_point now, const std::string& what) {
  const std::string elapsed = elapsed_text(std::chrono::duration_cast<std::chrono::seconds>(now - m_start));
  if (m_style == ProgressStyle::plain) {
    while (m_next <= now) m_next += m_interval;
    return "gpurun: " + what + " (" + elapsed + ")\n";
  }
  m_next = now + k_live_frame;
  m_shown = true;
  std::string line = std::string(1, k_frames[static_cast<size_t>(m_frame++) % k_frames.size()]) + " " + what + " (" + elapsed + ")";
  // A line that wraps cannot be redrawn in place.
  if (line.size() >= static_cast<size_t>(m_width)) line = line.substr(0, static_cast<size_t>(m_width) - 4) + "...";
  return "\r\033[K" + line;
}

std::string ProgressDisplay::finish() {
  if (!m_shown) return "";
  m_shown = false;
  return "\r\033[K";
}

Progress::Progress(std::FILE* stream, Describe describe)
    : m_stream(stream), m_describe(std::move(describe)),
      m_display(progress_style(stream), ProgressDisplay::Clock::now(), plain_interval(), terminal_width(stream)),
      m_thread([this] { loop(); }) {}

Progress::~Progress() { stop(); }

void Progress::stop() {
  // Once, whichever thread asks first (the first output, or the end of the wait); others wait.
  std::call_once(m_stopped, [this] {
    {
      std::lock_guard lock(m_mutex);
      m_stopping = true;
    }
    m_wake.notify_all();
    m_thread.join();
  });
}

void Progress::loop() {
  using Clock = ProgressDisplay::Clock;
  std::unique_lock lock(m_mutex);
  std::string what;
  Clock::time_point described{};
  bool have_description = false;
  while (!m_stopping) {
    Clock::time_point now = Clock::now();
    if (m_display.due(now)) {
      if (!have_description || now - described >= k_describe_every) {
        lock.unlock(); // describing may ask the control plane
        std::string text;
        try {
          text = m_describe();
        } catch (...) {
          text = what; // keep the last description
        }
        lock.lock();
        if (m_stopping) break;
        what = std::move(text);
        described = now;
        have_description = true;
        now = Clock::now();
      }
      std::fputs(m_display.render(now, what).c_str(), m_stream);
      std::fflush(m_stream);
    }
    m_wake.wait_for(lock, k_live_frame, [this] { return m_stopping; });
  }
  std::fputs(m_display.finish().c_str(), m_stream);
  std::fflush(m_stream);
}

} // namespace gpurun::cli

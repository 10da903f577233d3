#pragma once
// Showing that a wait goes on (`run` until its function's first output, `smoke`, a deploy): on a
// terminal, one line redrawn in place on stderr; elsewhere (a CI log, a pipe, TERM=dumb) a plain
// line every few seconds, so that a log shows the command is alive without filling up. A wait
// shorter than a moment shows nothing.

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace gpurun::cli {

enum class ProgressStyle { live, plain };

// live when `stream` is a terminal and TERM is not dumb; plain otherwise.
ProgressStyle progress_style(std::FILE* stream);
// Seconds between plain lines: GPURUN_PROGRESS_INTERVAL (0 turns them off), else 5.
std::chrono::milliseconds plain_interval();
// "7s", "2m05s", "1h02m".
std::string elapsed_text(std::chrono::seconds elapsed);

// What to write and when, with no thread or clock of its own (so that tests can drive it).
class ProgressDisplay {
public:
  using Clock = std::chrono::steady_clock;
  // `width` bounds a live line, which must not wrap to be redrawn in place.
  ProgressDisplay(ProgressStyle style, Clock::time_point start, std::chrono::milliseconds interval, int width = 80);

  // Whether something is to be written at `now`.
  bool due(Clock::time_point now) const;
  // The text to write at `now` about a wait described by `what` ("run r-1 is queued").
  std::string render(Clock::time_point now, const std::string& what);
  // The text that removes a live line once the wait is over; "" when there is none.
  std::string finish();

private:
  ProgressStyle m_style;
  Clock::time_point m_start;
  Clock::time_point m_next;
  std::chrono::milliseconds m_interval;
  int m_width;
  int m_frame = 0;
  bool m_shown = false;
};

// Shows a wait on `stream` from a thread of its own until stop() (or destruction).
class Progress {
public:
  // Says what is awaited ("run r-1 is queued: ..."). Called on the progress thread, at most about
  // once a second, and only when something is to be shown.
  using Describe = std::function<std::string()>;

  Progress(std::FILE* stream, Describe describe);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress();

  // Ends the display (a live line is erased) and waits for the thread. Idempotent.
  void stop();

private:
  void loop();

  std::FILE* m_stream;
  Describe m_describe;
  ProgressDisplay m_display;
  std::mutex m_mutex;
  std::condition_variable m_wake;
  bool m_stopping = false;
  std::once_flag m_stopped;
  std::thread m_thread;
};

} // namespace gpurun::cli

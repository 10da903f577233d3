#pragma once
// One request's view of a connection, handed to cpp-httplib's request parser by http_server.cpp
// (the only other place httplib.h is included). Reads stop at the request's deadline and once the
// request line and headers pass their budget; a body has the same time again plus a second per
// 64 KiB, so it may be large but cannot trickle for ever; each write must make progress in time.

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "server/http_server.hpp"

namespace gpurun::server {

using HttpClock = std::chrono::steady_clock;

// Why reading the current request failed, for the answer the library then gives (it knows only
// "bad request"): set by RequestStream, read by the error handler, on the same worker thread.
enum class ReadFailure { none, too_large, too_slow, no_length };
ReadFailure& read_failure(); // this thread's

// Waits until `fd` is ready for `events`; false at the deadline or once `stop_fd` is readable.
bool wait_ready(int fd, short events, int stop_fd, HttpClock::time_point deadline);

// Bytes received on a connection and not consumed yet. They belong to the connection, not to one
// request: a client may send its next request in the same packet.
struct InputBuffer {
  std::vector<char> data = std::vector<char>(16 * 1024);
  size_t begin = 0;
  size_t end = 0;
  bool empty() const { return begin == end; }
};

class RequestStream final : public httplib::Stream {
public:
  // `stop_fd` readable ends every wait (the server is stopping).
  RequestStream(int fd, int stop_fd, InputBuffer& input, const HttpServerOptions& options);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return m_fd; }

private:
  // Waits for input until the request's deadline, which it notes when it passes.
  bool wait_input() const;

  int m_fd;
  int m_stop_fd;
  InputBuffer& m_input;
  std::chrono::seconds m_read_timeout;
  HttpClock::time_point m_read_deadline;
  std::chrono::seconds m_write_timeout;
  size_t m_max_header_bytes;
  bool m_in_headers = true;
  std::string m_head; // the request line and headers as read so far
  bool m_no_length = false;
  std::uint64_t m_tail = 0; // the last bytes read, to find the blank line after the headers
};

} // namespace gpurun::server

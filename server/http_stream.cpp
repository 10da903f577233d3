#include "server/http_stream.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

namespace gpurun::server {
namespace {

// A body earns a second of time for every 64 KiB that arrive: a large upload may take its time,
// a trickle cannot hold a worker for ever.
constexpr std::int64_t k_body_ns_per_byte = 1'000'000'000 / (64 * 1024);

// Whether a request (its line and headers) announces a body without saying where it ends: a
// POST, PUT or PATCH without Content-Length or Transfer-Encoding. The library would read it until
// the connection closes; such a request is refused at once instead.
bool body_without_length(const std::string& head) {
  const std::string method = head.substr(0, head.find(' '));
  if (method != "POST" && method != "PUT" && method != "PATCH") return false;
  std::string lowered = head;
  std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lowered.find("\ncontent-length:") == std::string::npos && lowered.find("\ntransfer-encoding:") == std::string::npos;
}

void address(int fd, int (*get)(int, sockaddr*, socklen_t*), std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  ip.clear();
  port = -1;
  if (get(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* in = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &in->sin6_addr, text, sizeof(text));
    port = ntohs(in->sin6_port);
  }
  ip = text;
}

} // namespace

ReadFailure& read_failure() {
  thread_local ReadFailure failure = ReadFailure::none;
  return failure;
}

bool wait_ready(int fd, short events, int stop_fd, HttpClock::time_point deadline) {
  for (;;) {
    const auto left = deadline - HttpClock::now();
    if (left <= HttpClock::duration::zero()) return false;
    const long long ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    pollfd fds[2] = {{fd, events, 0}, {stop_fd, POLLIN, 0}};
    const int n = ::poll(fds, 2, static_cast<int>(std::min<long long>(ms, 60'000)));
    if (n < 0 && errno != EINTR) return false;
    if (n > 0 && fds[0].revents != 0) return true; // also on hang-up or error: the next call says which
    if (n > 0 && fds[1].revents != 0) return false;
  }
}

RequestStream::RequestStream(int fd, int stop_fd, InputBuffer& input, const HttpServerOptions& options)
    : m_fd(fd), m_stop_fd(stop_fd), m_input(input), m_read_timeout(options.read_timeout),
      m_read_deadline(HttpClock::now() + options.read_timeout), m_write_timeout(options.write_timeout),
      m_max_header_bytes(options.max_header_bytes) {}

bool RequestStream::is_readable() const {
  if (!m_in_headers && m_no_length) {
    read_failure() = ReadFailure::no_length;
    return false;
  }
  return !m_input.empty() || wait_input();
}

bool RequestStream::is_writable() const { return wait_ready(m_fd, POLLOUT, m_stop_fd, HttpClock::now() + m_write_timeout); }

bool RequestStream::wait_input() const {
  if (wait_ready(m_fd, POLLIN, m_stop_fd, m_read_deadline)) return true;
  if (HttpClock::now() >= m_read_deadline) read_failure() = ReadFailure::too_slow;
  return false;
}

ssize_t RequestStream::read(char* ptr, size_t size) {
  if (!m_in_headers && m_no_length) {
    read_failure() = ReadFailure::no_length;
    return -1;
  }
  if (m_input.empty()) {
    ssize_t n = -1;
    while (n < 0) {
      if (!wait_input()) return -1;
      n = ::recv(m_fd, m_input.data.data(), m_input.data.size(), MSG_DONTWAIT);
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return -1;
    }
    if (n == 0) return 0; // the client closed its side
    m_input.begin = 0;
    m_input.end = static_cast<size_t>(n);
  }
  size_t n = std::min(size, m_input.end - m_input.begin);
  const char* from = m_input.data.data() + m_input.begin;
  if (m_in_headers) {
    for (size_t i = 0; i < n; ++i) {
      m_tail = (m_tail << 8) | static_cast<unsigned char>(from[i]);
      if ((m_tail & 0xffffffffu) == 0x0d0a0d0au) { // the blank line after the headers
        m_in_headers = false;
        m_read_deadline = HttpClock::now() + m_read_timeout; // the body's own time
        n = i + 1;
        break;
      }
    }
    if (m_head.size() + n > m_max_header_bytes) {
      read_failure() = ReadFailure::too_large;
      return -1;
    }
    m_head.append(from, n);
    if (!m_in_headers) m_no_length = body_without_length(m_head);
  } else {
    m_read_deadline += std::chrono::nanoseconds(static_cast<std::int64_t>(n) * k_body_ns_per_byte);
  }
  std::memcpy(ptr, from, n);
  m_input.begin += n;
  return static_cast<ssize_t>(n);
}

ssize_t RequestStream::write(const char* ptr, size_t size) {
  for (;;) {
    if (!is_writable()) return -1;
    const ssize_t n = ::send(m_fd, ptr, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) return n;
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return -1;
  }
}

void RequestStream::get_remote_ip_and_port(std::string& ip, int& port) const { address(m_fd, ::getpeername, ip, port); }
void RequestStream::get_local_ip_and_port(std::string& ip, int& port) const { address(m_fd, ::getsockname, ip, port); }

} // namespace gpurun::server

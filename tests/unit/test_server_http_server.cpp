#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "server/http_server.hpp"
#include "server_fakes.hpp"

using namespace gpurun;
using namespace gpurun::server;

namespace {

using Clock = std::chrono::steady_clock;

struct Fixture {
  testing::TempDir dir;
  Store store{dir / "state.db"};
  testing::FakeExecutor executor;
  Scheduler scheduler{store, executor, SchedulerOptions{dir / "runs", std::chrono::milliseconds(10)}};
  Api api{store, scheduler, ApiOptions{"secret", "test", std::chrono::milliseconds(1)}};
  HttpServer http;
  int port = 0;
  std::thread thread;

  explicit Fixture(HttpServerOptions options) : http(api, options) {
    scheduler.start(false);
    port = http.bind();
    thread = std::thread([this] { http.run(); });
  }
  ~Fixture() {
    http.stop();
    thread.join();
  }
};

HttpServerOptions small_options() {
  HttpServerOptions options;
  options.threads = 2;
  options.max_waiting = 1;
  options.read_timeout = std::chrono::seconds(1);
  options.max_header_bytes = 4096;
  return options;
}

int count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

class Connection {
public:
  explicit Connection(int port) : m_fd(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  }
  ~Connection() { ::close(m_fd); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void send(const std::string& data) { (void)!::send(m_fd, data.data(), data.size(), MSG_NOSIGNAL); }
  // What arrives until `needle` is seen, the server closes, or `limit` passes.
  std::string read_until(const std::string& needle, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
    const auto deadline = Clock::now() + limit;
    while (m_received.find(needle) == std::string::npos && Clock::now() < deadline) {
      pollfd p{m_fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::recv(m_fd, buffer, sizeof(buffer), 0);
      if (n <= 0) {
        m_closed = true;
        break;
      }
      m_received.append(buffer, static_cast<size_t>(n));
    }
    return m_received;
  }
  // What arrives until `needle` was seen `n` times (or as for read_until).
  std::string read_count(const std::string& needle, int n, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
    const auto deadline = Clock::now() + limit;
    while (count(m_received, needle) < n && !m_closed && Clock::now() < deadline)
      read_until(m_received + "\x01", std::chrono::milliseconds(50));
    return m_received;
  }
  // Whether the server closed the connection within `limit`.
  bool closed_within(std::chrono::milliseconds limit) {
    read_until("\x01never\x01", limit);
    return m_closed;
  }

private:
  int m_fd;
  std::string m_received;
  bool m_closed = false;
};

const std::string k_health = "GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n";

} // namespace

TEST_SUITE("HttpServer") {
  TEST_CASE("A keep-alive connection serves one request after another, also when they come together") {
    Fixture f(small_options());
    Connection c(f.port);
    c.send(k_health);
    CHECK(c.read_until("\"status\":\"ok\"").starts_with("HTTP/1.1 200 OK"));
    c.send(k_health + k_health); // pipelined: both in one packet
    CHECK(count(c.read_count("\"status\":\"ok\"", 3), "HTTP/1.1 200 OK") == 3);
  }

  TEST_CASE("Headers beyond the budget are answered 431 and the connection closes") {
    Fixture f(small_options());
    Connection c(f.port);
    std::string request = "GET /v1/health HTTP/1.1\r\nHost: x\r\n";
    for (int i = 0; i < 10; ++i) request += "X-Filler-" + std::to_string(i) + ": " + std::string(500, 'f') + "\r\n";
    c.send(request + "\r\n");
    const std::string answer = c.read_until("}");
    CHECK(answer.starts_with("HTTP/1.1 431"));
    CHECK(answer.find("\"code\":\"headers_too_large\"") != std::string::npos);
    CHECK(c.closed_within(std::chrono::milliseconds(3000)));
  }

  TEST_CASE("A request line without end is cut off at the budget") {
    Fixture f(small_options());
    Connection c(f.port);
    c.send("GET /" + std::string(8000, 'a'));
    CHECK(c.closed_within(std::chrono::milliseconds(3000)));
  }

  TEST_CASE("A request that does not arrive within the read timeout is answered 408") {
    Fixture f(small_options());
    Connection c(f.port);
    const auto start = Clock::now();
    c.send("GET /v1/health HTTP/1.1\r\nX-Slow: ");
    for (int i = 0; i < 30 && c.read_until("}", std::chrono::milliseconds(100)).empty(); ++i) c.send("a");
    const std::string answer = c.read_until("}");
    CHECK(answer.starts_with("HTTP/1.1 408"));
    CHECK(answer.find("\"code\":\"request_timeout\"") != std::string::npos);
    CHECK(Clock::now() - start < std::chrono::seconds(3));
  }

  TEST_CASE("A connection that sends nothing is closed after the read timeout") {
    Fixture f(small_options());
    Connection c(f.port);
    CHECK(c.closed_within(std::chrono::milliseconds(3000)));
  }

  TEST_CASE("Beyond the workers and the waiting room a connection is answered 503 at once") {
    HttpServerOptions options = small_options();
    options.read_timeout = std::chrono::seconds(10);
    Fixture f(options);
    Connection a(f.port), b(f.port), waiting(f.port); // two workers taken, one waits
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    Connection refused(f.port);
    const std::string answer = refused.read_until("}", std::chrono::milliseconds(2000));
    CHECK(answer.starts_with("HTTP/1.1 503"));
    CHECK(answer.find("\"code\":\"busy\"") != std::string::npos);
    // The idle connections give way to the one waiting: within about a second it is served.
    waiting.send(k_health);
    CHECK(waiting.read_until("\"status\":\"ok\"", std::chrono::milliseconds(3000)).starts_with("HTTP/1.1 200 OK"));
  }

  TEST_CASE("stop() returns while a client holds an idle connection") {
    HttpServerOptions options = small_options();
    options.read_timeout = std::chrono::seconds(30);
    auto f = std::make_unique<Fixture>(options);
    Connection c(f->port);
    c.send(k_health);
    c.read_until("\"status\":\"ok\"");
    const auto start = Clock::now();
    f.reset();
    CHECK(Clock::now() - start < std::chrono::seconds(2));
  }
}

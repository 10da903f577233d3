#include <doctest/doctest.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "server/http_stream.hpp"

using namespace gpurun::server;

namespace {

// A connected pair: the test writes to `client`, the stream reads `server`.
struct Pipe {
  int client = -1;
  int server = -1;
  int stop = ::eventfd(0, EFD_CLOEXEC);
  InputBuffer input;
  Pipe() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    client = fds[0];
    server = fds[1];
    read_failure() = ReadFailure::none;
  }
  ~Pipe() {
    ::close(client);
    ::close(server);
    ::close(stop);
  }
  void send(const std::string& data) const { REQUIRE(::write(client, data.data(), data.size()) == static_cast<ssize_t>(data.size())); }
};

HttpServerOptions options(size_t max_header_bytes = 1024) {
  HttpServerOptions o;
  o.read_timeout = std::chrono::seconds(1);
  o.max_header_bytes = max_header_bytes;
  return o;
}

// Reads one byte at a time, as the library reads a request's line and headers.
std::string read_bytes(RequestStream& stream, size_t count) {
  std::string out;
  char c = 0;
  while (out.size() < count && stream.read(&c, 1) == 1) out += c;
  return out;
}

} // namespace

TEST_SUITE("RequestStream") {
  TEST_CASE("Bytes come in order, and what belongs to the next request stays for it") {
    Pipe p;
    p.send("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
    RequestStream first(p.server, p.stop, p.input, options());
    CHECK(read_bytes(first, 19) == "GET /a HTTP/1.1\r\n\r\n");
    RequestStream second(p.server, p.stop, p.input, options());
    CHECK(read_bytes(second, 19) == "GET /b HTTP/1.1\r\n\r\n");
  }

  TEST_CASE("Headers beyond the budget end the reading, and say so") {
    Pipe p;
    p.send("GET / HTTP/1.1\r\nX: " + std::string(2000, 'x'));
    RequestStream stream(p.server, p.stop, p.input, options(1024));
    CHECK(read_bytes(stream, 5000).size() == 1024);
    CHECK(read_failure() == ReadFailure::too_large);
  }

  TEST_CASE("A request that stops arriving ends at its deadline, and says so") {
    Pipe p;
    p.send("GET / HTTP/1.1\r\n");
    RequestStream stream(p.server, p.stop, p.input, options());
    const auto start = std::chrono::steady_clock::now();
    CHECK(read_bytes(stream, 100) == "GET / HTTP/1.1\r\n");
    CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(900));
    CHECK(read_failure() == ReadFailure::too_slow);
  }

  TEST_CASE("A POST without a length has no body to wait for") {
    Pipe p;
    p.send("POST /v1/runs/r-1/cancel HTTP/1.1\r\nHost: x\r\n\r\n");
    RequestStream stream(p.server, p.stop, p.input, options());
    CHECK(read_bytes(stream, 46).ends_with("\r\n\r\n"));
    char c = 0;
    CHECK(stream.read(&c, 1) == -1);
    CHECK(read_failure() == ReadFailure::no_length);

    Pipe q;
    q.send("POST /x HTTP/1.1\r\ncontent-length: 2\r\n\r\nok");
    RequestStream with_length(q.server, q.stop, q.input, options());
    CHECK(read_bytes(with_length, 41).ends_with("\r\n\r\nok"));
    CHECK(read_failure() == ReadFailure::none);
  }

  TEST_CASE("Stopping the server ends a wait at once, without blaming the client") {
    Pipe p;
    RequestStream stream(p.server, p.stop, p.input, options());
    const std::uint64_t one = 1;
    REQUIRE(::write(p.stop, &one, sizeof(one)) == sizeof(one));
    char c = 0;
    CHECK(stream.read(&c, 1) == -1);
    CHECK(read_failure() == ReadFailure::none);
  }
}

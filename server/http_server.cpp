#include "server/http_server.hpp"

#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "server/http_stream.hpp"

namespace gpurun::server {
namespace {

using Clock = HttpClock;

// The library refused the request itself (too large, malformed): the connection closes after the
// answer, and what the client still sends is read and dropped first, so that it gets the answer
// rather than a reset.
thread_local bool t_refused = false;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

const char* code_for(int status) {
  switch (status) {
  case 400: return "bad_request";
  case 404: return "not_found";
  case 405: return "method_not_allowed";
  case 408: return "request_timeout";
  case 413: return "payload_too_large";
  case 414: return "uri_too_long";
  case 431: return "headers_too_large";
  default: return status >= 500 ? "internal" : "bad_request";
  }
}

void send(const ApiResponse& response, httplib::Response& res) {
  res.status = response.status;
  for (const auto& [name, value] : response.headers) res.set_header(name, value);
  if (!response.stream) {
    res.set_content(response.body, response.content_type.c_str());
    return;
  }
  BodyStream stream = response.stream;
  res.set_chunked_content_provider(response.content_type, [stream](size_t, httplib::DataSink& sink) {
    stream([&](std::string_view data) {
      if (!sink.is_writable()) return false;
      return data.empty() || sink.write(data.data(), data.size());
    });
    sink.done();
    return true;
  });
}

// cpp-httplib's server with the connection handling left to us: its request parser and response
// writer (process_request) are reachable from a subclass, its accept loop is not used.
class Listener final : public httplib::Server {
public:
  int socket_fd() const { return svr_sock_; }
  bool serve(httplib::Stream& stream, bool close_connection, bool& connection_closed) {
    return process_request(stream, close_connection, connection_closed, nullptr);
  }
  void close_socket() {
    const socket_t fd = svr_sock_.exchange(INVALID_SOCKET);
    if (fd != INVALID_SOCKET) ::close(fd);
  }
};

} // namespace

struct HttpServer::Impl {
  Api& api;
  HttpServerOptions options;
  Listener server;
  int stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  std::atomic<bool> stopping{false};
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<int> waiting; // accepted connections without a worker yet
  std::atomic<int> waiting_count{0};
  std::atomic<int> busy{0};

  Impl(Api& a, HttpServerOptions o) : api(a), options(std::move(o)) {}
  ~Impl() {
    server.close_socket();
    for (int fd : waiting) ::close(fd);
    ::close(stop_fd);
  }

  static ApiRequest adapt(const httplib::Request& req) {
    ApiRequest request;
    request.method = req.method;
    request.path = req.path;
    for (const auto& [name, value] : req.params) request.query.try_emplace(name, value);
    for (const auto& [name, value] : req.headers) request.headers.try_emplace(lower(name), value);
    return request;
  }

  void dispatch(const httplib::Request& req, httplib::Response& res) {
    ApiRequest request = adapt(req);
    request.body = req.body;
    send(api.handle(std::move(request)), res);
  }

  // Someone waits for a worker while every worker is taken.
  bool crowded() const { return waiting_count > 0 && busy >= options.threads; }

  // Waits for the next request of a connection. A new connection has read_timeout to start one;
  // an idle keep-alive connection has keep_alive. When the server is crowded, an idle keep-alive
  // connection gives way at once, and a new one that has sent nothing for a second too.
  bool wait_for_request(int fd, bool first) {
    const auto start = Clock::now();
    const auto deadline = start + (first ? options.read_timeout : options.keep_alive);
    while (Clock::now() < deadline) {
      if (wait_ready(fd, POLLIN, stop_fd, std::min(deadline, Clock::now() + std::chrono::milliseconds(100)))) return true;
      if (stopping) return false;
      if (crowded() && (!first || Clock::now() - start >= std::chrono::seconds(1))) return false;
    }
    return false;
  }

  void serve_connection(int fd) {
    InputBuffer input;
    for (bool first = true;; first = false) {
      if (input.empty() && !wait_for_request(fd, first)) break;
      read_failure() = ReadFailure::none;
      t_refused = false;
      RequestStream stream(fd, stop_fd, input, options);
      const bool close_after = stopping || crowded();
      bool closed = false;
      const bool served = server.serve(stream, close_after, closed);
      if (t_refused) return linger_close(fd);
      if (!served || closed || close_after) break;
    }
    ::shutdown(fd, SHUT_RDWR);
    ::close(fd);
  }

  // Ends our side, then drops what the client still sends (at most 4 MiB, for at most a second)
  // before closing: closing with unread input would reset the connection, and the client might
  // lose the answer it was just sent.
  void linger_close(int fd) {
    ::shutdown(fd, SHUT_WR);
    const auto deadline = Clock::now() + std::chrono::seconds(1);
    char sink[16 * 1024];
    for (size_t dropped = 0; dropped < (4u << 20) && wait_ready(fd, POLLIN, stop_fd, deadline);) {
      const ssize_t n = ::recv(fd, sink, sizeof(sink), MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) break;
      if (n > 0) dropped += static_cast<size_t>(n);
    }
    ::close(fd);
  }

  // More connections than workers and waiting room: a short 503 (best effort) and close.
  void refuse(int fd) {
    ApiResponse problem = problem_response(503, "busy", "the server has as many connections as it serves; try again shortly");
    std::string reply = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/problem+json\r\n"
                        "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
                        std::to_string(problem.body.size()) + "\r\n\r\n" + problem.body;
    char sink[4096];
    while (::recv(fd, sink, sizeof(sink), MSG_DONTWAIT) > 0) {
    } // unread input would turn the close into a reset
    (void)!::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    ::shutdown(fd, SHUT_WR);
    ::close(fd);
  }

  void worker() {
    for (;;) {
      int fd = -1;
      {
        std::unique_lock lock(mutex);
        cv.wait(lock, [this] { return stopping || !waiting.empty(); });
        if (waiting.empty()) return;
        fd = waiting.front();
        waiting.pop_front();
        waiting_count = static_cast<int>(waiting.size());
        ++busy;
      }
      serve_connection(fd);
      --busy;
    }
  }

  void accept_loop() {
    const int listen_fd = server.socket_fd();
    while (!stopping) {
      pollfd fds[2] = {{listen_fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (fds[1].revents != 0) break;
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        // Out of descriptors or memory: let connections close before taking more.
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      // Without it, the header and body writes of one response meet Nagle's algorithm and the
      // client's delayed ACK: 40 ms per request on a keep-alive connection.
      int yes = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
      std::unique_lock lock(mutex);
      if (busy + static_cast<int>(waiting.size()) >= options.threads + options.max_waiting) {
        lock.unlock();
        refuse(fd);
        continue;
      }
      waiting.push_back(fd);
      waiting_count = static_cast<int>(waiting.size());
      cv.notify_one();
    }
  }

  // Every request with a body comes here, unread: the library's own limit is the larger of the
  // two (it must let blobs through), so the JSON limit is kept here, and a blob upload gets the
  // body as a stream.
  void dispatch_with_body(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
    ApiRequest request = adapt(req);
    if (Api::streams_body(req.method, req.path)) {
      bool read_whole = false;
      request.read_body = [&reader, &read_whole](const BodySink& sink) {
        read_whole = reader([&sink](const char* data, size_t length) { return sink(std::string_view(data, length)); });
        return read_whole;
      };
      ApiResponse response = api.handle(std::move(request));
      // An answer given before the body was read (a bad token, a bad hash, a blob too large):
      // the rest of the body would be taken for the next request, so the connection closes.
      if (!read_whole) {
        response.headers.emplace_back("Connection", "close");
        t_refused = true;
      }
      send(response, res);
      return;
    }
    // A JSON body announced larger than the limit is refused before it is read; the connection
    // then closes, since the body would be taken for the next request.
    if (std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10) > options.max_body) {
      send(problem_response(413, "payload_too_large", "the request body is larger than " + std::to_string(options.max_body) + " bytes"), res);
      t_refused = true;
      res.set_header("Connection", "close");
      return;
    }
    bool too_large = false;
    // A chunked body that grows too large is read to its end but not kept, as the library does,
    // so that the connection stays usable.
    const bool read = reader([&](const char* data, size_t length) {
      too_large = too_large || request.body.size() + length > options.max_body;
      if (!too_large) request.body.append(data, length);
      return true;
    });
    if (!read) return; // res.status says why (400, 413); the error handler writes the problem
    if (too_large) {
      send(problem_response(413, "payload_too_large", "the request body is larger than " + std::to_string(options.max_body) + " bytes"), res);
      return;
    }
    send(api.handle(std::move(request)), res);
  }
};

HttpServer::HttpServer(Api& api, HttpServerOptions options) : m_impl(std::make_unique<Impl>(api, std::move(options))) {
  if (m_impl->stop_fd < 0) throw Error(std::string("cannot create an event descriptor: ") + std::strerror(errno));
  httplib::Server& s = m_impl->server;
  // What the library advertises in Keep-Alive headers; the connection loop above enforces it.
  s.set_keep_alive_max_count(1'000'000);
  s.set_keep_alive_timeout(m_impl->options.keep_alive.count());
  s.set_payload_max_length(std::max(m_impl->options.max_body, m_impl->options.max_blob));
  auto handler = [impl = m_impl.get()](const httplib::Request& req, httplib::Response& res) { impl->dispatch(req, res); };
  auto with_body = [impl = m_impl.get()](const httplib::Request& req, httplib::Response& res,
                                         const httplib::ContentReader& reader) { impl->dispatch_with_body(req, res, reader); };
  s.Get(".*", handler);
  s.Post(".*", with_body);
  s.Put(".*", with_body);
  s.Delete(".*", with_body);
  s.Patch(".*", with_body);
  s.Options(".*", handler);
  // Answers the library gives itself (oversized body, malformed request) get a problem body too.
  httplib::Server::HandlerWithResponse on_error = [options = m_impl->options](const httplib::Request& req,
                                                                           httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (read_failure() == ReadFailure::too_large) res.status = 431;
    if (read_failure() == ReadFailure::too_slow) res.status = 408;
    std::string detail = "the server cannot handle " + req.method + " " + req.path;
    if (res.status == 413)
      detail = Api::streams_body(req.method, req.path)
                   ? "the blob is larger than " + std::to_string(options.max_blob) + " bytes (the server's --max-blob)"
                   : "the request body is larger than " + std::to_string(options.max_body) + " bytes";
    if (res.status == 431)
      detail = "the request line and headers are larger than " + std::to_string(options.max_header_bytes) + " bytes";
    if (res.status == 408) detail = "the request did not arrive in time (" + std::to_string(options.read_timeout.count()) + " s for its line and headers)";
    if (res.status == 400 && (req.method == "POST" || req.method == "PUT") && !req.has_header("Content-Length"))
      detail = "malformed request: a " + req.method + " needs a Content-Length header (0 for no body)";
    send(problem_response(res.status, code_for(res.status), detail), res);
    if (res.status != 404 && res.status != 405) {
      t_refused = true;
      res.set_header("Connection", "close");
    }
    return httplib::Server::HandlerResponse::Handled;
  };
  s.set_error_handler(on_error);
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr e) {
    std::string what = "internal error";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      what += std::string(": ") + ex.what();
    } catch (...) { // NOLINT: anything else is reported as it is
    }
    send(problem_response(500, "internal", what), res);
  });
}

HttpServer::~HttpServer() = default;

int HttpServer::bind() {
  httplib::Server& s = m_impl->server;
  int port = m_impl->options.port;
  if (port == 0) {
    port = s.bind_to_any_port(m_impl->options.host);
    if (port <= 0) throw Error("cannot listen on " + m_impl->options.host);
  } else if (!s.bind_to_port(m_impl->options.host, port)) {
    throw Error("cannot listen on " + m_impl->options.host + ":" + std::to_string(port) + " (is the port in use?)");
  }
  // The library listens with a backlog of 5; a burst of clients deserves more.
  ::listen(m_impl->server.socket_fd(), 1024);
  return port;
}

void HttpServer::run() {
  Impl& impl = *m_impl;
  std::vector<std::thread> workers;
  for (int i = 0; i < impl.options.threads; ++i) workers.emplace_back([&impl] { impl.worker(); });
  impl.accept_loop();
  stop(); // also when the accept loop ended on its own (the socket failed)
  for (std::thread& t : workers) t.join();
  impl.server.close_socket();
}

void HttpServer::stop() {
  m_impl->stopping = true;
  const std::uint64_t one = 1;
  (void)!::write(m_impl->stop_fd, &one, sizeof(one));
  std::lock_guard lock(m_impl->mutex);
  m_impl->cv.notify_all();
}

} // namespace gpurun::server

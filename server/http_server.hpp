#pragma once
// The API on a socket: cpp-httplib parses requests and writes responses, but connections are ours
// (http_server.cpp, and http_stream.hpp for the reading of one request): cpp-httplib's own loop bounds each read, not a request, so a client sending
// a byte every few seconds, or header lines without end, would hold a worker for ever. Here:
//   - a request's line and headers must arrive within `read_timeout`, and its body at a minimum
//     rate, else the connection closes (408 when the request line had arrived);
//   - the request line and headers together are at most `max_header_bytes` (431 beyond);
//   - `threads` workers serve connections; up to `max_waiting` more wait for one, and while any
//     waits, idle keep-alive connections are closed so that it gets one soon; beyond that a
//     connection is answered 503 and closed.
// The errors the library answers itself (oversized body, bad request line) get problem+json too.

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "server/api.hpp"

namespace gpurun::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0; // 0: any free port
  size_t max_body = 1024 * 1024;       // JSON bodies
  size_t max_blob = size_t{1} << 30;   // blob uploads (PUT /v1/blobs/...), streamed to disk
  size_t max_header_bytes = 64 * 1024; // request line and headers together; each line at most 8 KiB
  int threads = 64;     // connections served at once (a keep-alive connection or a followed log holds one)
  int max_waiting = 64; // connections accepted and waiting for a worker
  // To receive a request's line and headers; its body then has as long again, plus a second for
  // every 64 KiB (so a large blob may take its time, but no body can trickle for ever).
  std::chrono::seconds read_timeout{10};
  std::chrono::seconds write_timeout{10}; // for each write of a response to make progress
  std::chrono::seconds keep_alive{30};    // idle time before a keep-alive connection is closed
};

class HttpServer {
public:
  HttpServer(Api& api, HttpServerOptions options);
  ~HttpServer();

  // Binds the socket; returns the port. Throws gpurun::Error.
  int bind();
  // Serves until stop(); returns once every connection is closed.
  void run();
  // May be called from any thread (and before run()).
  void stop();

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace gpurun::server

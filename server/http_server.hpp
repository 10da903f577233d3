#pragma once
// The API on a socket: cpp-httplib with keep-alive, limits (body size, header size, timeouts)
// and problem+json for the errors the library answers itself (oversized body, bad request
// line, unknown method).

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "server/api.hpp"

namespace gpurun::server {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  int port = 0; // 0: any free port
  size_t max_body = 1024 * 1024;   // JSON bodies
  size_t max_blob = size_t{1} << 30; // blob uploads (PUT /v1/blobs/...), streamed to disk
  int threads = 64; // each keep-alive connection holds one while it is open
  std::chrono::seconds read_timeout{10};
  std::chrono::seconds write_timeout{10};
  std::chrono::seconds keep_alive{30};
};

class HttpServer {
public:
  HttpServer(Api& api, HttpServerOptions options);
  ~HttpServer();

  // Binds the socket; returns the port. Throws gpurun::Error.
  int bind();
  // Serves until stop().
  void run();
  void stop();

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

} // namespace gpurun::server

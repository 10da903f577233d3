#pragma once
// HTTP/1.1 client: the one place libcurl is used. One HttpClient keeps one connection alive
// across requests (use one per thread). Transport failures (refused, timed out, reset) throw
// gpurun::Error of kind `unreachable`; any HTTP status is returned, not thrown.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gpurun::core {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // When set, the body is this file's bytes, streamed from disk (uploads); `body` is ignored,
  // the total timeout too: only a transfer stalled for that long fails.
  std::string body_file;
};

struct HttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers; // names in lower case
  std::string body;

  std::string header(const std::string& lower_name) const;
};

struct HttpTimeouts {
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds total{30'000}; // 0: no limit (streams)
};

// The seam tests fake: anything that turns a request into a response.
class HttpTransport {
public:
  virtual ~HttpTransport() = default;
  virtual HttpResponse send(const HttpRequest& request) = 0;
  // Streams the body to `on_data` as it arrives (return false to stop); the returned response
  // has no body, except for an error status (400 and up), whose body is returned instead of
  // streamed. Used for following logs.
  virtual HttpResponse stream(const HttpRequest& request,
                              const std::function<bool(std::string_view)>& on_data) = 0;
};

class HttpClient final : public HttpTransport {
public:
  explicit HttpClient(HttpTimeouts timeouts = {});
  ~HttpClient() override;
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse send(const HttpRequest& request) override;
  HttpResponse stream(const HttpRequest& request,
                      const std::function<bool(std::string_view)>& on_data) override;

private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Percent-encodes a URL path segment or query value.
std::string url_encode(std::string_view text);

} // namespace gpurun::core

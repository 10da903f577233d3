#include "server/http_server.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>

#include "core/error.hpp"

namespace gpurun::server {
namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

const char* code_for(int status) {
  switch (status) {
  case 400: return "bad_request";
  case 404: return "not_found";
  case 405: return "method_not_allowed";
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

} // namespace

struct HttpServer::Impl {
  Api& api;
  HttpServerOptions options;
  httplib::Server server;

  Impl(Api& a, HttpServerOptions o) : api(a), options(std::move(o)) {}

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
      // the rest of the body would be taken for the next request, so the client must close.
      if (!read_whole) response.headers.emplace_back("Connection", "close");
      send(response, res);
      return;
    }
    bool too_large = false;
    // An oversized body is read to its end but not kept, as the library does, so that the
    // connection stays usable.
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
  httplib::Server& s = m_impl->server;
  const int threads = m_impl->options.threads;
  s.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  // Without it, the header and body writes of one response meet Nagle's algorithm and the
  // client's delayed ACK: 40 ms per request on a keep-alive connection.
  s.set_tcp_nodelay(true);
  s.set_keep_alive_max_count(1'000'000);
  s.set_keep_alive_timeout(m_impl->options.keep_alive.count());
  s.set_read_timeout(m_impl->options.read_timeout.count());
  s.set_write_timeout(m_impl->options.write_timeout.count());
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
    std::string detail = "the server cannot handle " + req.method + " " + req.path;
    if (res.status == 413)
      detail = Api::streams_body(req.method, req.path)
                   ? "the blob is larger than " + std::to_string(options.max_blob) + " bytes (the server's --max-blob)"
                   : "the request body is larger than " + std::to_string(options.max_body) + " bytes";
    if (res.status == 400 && (req.method == "POST" || req.method == "PUT") && !req.has_header("Content-Length"))
      detail = "malformed request: a " + req.method + " needs a Content-Length header (0 for no body)";
    send(problem_response(res.status, code_for(res.status), detail), res);
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
  if (m_impl->options.port == 0) {
    int port = s.bind_to_any_port(m_impl->options.host);
    if (port <= 0) throw Error("cannot listen on " + m_impl->options.host);
    return port;
  }
  if (!s.bind_to_port(m_impl->options.host, m_impl->options.port))
    throw Error("cannot listen on " + m_impl->options.host + ":" + std::to_string(m_impl->options.port) +
                " (is the port in use?)");
  return m_impl->options.port;
}

void HttpServer::run() { m_impl->server.listen_after_bind(); }

void HttpServer::stop() { m_impl->server.stop(); }

} // namespace gpurun::server

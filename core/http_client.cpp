#include "core/http_client.hpp"

#include <curl/curl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

#include "core/error.hpp"

namespace gpurun::core {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Transfer {
  CURL* handle = nullptr;
  HttpResponse* response = nullptr;
  const std::function<bool(std::string_view)>* on_data = nullptr;
  bool stopped = false;
};

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t n = size * count;
  long status = 0;
  if (transfer->on_data != nullptr) curl_easy_getinfo(transfer->handle, CURLINFO_RESPONSE_CODE, &status);
  // Only a successful body is streamed; an error's body (problem+json) is kept for the caller.
  if (transfer->on_data != nullptr && status < 400) {
    if (!(*transfer->on_data)(std::string_view(data, n))) {
      transfer->stopped = true;
      return 0; // makes curl stop the transfer
    }
  } else {
    transfer->response->body.append(data, n);
  }
  return n;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  const size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) response->headers.clear(); // a new response (after a 100)
  if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.remove_suffix(1);
    response->headers[name] = std::string(value);
  }
  return n;
}

} // namespace

struct HttpClient::Impl {
  CURL* handle = nullptr;
  HttpTimeouts timeouts;

  HttpResponse perform(const HttpRequest& request, const std::function<bool(std::string_view)>* on_data) {
    HttpResponse response;
    Transfer transfer{handle, &response, on_data, false};
    curl_easy_reset(handle); // keeps the connection cache: the connection stays alive
    curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(handle, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeouts.connect.count()));
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, on_data != nullptr ? 0L : static_cast<long>(timeouts.total.count()));
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &response);
    if (request.method == "HEAD") curl_easy_setopt(handle, CURLOPT_NOBODY, 1L);
    std::unique_ptr<FILE, int (*)(FILE*)> upload(nullptr, std::fclose);
    if (!request.body_file.empty()) {
      upload.reset(std::fopen(request.body_file.c_str(), "rbe"));
      struct stat st {};
      if (!upload || ::fstat(::fileno(upload.get()), &st) != 0)
        throw Error("cannot read " + request.body_file + ": " + std::strerror(errno));
      curl_easy_setopt(handle, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt(handle, CURLOPT_READDATA, upload.get()); // curl's default reader is fread
      curl_easy_setopt(handle, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(st.st_size));
      curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, 0L);
      curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
      curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, std::max(1L, static_cast<long>(timeouts.total.count() / 1000)));
    } else if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
      curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
    curl_slist* headers = curl_slist_append(nullptr, "Expect:"); // no 100-continue round trip
    for (const auto& [name, value] : request.headers) headers = curl_slist_append(headers, (name + ": " + value).c_str());
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers);
    CURLcode code = curl_easy_perform(handle);
    curl_slist_free_all(headers);
    if (code == CURLE_READ_ERROR && upload)
      throw Error("cannot read " + request.body_file + " while sending it: " + curl_easy_strerror(code));
    if (code != CURLE_OK && !(code == CURLE_WRITE_ERROR && transfer.stopped))
      throw Error("cannot reach " + request.url + ": " + curl_easy_strerror(code), ErrorKind::unreachable);
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
  }
};

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

HttpClient::HttpClient(HttpTimeouts timeouts) : m_impl(std::make_unique<Impl>()) {
  global_init();
  m_impl->handle = curl_easy_init();
  m_impl->timeouts = timeouts;
  if (m_impl->handle == nullptr) throw Error("cannot initialise libcurl");
}

HttpClient::~HttpClient() { curl_easy_cleanup(m_impl->handle); }

HttpResponse HttpClient::send(const HttpRequest& request) { return m_impl->perform(request, nullptr); }

HttpResponse HttpClient::stream(const HttpRequest& request,
                                const std::function<bool(std::string_view)>& on_data) {
  return m_impl->perform(request, &on_data);
}

std::string url_encode(std::string_view text) {
  static constexpr char k_hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += k_hex[c >> 4];
      out += k_hex[c & 15];
    }
  }
  return out;
}

} // namespace gpurun::core

#pragma once
// An in-memory slurmrestd for unit tests: answers by "METHOD /path" with canned responses and
// records every request.

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/http_client.hpp"

namespace gpurun::test {

class FakeSlurmrestd final : public core::HttpTransport {
public:
  // Answers `method path` (path after /slurm/v0.0.38) with `status` and `body`; several answers
  // for one route are given in turn, the last one repeating.
  void answer(const std::string& route, long status, std::string body) {
    m_answers[route].push_back(core::HttpResponse{status, {}, std::move(body)});
  }
  // The next request to `route` fails as if slurmrestd were down.
  void refuse(const std::string& route) { m_refused[route] += 1; }

  core::HttpResponse send(const core::HttpRequest& request) override {
    requests.push_back(request);
    std::string path = request.url.substr(request.url.find("/slurm/v0.0.38") + 14);
    std::string route = request.method + " " + path;
    if (auto refused = m_refused.find(route); refused != m_refused.end() && refused->second > 0) {
      refused->second -= 1;
      throw Error("cannot reach " + request.url + ": Couldn't connect to server", ErrorKind::unreachable);
    }
    auto it = m_answers.find(route);
    if (it == m_answers.end() || it->second.empty()) return core::HttpResponse{404, {}, "Not Found"};
    core::HttpResponse response = it->second.front();
    if (it->second.size() > 1) it->second.pop_front();
    return response;
  }
  core::HttpResponse stream(const core::HttpRequest& request,
                            const std::function<bool(std::string_view)>& on_data) override {
    core::HttpResponse response = send(request);
    on_data(response.body);
    response.body.clear();
    return response;
  }

  std::vector<core::HttpRequest> requests;

private:
  std::map<std::string, std::deque<core::HttpResponse>> m_answers;
  std::map<std::string, int> m_refused;
};

} // namespace gpurun::test

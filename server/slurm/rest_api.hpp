#pragma once
// slurmrestd, as gpurun needs it: nodes, submit, job, cancel. Each OpenAPI version slurmrestd
// serves has its own paths and JSON shapes (v0.0.39 changed exit codes and job states into
// objects), so the executor speaks to this plain C++ interface and one source file per version
// translates: rest_v0_0_38.cpp today. Adding a version is a new file and a line in
// make_rest_api(); nothing else changes.
//
// Errors are gpurun::Error with a kind the executor can act on:
//   unreachable  slurmrestd (or slurmctld behind it) cannot be reached
//   auth         401, or a token slurmctld refuses (expired, signed with another key)
//   no_capacity  error 2014: no node can ever satisfy the request
//   not_found    the job is unknown (never existed, or purged after MinJobAge)
//   failure      anything else, with Slurm's own messages

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/http_client.hpp"
#include "server/slurm/credentials.hpp"

namespace gpurun::server::slurm {

// The versions this build speaks; the first is the default.
inline constexpr const char* k_api_versions[] = {"v0.0.38"};

struct SlurmNode {
  std::string name;
  std::string state;                    // idle, mixed, allocated, down, ...
  std::vector<std::string> state_flags; // DRAIN, ...
  std::string gres;                     // "gpu:h100:8"
  std::string gres_used;                // "gpu:h100:2(IDX:0-1)"
  std::vector<std::string> partitions;
};

struct SlurmJob {
  long id = 0;
  std::string state;        // PENDING, RUNNING, COMPLETED, ...
  std::string state_reason; // Resources, NonZeroExitCode, ...
  std::string nodes;        // "h100node" once placed
  std::vector<std::string> gres_detail; // "gpu:h100:2(IDX:0-1)" while it runs
  std::string tres_per_node;            // "gres:gpu:h100:2": what was asked
  std::optional<long> exit_code;        // raw wait status
  std::string comment;
  std::string standard_output;
};

struct JobRequest {
  std::string name;
  std::string script;
  std::string partition; // empty: the cluster's default partition
  std::string working_dir;
  std::string standard_output;
  std::string standard_error; // empty: merged into standard_output
  std::map<std::string, std::string> environment;
  std::string gpus_per_node; // "h100:2"; empty: no GPU
  std::optional<int> time_limit_minutes;
  std::string comment;
};

class SlurmApi {
public:
  virtual ~SlurmApi() = default;
  virtual std::string version() const = 0;
  virtual void ping() = 0;
  virtual std::vector<SlurmNode> nodes() = 0;
  virtual long submit(const JobRequest& request) = 0; // returns the job id
  virtual SlurmJob job(long id) = 0;
  virtual void cancel(long id) = 0;
};

// The client for `version` (one of k_api_versions) at `base_url` (http://host:port, without the
// /slurm/... path). Throws gpurun::Error (invalid) for a version this build does not speak.
std::unique_ptr<SlurmApi> make_rest_api(const std::string& version, std::string base_url,
                                        core::HttpTransport& transport, Credentials& credentials);

} // namespace gpurun::server::slurm

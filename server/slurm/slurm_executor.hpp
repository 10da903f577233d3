#pragma once
// The Slurm executor: runs go to an existing Slurm cluster as batch jobs through slurmrestd.
//
// gpurun places, Slurm allocates. The scheduler resolves a function's fallback chain against
// inventory() (free GRES per node, from GET /nodes) and hands the chosen entry's type and count
// to start(), which asks Slurm for `gpus_per_node: TYPE:COUNT` on one node. Slurm picks the node
// and the device indices (slurmrestd v0.0.38 cannot pin a node); poll() reports where the job
// actually landed. When no entry fits now, the run stays in gpurun's own queue and the chain is
// tried again, in order, when capacity frees: see docs/slurm.md for why.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/http_client.hpp"
#include "server/executor.hpp"
#include "server/slurm/credentials.hpp"
#include "server/slurm/gres_type_map.hpp"
#include "server/slurm/rest_api.hpp"

namespace gpurun::server::slurm {

struct SlurmConfig {
  std::string url;  // slurmrestd, http://host:port
  std::string user; // X-SLURM-USER-NAME; jobs run as this user
  std::string token;      // a JWT (SLURM_JWT); ignored when token_file is set
  std::string token_file; // a file holding the JWT, read again when it changes
  std::string api_version = k_api_versions[0];
  std::string partition;  // empty: the cluster's default partition
  GresTypeMap gres_types;
  // Jobs' working folder when the image names none; empty: the folder of the output file.
  // Must exist on the nodes (a shared file system on a real cluster).
  std::string work_dir;
  // Told once per GRES type that maps to no catalog type (those GPUs are left out).
  std::function<void(const std::string&)> warn;
};

class SlurmExecutor final : public Executor {
public:
  // Uses its own HttpClient (keep-alive to slurmrestd). Throws gpurun::Error (invalid) for a bad
  // configuration; nothing is sent until the first call.
  explicit SlurmExecutor(SlurmConfig config);
  // For tests: speaks through `transport`, which must outlive the executor.
  SlurmExecutor(SlurmConfig config, core::HttpTransport& transport);
  ~SlurmExecutor() override;

  std::string name() const override { return "slurm"; }
  // Per node: the mapped GRES types, with free = total - used; a node that cannot take jobs now
  // (down, drained, all CPUs allocated, not in the partition) shows no free GPUs. Throws
  // gpurun::Error when slurmrestd cannot answer.
  core::Inventory inventory() override;
  bool simulated() const override { return false; }
  // Submits the attempt as a batch job; returns the Slurm job id. Throws gpurun::Error: invalid
  // (a container image, an empty command), no_capacity (Slurm error 2014), unreachable, auth.
  std::string start(const RunLaunch& launch) override;
  // GET /job/{id}. A job pending in Slurm's queue is `running` (the attempt exists) with Slurm's
  // reason; a job Slurm no longer knows is `lost`. Throws gpurun::Error when Slurm cannot be
  // asked now (the caller polls again later).
  ExecutorStatus poll(const std::string& handle) override;
  // DELETE /job/{id}; a job already gone is not an error.
  void cancel(const std::string& handle) override;
  // True when Slurm still knows the job, or cannot be asked now (an unreachable cluster does not
  // make a run lost: poll() tells later); false when the job is gone. Throws gpurun::Error when
  // the credentials are refused.
  bool reattach(const std::string& handle) override;

  // Lines for the server's start-up: the cluster, its nodes and GPUs ("Slurm at URL (slurmrestd
  // v0.0.38, user root): 2 nodes: 4 A100-80GB, 8 H100"). Reads the inventory, so a cluster that
  // cannot be reached or refuses the token fails here, before anything is accepted: throws
  // gpurun::Error as inventory() does.
  std::vector<std::string> notes();

  // The JSON-free request start() would submit, for tests and the benchmark.
  JobRequest job_request(const RunLaunch& launch);

private:
  long job_id(const std::string& handle) const;

  SlurmConfig m_config;
  std::unique_ptr<core::HttpClient> m_own_client;
  Credentials m_credentials;
  std::unique_ptr<SlurmApi> m_api;
  std::mutex m_mutex;                             // one request at a time on the one connection
  std::map<std::string, std::string> m_gres_spelling; // catalog type -> GRES type seen on nodes
  std::map<long, core::Placement> m_placements;   // what each job asked for, to report it
  std::map<std::string, bool> m_warned;
};

} // namespace gpurun::server::slurm

#pragma once
// Who gpurun is to slurmrestd: a user name and a JWT (the X-SLURM-USER-NAME and
// X-SLURM-USER-TOKEN headers). Tokens expire, so a token file is read again whenever it changes:
// an operator (or a cron job running `scontrol token`) can rotate it without restarting gpurun.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

namespace gpurun::server::slurm {

class Credentials {
public:
  // A fixed token (from SLURM_JWT), or a file holding one (either the bare token or a
  // `SLURM_JWT=...` line as `scontrol token` prints it). Throws gpurun::Error (invalid) when the
  // user is empty, or neither a token nor a readable file is given.
  Credentials(std::string user, std::string token, std::filesystem::path token_file = {});

  const std::string& user() const { return m_user; }
  // The token to send now: the file's current content when a file is used.
  const std::string& token();
  // When the token says it expires (its `exp` claim), if it can be read.
  std::optional<std::chrono::system_clock::time_point> expiry();
  // Where the token comes from, for messages: "SLURM_JWT" or the file's path.
  std::string source() const;

private:
  void reload_if_changed();

  std::string m_user;
  std::string m_token;
  std::filesystem::path m_file;
  std::filesystem::file_time_type m_file_time{};
};

// The `exp` claim of a JWT (seconds since the epoch), without checking its signature: only to
// explain a refusal. nullopt when the token is not a readable JWT.
std::optional<long long> jwt_expiry(const std::string& token);

} // namespace gpurun::server::slurm

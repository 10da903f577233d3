#pragma once
// The batch script gpurun submits for one attempt of a run. Slurm needs a script (it must start
// with `#!`), so the argv is turned into one `exec` line whose every word is single-quoted: no
// word is ever interpreted by the shell, whatever it holds (spaces, quotes, `$`, newlines).

#include <string>
#include <string_view>

#include "server/executor.hpp"

namespace gpurun::server::slurm {

// The word quoted for bash: 'it'\''s' for it's. An empty word gives ''.
std::string shell_quote(std::string_view word);

// "#!/bin/bash", a comment naming the run, and `exec` of the launch's command. Throws
// gpurun::Error (invalid) when the command is empty or a word holds a NUL byte.
std::string job_script(const RunLaunch& launch);

} // namespace gpurun::server::slurm

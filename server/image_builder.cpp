#include "server/image_builder.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "server/build_context.hpp"

namespace gpurun::server {
namespace fs = std::filesystem;
namespace {

// A file lock held for the lifetime of the object; flock locks of two opens conflict even
// within one process, so this serialises threads and processes alike.
class FileLock {
public:
  explicit FileLock(const std::string& path) : m_fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (m_fd < 0) throw Error("cannot open the build lock " + path + ": " + std::strerror(errno));
    while (flock(m_fd, LOCK_EX) != 0)
      if (errno != EINTR) throw Error("cannot lock " + path + ": " + std::strerror(errno));
  }
  ~FileLock() { close(m_fd); }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

private:
  int m_fd;
};

// A private folder for the Containerfile and podman's outputs, removed on every exit path.
class TempDir {
public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "gpurun-build-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw Error(std::string("cannot create a temporary folder: ") + std::strerror(errno));
    m_path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return m_path; }

private:
  fs::path m_path;
};

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw Error("cannot write " + path.string());
}

std::string read_first_line(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string shorten(std::string text, size_t max) {
  if (text.size() > max) text = text.substr(0, max - 3) + "...";
  return text;
}

} // namespace

ImageBuilder::ImageBuilder(PodmanConfig config) : m_config(std::move(config)) {
  require_podman(m_config);
  m_lock_dir = !m_config.runroot.empty()
                   ? m_config.runroot + "/gpurun-locks"
                   : (fs::temp_directory_path() / ("gpurun-image-locks-" + std::to_string(getuid()))).string();
}

bool ImageBuilder::exists(const std::string& tag) const {
  std::vector<std::string> argv = m_config.command();
  argv.insert(argv.end(), {"image", "exists", tag});
  return run_command(argv).exit_code == 0;
}

std::vector<std::string> build_arguments(const PodmanConfig& config, const core::RenderedImage& rendered,
                                         const std::string& containerfile, const std::string& ignorefile,
                                         const std::string& iidfile, const std::string& context_dir) {
  // A local base (localhost/...) can only come from this machine: asking a registry would only
  // add three retries' worth of delay before failing.
  const std::string& from = rendered.steps.front().instruction;
  bool local_base = from.rfind("FROM localhost/", 0) == 0;
  std::vector<std::string> args = {"build", "--pull=" + std::string(local_base ? "never" : "missing"),
                                   "--layers", "--force-rm", "--network=host",
                                   "--label", "io.gpurun.image=" + rendered.hash,
                                   "--iidfile", iidfile, "--ignorefile", ignorefile, "-f", containerfile};
  for (const std::string& limit : config.ulimits) args.insert(args.end(), {"--ulimit", limit});
  args.push_back(context_dir);
  return args;
}

std::string failed_step(const core::RenderedImage& rendered, const std::string& last_step_line) {
  // "STEP 3/4: RUN make"
  size_t number = 0, total = 0;
  if (std::sscanf(last_step_line.c_str(), "STEP %zu/%zu", &number, &total) != 2) return "";
  std::string out = "step " + std::to_string(number) + "/" + std::to_string(total);
  if (const core::ContainerfileStep* step = rendered.step(number))
    out += " (" + step->origin + ": " + shorten(step->instruction, 80) + ")";
  return out;
}

BuildResult ImageBuilder::ensure(const core::ImageSpec& image, const LineSink& progress, const std::string& blob_dir) {
  auto started = std::chrono::steady_clock::now();
  core::RenderedImage rendered = core::render_image(image);
  BuildResult result{rendered.tag, false, {}};
  if (exists(rendered.tag)) return result;

  std::error_code ec;
  fs::create_directories(m_lock_dir, ec);
  FileLock lock(m_lock_dir + "/" + rendered.hash + ".lock");
  if (exists(rendered.tag)) { // another build finished while this one waited
    result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    return result;
  }

  TempDir temp;
  write_file(temp.path() / "Containerfile", rendered.text);
  // An empty ignore file: the user's .dockerignore must not drop files that the tag hashed.
  write_file(temp.path() / "ignore", "");
  // Never the manifest's folder itself: only what the lists name, as a server would have it.
  std::string context = (temp.path() / "context").string();
  fs::create_directories(context);
  write_build_context(image, blob_dir, context);
  std::string iidfile = (temp.path() / "iid").string();

  std::vector<std::string> argv = m_config.command();
  for (const std::string& arg : build_arguments(m_config, rendered, (temp.path() / "Containerfile").string(),
                                                (temp.path() / "ignore").string(), iidfile, context))
    argv.push_back(arg);

  std::string last_step, last_error;
  CommandResult build = run_command(argv, Capture::no, [&](std::string_view line) {
    if (line.rfind("STEP ", 0) == 0) last_step = line;
    if (line.rfind("Error: ", 0) == 0) last_error = line.substr(7);
    if (progress) progress(line);
  });
  if (build.exit_code != 0) {
    std::string where = failed_step(rendered, last_step);
    throw Error("building image " + rendered.tag + (where.empty() ? "" : " failed at " + where) + ": " +
                (last_error.empty() ? "podman build exited with status " + std::to_string(build.exit_code) : last_error));
  }
  std::string id = read_first_line(iidfile);
  if (id.empty()) throw Error("podman build of " + rendered.tag + " succeeded but wrote no image ID");
  std::vector<std::string> tag = m_config.command();
  tag.insert(tag.end(), {"tag", id, rendered.tag});
  CommandResult tagged = run_command(tag);
  if (tagged.exit_code != 0) throw Error("cannot tag image " + id + " as " + rendered.tag + ": " + tagged.output);
  result.built = true;
  result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  return result;
}

std::vector<ImageInfo> ImageBuilder::list() const {
  std::vector<std::string> argv = m_config.command();
  argv.insert(argv.end(), {"images", "--filter", std::string("reference=") + core::k_image_repository, "--format", "json"});
  CommandResult listed = run_command(argv);
  if (listed.exit_code != 0) throw Error("podman images failed: " + listed.output);
  std::vector<ImageInfo> out;
  nlohmann::json doc = nlohmann::json::parse(listed.output, nullptr, false);
  if (!doc.is_array()) throw Error("podman images printed no JSON list");
  const std::string prefix = std::string(core::k_image_repository) + ":";
  for (const nlohmann::json& item : doc) {
    ImageInfo info;
    info.id = item.value("Id", std::string()).substr(0, 12);
    info.created = item.value("Created", std::int64_t{0});
    info.size = item.value("Size", std::int64_t{0});
    for (const nlohmann::json& name : item.value("Names", nlohmann::json::array()))
      if (name.is_string() && name.get<std::string>().rfind(prefix, 0) == 0) {
        info.tag = name.get<std::string>();
        out.push_back(info);
      }
  }
  std::stable_sort(out.begin(), out.end(), [](const ImageInfo& a, const ImageInfo& b) { return a.created > b.created; });
  return out;
}

} // namespace gpurun::server

#include "server/build_context.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>

#include "core/copy_files.hpp"
#include "core/copy_steps.hpp"
#include "core/error.hpp"
#include "core/sha256.hpp"

namespace gpurun::server {
namespace fs = std::filesystem;
namespace {

class ContextWriter {
public:
  ContextWriter(const core::ImageSpec& image, std::string blob_dir, std::string dir)
      : m_image(image), m_blob_dir(std::move(blob_dir)), m_dir(std::move(dir)) {}

  void write_step(size_t index) {
    const core::CopyStep& step = m_image.copy[index];
    m_origin = core::copy_origin(m_image, index);
    if (!step.files) fail("its files are not listed");
    if (std::string why = core::copy_src_error(step.src); !why.empty()) fail(why);
    // "./app/" and "app" are one folder of the context, as they are one source for COPY.
    const std::string src = fs::path(step.src).lexically_normal().generic_string();
    if (step.files->empty()) {
      make_folders(src == "." || src.empty() ? "" : trim_slash(src));
      return;
    }
    for (const core::CopyFile& file : *step.files) {
      if (file.path != ".")
        if (std::string why = core::copy_path_error(file.path); !why.empty()) fail("'" + file.path + "': the path " + why);
      std::string target = file.path == "." ? trim_slash(src) : src == "." ? file.path : trim_slash(src) + "/" + file.path;
      if (target.empty() || target == ".") fail("path '.' names a file, but src '" + step.src + "' is the whole folder");
      write_file(step, file, target);
    }
  }

private:
  [[noreturn]] void fail(const std::string& message) const { throw Error(m_origin + ": " + message, ErrorKind::invalid); }

  static std::string trim_slash(std::string path) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    return path;
  }

  // Creates each folder of `relative` (mode 0755 whatever the umask); a file in the way is a
  // conflict between two steps.
  void make_folders(const std::string& relative) {
    std::string path = m_dir;
    size_t start = 0;
    while (start < relative.size()) {
      size_t end = relative.find('/', start);
      if (end == std::string::npos) end = relative.size();
      path += "/" + relative.substr(start, end - start);
      if (::mkdir(path.c_str(), 0755) == 0) ::chmod(path.c_str(), 0755);
      else if (struct stat st {}; errno != EEXIST || ::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        fail("cannot create the folder '" + relative.substr(0, end) + "': a file of another step is in the way");
      start = end + 1;
    }
  }

  void write_file(const core::CopyStep& step, const core::CopyFile& file, const std::string& target) {
    if (size_t slash = target.rfind('/'); slash != std::string::npos) make_folders(target.substr(0, slash));
    const std::string kept = file.sha256 + (file.executable ? " x" : " -");
    if (auto it = m_written.find(target); it != m_written.end()) {
      if (it->second != kept) fail("'" + target + "' is also copied by another step, with other content");
      return;
    }
    fs::path source = fs::path(m_image.context_dir) / step.src;
    if (file.path != ".") source /= file.path;
    const std::string from = m_blob_dir.empty() ? source.string() : m_blob_dir + "/" + file.sha256;
    int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
    if (in < 0) {
      if (!m_blob_dir.empty() && errno == ENOENT)
        fail("'" + file.path + "': blob " + file.sha256 + " is not on this server (deploying the app again uploads it)");
      fail("cannot read '" + from + "': " + std::strerror(errno));
    }
    const std::string to = m_dir + "/" + target;
    int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0) {
      int error = errno;
      ::close(in);
      fail("cannot write '" + target + "' in the build context: " + std::strerror(error));
    }
    std::string digest;
    std::uint64_t size = 0;
    std::string error = copy(in, out, digest, size);
    if (error.empty() && ::fchmod(out, file.executable ? 0755 : 0644) != 0) error = std::strerror(errno);
    ::close(in);
    if (::close(out) != 0 && error.empty()) error = std::strerror(errno);
    if (!error.empty()) fail("cannot copy '" + from + "': " + error);
    if (digest != file.sha256 || size != file.size) {
      if (!m_blob_dir.empty()) fail("blob " + file.sha256 + " is damaged: its bytes hash to " + digest);
      fail("'" + from + "' changed since it was listed; build again");
    }
    m_written[target] = kept;
  }

  // Copies `in` to `out`, hashing; "" or why it failed.
  static std::string copy(int in, int out, std::string& digest, std::uint64_t& size) {
    core::Sha256 hash;
    std::unique_ptr<char[]> buffer(new char[1 << 16]);
    for (;;) {
      ssize_t n = ::read(in, buffer.get(), 1 << 16);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return std::strerror(errno);
      if (n == 0) break;
      for (ssize_t done = 0; done < n;) {
        ssize_t w = ::write(out, buffer.get() + done, static_cast<size_t>(n - done));
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return std::strerror(errno);
        done += w;
      }
      hash.update(std::string_view(buffer.get(), static_cast<size_t>(n)));
      size += static_cast<std::uint64_t>(n);
    }
    digest = hash.hex();
    return "";
  }

  const core::ImageSpec& m_image;
  std::string m_blob_dir;
  std::string m_dir;
  std::string m_origin;
  std::map<std::string, std::string> m_written; // target -> "SHA256 x|-", for steps that overlap
};

} // namespace

void write_build_context(const core::ImageSpec& image, const std::string& blob_dir, const std::string& dir) {
  ::chmod(dir.c_str(), 0755);
  ContextWriter writer(image, blob_dir, dir);
  for (size_t i = 0; i < image.copy.size(); ++i) writer.write_step(i);
}

} // namespace gpurun::server

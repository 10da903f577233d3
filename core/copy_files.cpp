#include "core/copy_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>

#include "core/copy_steps.hpp"
#include "core/sha256.hpp"

namespace gpurun::core {
namespace fs = std::filesystem;
namespace {

class Lister {
public:
  explicit Lister(std::string origin) : m_origin(std::move(origin)) {}

  std::vector<CopyFile> list(const std::string& root) {
    struct stat st {};
    if (::lstat(root.c_str(), &st) != 0) fail("'" + root + "' does not exist");
    visit(root, ".", st);
    std::sort(m_files.begin(), m_files.end(), [](const CopyFile& a, const CopyFile& b) { return a.path < b.path; });
    return std::move(m_files);
  }

private:
  [[noreturn]] void fail(const std::string& message) const { throw Error(m_origin + ": " + message, ErrorKind::invalid); }

  // `st` is lstat's: a link is followed here, and reported as the link when its target is missing.
  void visit(const std::string& path, const std::string& relative, struct stat st) {
    if (S_ISLNK(st.st_mode)) {
      std::error_code ec;
      std::string target = fs::read_symlink(path, ec).string();
      if (::stat(path.c_str(), &st) != 0)
        fail(errno == ELOOP ? "'" + path + "' is a symbolic link that loops"
                            : "'" + path + "' is a symbolic link to '" + target + "', which does not exist");
    }
    if (relative != ".")
      if (std::string why = copy_path_error(relative); !why.empty()) fail("'" + path + "': the path " + why);
    if (S_ISREG(st.st_mode)) add_file(path, relative, st);
    else if (S_ISDIR(st.st_mode)) add_folder(path, relative, st);
    else fail("'" + path + "' is neither a file nor a folder; gpurun copies only those");
  }

  void add_file(const std::string& path, const std::string& relative, const struct stat& st) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("cannot read '" + path + "': " + std::strerror(errno));
    Sha256 hash;
    std::uint64_t size = 0;
    std::unique_ptr<char[]> buffer(new char[1 << 16]);
    for (;;) {
      ssize_t n = ::read(fd, buffer.get(), 1 << 16);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        int error = errno;
        ::close(fd);
        fail("cannot read '" + path + "': " + std::strerror(error));
      }
      if (n == 0) break;
      hash.update(std::string_view(buffer.get(), static_cast<size_t>(n)));
      size += static_cast<std::uint64_t>(n);
    }
    ::close(fd);
    m_files.push_back({relative, (st.st_mode & S_IXUSR) != 0, hash.hex(), size});
  }

  void add_folder(const std::string& path, const std::string& relative, const struct stat& st) {
    const std::pair<dev_t, ino_t> id{st.st_dev, st.st_ino};
    if (std::find(m_open.begin(), m_open.end(), id) != m_open.end())
      fail("'" + path + "' is a folder that contains itself through a symbolic link (a loop)");
    m_open.push_back(id);
    std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), ::closedir);
    if (!dir) fail("cannot list '" + path + "': " + std::strerror(errno));
    std::vector<std::string> names;
    errno = 0;
    while (const dirent* entry = ::readdir(dir.get())) {
      std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(std::move(name));
    }
    if (errno != 0) fail("cannot list '" + path + "': " + std::strerror(errno));
    dir.reset();
    for (const std::string& name : names) {
      const std::string child = path + "/" + name;
      struct stat child_st {};
      if (::lstat(child.c_str(), &child_st) != 0) fail("cannot read '" + child + "': " + std::strerror(errno));
      visit(child, relative == "." ? name : relative + "/" + name, child_st);
    }
    m_open.pop_back();
  }

  std::string m_origin;
  std::vector<CopyFile> m_files;
  std::vector<std::pair<dev_t, ino_t>> m_open; // the folders being listed, outermost first
};

template <typename M, typename Visit>
void visit_images(M& manifest, const Visit& visit) {
  bool default_used = false;
  std::set<std::string> named;
  for (auto& fn : manifest.functions) {
    if (fn.inline_image) visit(*fn.inline_image, "functions." + fn.name + ".image");
    else if (!fn.image.empty()) named.insert(fn.image);
    else default_used = true;
  }
  if (default_used && manifest.default_image) visit(*manifest.default_image, std::string("image"));
  for (auto& [name, image] : manifest.images)
    if (named.contains(name)) visit(image, "images." + name);
}

} // namespace

std::vector<CopyFile> list_files(const std::string& root, const std::string& origin) { return Lister(origin).list(root); }

std::string copy_origin(const ImageSpec& image, size_t index) {
  return "copy[" + std::to_string(index) + "] (" + image.copy.at(index).src + ")";
}

void list_copy_files(ImageSpec& image) {
  if (image.is_host()) return;
  for (size_t i = 0; i < image.copy.size(); ++i)
    image.copy[i].files = list_files((fs::path(image.context_dir) / image.copy[i].src).string(), copy_origin(image, i));
}

void list_copy_files(Manifest& manifest) {
  for_each_image_in_use(manifest, [](ImageSpec& image, const std::string&) { list_copy_files(image); });
}

void for_each_image_in_use(Manifest& manifest, const std::function<void(ImageSpec&, const std::string&)>& visit) {
  visit_images(manifest, visit);
}

void for_each_image_in_use(const Manifest& manifest,
                           const std::function<void(const ImageSpec&, const std::string&)>& visit) {
  visit_images(manifest, visit);
}

} // namespace gpurun::core

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/manifest_json.hpp"
#include "server/blob_store.hpp"
#include "server_fakes.hpp"

using namespace gpurun;
using namespace gpurun::server;
namespace fs = std::filesystem;

namespace {

// A body that arrives in pieces of `piece` bytes.
BodyReader body_of(const std::string& text, size_t piece = 3) {
  return [text, piece](const BodySink& sink) {
    for (size_t at = 0; at < text.size(); at += piece)
      if (!sink(std::string_view(text).substr(at, piece))) return false;
    return true;
  };
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

size_t entries(const std::string& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

} // namespace

TEST_SUITE("BlobStore") {
  TEST_CASE("A body whose hash is its name is stored once, private to the server") {
    testing::TempDir dir;
    BlobStore store(dir / "blobs", 1024);
    const std::string sha = core::sha256_hex("hello, blob");
    CHECK_FALSE(store.size(sha).has_value());
    BlobPut put = store.put(sha, body_of("hello, blob"));
    CHECK(put.outcome == BlobPut::Outcome::stored);
    CHECK(put.size == 11);
    CHECK(store.size(sha) == 11u);
    CHECK(mode_of(dir / "blobs") == 0700);
    CHECK(mode_of(store.path(sha)) == 0600);
    std::ifstream in(store.path(sha));
    CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == "hello, blob");
    CHECK(store.put(sha, body_of("hello, blob")).outcome == BlobPut::Outcome::existed);
    CHECK(entries(dir / "blobs") == 1);
  }

  TEST_CASE("A body that does not match its name, is too large or ends early leaves no file") {
    testing::TempDir dir;
    BlobStore store(dir / "blobs", 8);
    const std::string sha = core::sha256_hex("expected");
    BlobPut wrong = store.put(sha, body_of("tampered"));
    CHECK(wrong.outcome == BlobPut::Outcome::hash_mismatch);
    CHECK(wrong.sha256 == core::sha256_hex("tampered"));
    CHECK(store.put(core::sha256_hex("123456789"), body_of("123456789")).outcome == BlobPut::Outcome::too_large);
    CHECK(store.put(sha, [](const BodySink& sink) { return sink("expe") && false; }).outcome == BlobPut::Outcome::incomplete);
    CHECK(entries(dir / "blobs") == 0);
    CHECK_FALSE(store.size(sha).has_value());
    // An existing blob is not replaced by a body that does not match it.
    REQUIRE(store.put(sha, body_of("expected")).outcome == BlobPut::Outcome::stored);
    CHECK(store.put(sha, body_of("tampered")).outcome == BlobPut::Outcome::hash_mismatch);
    CHECK(store.size(sha) == 8u);
  }

  TEST_CASE("Temporary files of an interrupted upload are removed when the store opens") {
    testing::TempDir dir;
    fs::create_directories(dir / "blobs");
    std::ofstream(dir / "blobs/tmp-abc123") << "partial";
    BlobStore store(dir / "blobs", 8);
    CHECK_FALSE(fs::exists(dir / "blobs/tmp-abc123"));
  }
}

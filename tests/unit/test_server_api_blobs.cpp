#include <doctest/doctest.h>

#include <filesystem>

#include "api_fixture.hpp"
#include "core/manifest_json.hpp"

using namespace gpurun;
using namespace gpurun::server;
using nlohmann::json;

namespace {

struct Fixture : testing::ApiFixture {
  BlobStore blobs{dir / "blobs", 64};
  Fixture() { api.set_blobs(&blobs); }
};

// A manifest whose image copies `src` with the listed files.
std::string manifest_copying(const json& files) {
  json copy = {{"src", "app"}, {"dst", "/app"}};
  if (!files.is_null()) copy["files"] = files;
  return json{{"image", {{"base", "localhost/b:1"}, {"copy", json::array({copy})}}},
              {"functions", {{"f", {{"command", {"cat", "/app/a.txt"}}}}}}}
      .dump();
}

json listed(const std::string& path, const std::string& content) {
  return {{"path", path}, {"mode", "0644"}, {"sha256", core::sha256_hex(content)}, {"size", content.size()}};
}

} // namespace

TEST_SUITE("ApiBlobs") {
  TEST_CASE("A blob is uploaded once and found by its hash") {
    Fixture f;
    const std::string sha = core::sha256_hex("hello");
    CHECK(f.call("HEAD", "/v1/blobs/" + sha).status == 404);
    ApiResponse first = f.call("PUT", "/v1/blobs/" + sha, "hello");
    CHECK(first.status == 201);
    CHECK(json::parse(first.body) == json{{"sha256", sha}, {"size", 5}, {"created", true}});
    CHECK(f.call("PUT", "/v1/blobs/" + sha, "hello").status == 200);
    CHECK(f.call("HEAD", "/v1/blobs/" + sha).status == 200);
  }

  TEST_CASE("A body that does not match the hash, a bad hash or an oversized body is refused") {
    Fixture f;
    const std::string sha = core::sha256_hex("hello");
    ApiResponse wrong = f.call("PUT", "/v1/blobs/" + sha, "HELLO");
    CHECK(wrong.status == 400);
    CHECK(f.code(wrong) == "blob_hash_mismatch");
    CHECK(json::parse(wrong.body)["detail"] == "the body's SHA-256 is " + core::sha256_hex("HELLO") + ", not the " + sha +
                                                   " the URL names; nothing was stored");
    CHECK(std::filesystem::is_empty(f.dir / "blobs"));
    CHECK(f.code(f.call("PUT", "/v1/blobs/ABC", "x")) == "invalid_sha256");
    const std::string big(65, 'x');
    ApiResponse large = f.call("PUT", "/v1/blobs/" + core::sha256_hex(big), big);
    CHECK(large.status == 413);
    CHECK(f.code(large) == "payload_too_large");
    CHECK(json::parse(large.body)["detail"] == "the blob is larger than 64 bytes (the server's --max-blob); nothing was stored");
    CHECK(std::filesystem::is_empty(f.dir / "blobs"));
    // A declared length over the limit is refused before the body is read.
    ApiRequest declared;
    declared.method = "PUT";
    declared.path = "/v1/blobs/" + sha;
    declared.headers = {{"authorization", "Bearer secret"}, {"content-length", "65"}};
    bool read = false;
    declared.read_body = [&](const BodySink&) { return read = true; };
    CHECK(f.api.handle(declared).status == 413);
    CHECK_FALSE(read);
  }

  TEST_CASE("A deploy whose copied files are not all uploaded is refused, naming the blob and the step") {
    Fixture f;
    ApiResponse missing = f.call("PUT", "/v1/apps/demo", manifest_copying(json::array({listed("a.txt", "A"), listed("b.txt", "B")})));
    CHECK(missing.status == 422);
    json problem = json::parse(missing.body);
    CHECK(problem["code"] == "missing_blobs");
    CHECK(problem["detail"] == "a copied file is not on this server: image.copy[0] (app) 'a.txt' (blob " +
                                   core::sha256_hex("A") + ") (and 1 more); upload each with PUT /v1/blobs/{sha256}, then deploy again");
    CHECK(problem["missing"][1] == json{{"image", "image"}, {"copy", 0}, {"src", "app"}, {"path", "b.txt"},
                                        {"sha256", core::sha256_hex("B")}, {"size", 1}});

    CHECK(f.call("PUT", "/v1/blobs/" + core::sha256_hex("A"), "A").status == 201);
    CHECK(f.call("PUT", "/v1/blobs/" + core::sha256_hex("B"), "B").status == 201);
    CHECK(f.call("PUT", "/v1/apps/demo", manifest_copying(json::array({listed("a.txt", "A"), listed("b.txt", "B")}))).status == 201);

    json lying = listed("a.txt", "A");
    lying["size"] = 2;
    ApiResponse mismatch = f.call("PUT", "/v1/apps/demo", manifest_copying(json::array({lying})));
    CHECK(f.code(mismatch) == "blob_size_mismatch");
    ApiResponse unlisted = f.call("PUT", "/v1/apps/demo", manifest_copying(nullptr));
    CHECK(unlisted.status == 422);
    CHECK(f.code(unlisted) == "copy_files_unlisted");
    CHECK(json::parse(unlisted.body)["detail"] ==
          "image.copy[0] (app) lists no files: a deployed copy step carries the list of its files, and the files are "
          "uploaded first (gpurun deploy does both)");
  }

  TEST_CASE("The blob upload is the one route that streams its body") {
    CHECK(Api::streams_body("PUT", "/v1/blobs/" + std::string(64, 'a')));
    CHECK_FALSE(Api::streams_body("HEAD", "/v1/blobs/" + std::string(64, 'a')));
    CHECK_FALSE(Api::streams_body("PUT", "/v1/apps/demo"));
  }
}

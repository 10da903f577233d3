// Blobs: the files that the copy steps of deployed images copy, uploaded by the CLI before it
// deploys, and the deploy-time check that every file a manifest lists is here.

#include <cerrno>
#include <cstring>

#include "core/copy_files.hpp"
#include "core/sha256.hpp"
#include "server/api.hpp"

namespace gpurun::server {

using nlohmann::json;

namespace {

constexpr std::uint64_t k_no_blob = ~std::uint64_t{0}; // larger than any listed size

const std::string& sha256_param(const ApiRequest& request) {
  const std::string& sha256 = request.params.at("sha256");
  if (!core::is_sha256_hex(sha256))
    throw ApiError(400, "invalid_sha256", "'" + sha256.substr(0, 80) + "' is not a SHA-256 (64 lower-case hex digits)");
  return sha256;
}

} // namespace

ApiResponse Api::head_blob(const ApiRequest& request) {
  const std::string& sha256 = sha256_param(request);
  std::optional<std::uint64_t> size = m_blobs != nullptr ? m_blobs->size(sha256) : std::nullopt;
  if (!size) throw ApiError(404, "blob_not_found", "no blob " + sha256 + " on this server");
  return json_response(200, {{"sha256", sha256}, {"size", *size}});
}

ApiResponse Api::put_blob(const ApiRequest& request) {
  const std::string& sha256 = sha256_param(request);
  if (m_blobs == nullptr) throw ApiError(503, "blobs_unavailable", "this server keeps no blobs");
  const std::string too_large = "the blob is larger than " + std::to_string(m_blobs->max_size()) +
                                " bytes (the server's --max-blob); nothing was stored";
  // Refused before a byte of it is read (http_server then closes the connection).
  const std::string length = request.header("content-length");
  if (!length.empty() && length.find_first_not_of("0123456789") == std::string::npos &&
      (length.size() > 19 || std::stoull(length) > m_blobs->max_size()))
    throw ApiError(413, "payload_too_large", too_large);
  BodyReader read = request.read_body;
  if (!read) read = [&](const BodySink& sink) { return sink(request.body); };
  const BlobPut put = m_blobs->put(sha256, read);
  switch (put.outcome) {
  case BlobPut::Outcome::stored:
  case BlobPut::Outcome::existed: {
    const bool created = put.outcome == BlobPut::Outcome::stored;
    return json_response(created ? 201 : 200, {{"sha256", sha256}, {"size", put.size}, {"created", created}});
  }
  case BlobPut::Outcome::hash_mismatch:
    throw ApiError(400, "blob_hash_mismatch",
                   "the body's SHA-256 is " + put.sha256 + ", not the " + sha256 + " the URL names; nothing was stored");
  case BlobPut::Outcome::too_large: // a body without Content-Length; the rest of it is not read
    throw ApiError(413, "payload_too_large", too_large);
  case BlobPut::Outcome::incomplete:
    throw ApiError(400, "bad_request", "the body ended early; nothing was stored");
  case BlobPut::Outcome::write_failed:
    if (put.error == ENOSPC || put.error == EDQUOT)
      throw ApiError(507, "storage_full", std::string("cannot store the blob: ") + std::strerror(put.error));
    throw ApiError(500, "internal", std::string("cannot store the blob: ") + std::strerror(put.error));
  }
  throw ApiError(500, "internal", "unknown blob outcome");
}

void Api::check_blobs(const core::Manifest& manifest) const {
  json unlisted = json::array(), missing = json::array(), mismatched = json::array();
  std::string first_unlisted, first_missing, first_mismatched;
  core::for_each_image_in_use(manifest, [&](const core::ImageSpec& image, const std::string& where) {
    for (size_t i = 0; i < image.copy.size(); ++i) {
      const core::CopyStep& step = image.copy[i];
      const std::string origin = where + "." + core::copy_origin(image, i);
      if (!step.files) {
        unlisted.push_back({{"image", where}, {"copy", i}, {"src", step.src}});
        if (first_unlisted.empty()) first_unlisted = origin;
        continue;
      }
      for (const core::CopyFile& file : *step.files) {
        const std::uint64_t stored = m_blobs != nullptr ? m_blobs->size(file.sha256).value_or(k_no_blob) : k_no_blob;
        if (stored == file.size) continue;
        json item = {{"image", where}, {"copy", i}, {"src", step.src}, {"path", file.path},
                     {"sha256", file.sha256}, {"size", file.size}};
        const std::string named = origin + " '" + file.path + "' (blob " + file.sha256 + ")";
        if (stored != k_no_blob) {
          item["stored_size"] = stored;
          mismatched.push_back(item);
          if (first_mismatched.empty()) first_mismatched = named + " lists " + std::to_string(file.size) +
                                                          " bytes, the blob has " + std::to_string(stored);
        } else {
          missing.push_back(item);
          if (first_missing.empty()) first_missing = named;
        }
      }
    }
  });
  auto more = [](const json& list) {
    return list.size() > 1 ? " (and " + std::to_string(list.size() - 1) + " more)" : std::string();
  };
  if (!unlisted.empty())
    throw ApiError(422, "copy_files_unlisted",
                   first_unlisted + more(unlisted) +
                       " lists no files: a deployed copy step carries the list of its files, and the files are "
                       "uploaded first (gpurun deploy does both)",
                   {{"unlisted", unlisted}});
  if (!mismatched.empty())
    throw ApiError(422, "blob_size_mismatch", first_mismatched + more(mismatched), {{"mismatched", mismatched}});
  if (!missing.empty())
    throw ApiError(422, "missing_blobs",
                   "a copied file is not on this server: " + first_missing + more(missing) +
                       "; upload each with PUT /v1/blobs/{sha256}, then deploy again",
                   {{"missing", missing}});
}

} // namespace gpurun::server

#include "core/manifest_json.hpp"

#include <openssl/evp.h>

#include "core/units.hpp"

namespace gpurun::core {

using nlohmann::json;

json to_json(const ImageSpec& image) {
  json out = {{"base", image.base}};
  if (image.python) out["python"] = *image.python;
  if (!image.apt.empty()) out["apt"] = image.apt;
  if (!image.pip.empty()) out["pip"] = image.pip;
  if (!image.env.empty()) out["env"] = image.env;
  if (!image.run.empty()) out["run"] = image.run;
  if (image.workdir) out["workdir"] = *image.workdir;
  if (!image.copy.empty()) {
    out["copy"] = json::array();
    for (const CopyStep& step : image.copy) {
      json item = {{"src", step.src}, {"dst", step.dst}};
      if (step.files) {
        item["files"] = json::array();
        for (const CopyFile& file : *step.files)
          item["files"].push_back({{"path", file.path},
                                   {"mode", file.executable ? "0755" : "0644"},
                                   {"sha256", file.sha256},
                                   {"size", file.size}});
      }
      out["copy"].push_back(item);
    }
  }
  return out;
}

json to_json(const Function& fn) {
  json out = {{"command", fn.command}};
  if (!fn.gpu.empty()) {
    json chain = json::array();
    for (const auto& spec : fn.gpu) chain.push_back(spec.to_string());
    out["gpu"] = chain;
  }
  if (!fn.env.empty()) out["env"] = fn.env;
  if (!fn.secrets.empty()) out["secrets"] = fn.secrets;
  if (fn.timeout) out["timeout"] = format_duration(*fn.timeout);
  if (fn.queue_timeout) out["queue_timeout"] = format_duration(*fn.queue_timeout);
  out["retries"] = {{"max", fn.retries.max_retries},
                    {"backoff", fn.retries.backoff},
                    {"initial_delay", format_duration(fn.retries.initial_delay)},
                    {"max_delay", format_duration(fn.retries.max_delay)}};
  if (fn.cpu) out["cpu"] = *fn.cpu;
  if (fn.memory_mib) out["memory"] = std::to_string(*fn.memory_mib) + "Mi";
  if (fn.inline_image) out["image"] = to_json(*fn.inline_image);
  else if (!fn.image.empty()) out["image"] = fn.image;
  if (fn.schedule) out["schedule"] = *fn.schedule;
  if (fn.timezone) out["timezone"] = *fn.timezone;
  if (fn.smoke) out["smoke"] = *fn.smoke;
  return out;
}

json to_json(const Manifest& manifest) {
  json functions = json::object();
  for (const Function& fn : manifest.functions) functions[fn.name] = to_json(fn);
  json out = {{"app", manifest.app}, {"functions", functions}};
  if (manifest.default_image) out["image"] = to_json(*manifest.default_image);
  if (!manifest.images.empty()) {
    json images = json::object();
    for (const auto& [name, image] : manifest.images) images[name] = to_json(image);
    out["images"] = images;
  }
  return out;
}

static std::string to_hex(const unsigned char* digest, unsigned int length) {
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += k_hex[digest[i] >> 4];
    out += k_hex[digest[i] & 15];
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  return to_hex(digest, length);
}

std::string manifest_version(const Manifest& manifest) {
  return sha256_hex(to_json(manifest).dump());
}

json to_json(const Diagnostic& d) {
  return {{"path", d.pos.path}, {"line", d.pos.line}, {"column", d.pos.column}, {"message", d.message}};
}

json to_json(const Placement& placement) {
  return {{"type", placement.type.empty() ? json(nullptr) : json(placement.type)},
          {"count", placement.count},
          {"node", placement.node.empty() ? json(nullptr) : json(placement.node)},
          {"rank", placement.rank},
          {"upgrade", placement.fit == gpu_spec::Fit::upgrade}};
}

json to_json(const Resolution& resolution) {
  json candidates = json::array();
  for (const Candidate& c : resolution.candidates) {
    json item = {{"spec", c.spec.to_string()}, {"status", to_string(c.status)}, {"reason", c.reason}};
    if (!c.upgrade_note.empty()) item["upgrade"] = c.upgrade_note;
    if (std::string advice = c.spec.advisory(); !advice.empty()) item["note"] = advice;
    candidates.push_back(item);
  }
  return {{"placement", resolution.placement ? to_json(*resolution.placement) : json(nullptr)},
          {"candidates", candidates}};
}

} // namespace gpurun::core

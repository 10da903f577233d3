#include "server/slurm/credentials.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <system_error>

#include "core/error.hpp"

namespace gpurun::server::slurm {
namespace {

std::string trim(std::string text) {
  const char* blanks = " \t\r\n";
  text.erase(0, text.find_first_not_of(blanks));
  text.erase(text.find_last_not_of(blanks) + 1);
  return text;
}

std::string read_token_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read the Slurm token file " + path.string(), ErrorKind::invalid);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = trim(buffer.str());
  // `scontrol token` prints "SLURM_JWT=eyJ...": accept its output as it is.
  if (text.starts_with("SLURM_JWT=")) text = trim(text.substr(10));
  if (text.empty()) throw Error("the Slurm token file " + path.string() + " is empty", ErrorKind::invalid);
  return text;
}

std::optional<std::string> base64url_decode(std::string_view text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int value;
    if (c >= 'A' && c <= 'Z') value = c - 'A';
    else if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
    else if (c >= '0' && c <= '9') value = c - '0' + 52;
    else if (c == '-' || c == '+') value = 62;
    else if (c == '_' || c == '/') value = 63;
    else if (c == '=') break;
    else return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

} // namespace

std::optional<long long> jwt_expiry(const std::string& token) {
  size_t first = token.find('.');
  size_t second = first == std::string::npos ? first : token.find('.', first + 1);
  if (second == std::string::npos) return std::nullopt;
  auto payload = base64url_decode(std::string_view(token).substr(first + 1, second - first - 1));
  if (!payload) return std::nullopt;
  auto json = nlohmann::json::parse(*payload, nullptr, false);
  if (!json.is_object() || !json.contains("exp") || !json["exp"].is_number()) return std::nullopt;
  return json["exp"].get<long long>();
}

Credentials::Credentials(std::string user, std::string token, std::filesystem::path token_file)
    : m_user(std::move(user)), m_token(trim(std::move(token))), m_file(std::move(token_file)) {
  if (m_user.empty()) throw Error("the Slurm user name is empty (--slurm-user)", ErrorKind::invalid);
  if (!m_file.empty()) {
    reload_if_changed();
  } else if (m_token.empty()) {
    throw Error("no Slurm token: set SLURM_JWT or pass --slurm-token-file", ErrorKind::invalid);
  }
}

void Credentials::reload_if_changed() {
  std::error_code ec;
  auto time = std::filesystem::last_write_time(m_file, ec);
  if (ec) {
    if (m_token.empty()) throw Error("cannot read the Slurm token file " + m_file.string() + ": " + ec.message(), ErrorKind::invalid);
    return; // keep the last good token while the file is being replaced
  }
  if (!m_token.empty() && time == m_file_time) return;
  m_token = read_token_file(m_file);
  m_file_time = time;
}

const std::string& Credentials::token() {
  if (!m_file.empty()) reload_if_changed();
  return m_token;
}

std::optional<std::chrono::system_clock::time_point> Credentials::expiry() {
  auto exp = jwt_expiry(token());
  if (!exp) return std::nullopt;
  return std::chrono::system_clock::time_point(std::chrono::seconds(*exp));
}

std::string Credentials::source() const { return m_file.empty() ? "SLURM_JWT" : m_file.string(); }

} // namespace gpurun::server::slurm

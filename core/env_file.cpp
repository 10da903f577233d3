#include "core/env_file.hpp"

#include "core/schema_walker.hpp"

namespace gpurun::core {
namespace {

class Parser {
public:
  Parser(std::string_view text, const std::string& path, EnvFileLoad& out) : m_text(text), m_path(path), m_out(out) {}

  void parse() {
    while (m_at < m_text.size()) line();
  }

private:
  char peek() const { return m_at < m_text.size() ? m_text[m_at] : '\0'; }
  bool at_end() const { return m_at >= m_text.size(); }
  void advance() {
    if (m_text[m_at] == '\n') {
      ++m_line;
      m_line_start = m_at + 1;
    }
    ++m_at;
  }
  void skip_blanks() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\r')) advance();
  }
  void skip_line() {
    while (!at_end() && peek() != '\n') advance();
    if (!at_end()) advance();
  }
  void error(const std::string& message) {
    m_out.diagnostics.push_back({{m_path, m_line, static_cast<int>(m_at - m_line_start) + 1}, message, ""});
    skip_line();
  }

  void line() {
    skip_blanks();
    if (at_end()) return;
    if (peek() == '\n' || peek() == '#') return skip_line();
    std::string key = word();
    if (key == "export" && (peek() == ' ' || peek() == '\t')) {
      skip_blanks();
      key = word();
    }
    // Until the '=' is seen, the word may be a value written without its key: never show it.
    skip_blanks();
    if (key.empty() || peek() != '=') return error("expected KEY=VALUE");
    if (!is_valid_env_name(key)) return error("the name before '=' is not a variable name (letters, digits and '_', not starting with a digit)");
    advance();
    skip_blanks();
    std::string value;
    if (peek() == '\'' || peek() == '"') {
      const char quote = peek();
      const SourcePos open{m_path, m_line, static_cast<int>(m_at - m_line_start) + 1};
      advance();
      if (!quoted(quote, value)) {
        // The rest of the file was taken as the value: report where it began, and stop.
        m_out.diagnostics.push_back({open, "the value of " + key + " has no closing " + std::string(1, quote), ""});
        return;
      }
      skip_blanks();
      if (peek() == '#') skip_line();
      else if (!at_end() && peek() != '\n') return error("unexpected text after the quoted value of " + key);
      else skip_line();
    } else {
      while (!at_end() && peek() != '\n') {
        if (peek() == '#' && (value.empty() || value.back() == ' ' || value.back() == '\t')) break;
        value += peek();
        advance();
      }
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t' || value.back() == '\r')) value.pop_back();
      skip_line();
    }
    if (m_out.values.contains(key)) {
      m_out.diagnostics.push_back({{m_path, m_line - 1, 1}, key + " is set twice", ""});
      return;
    }
    m_out.values[key] = value;
  }

  std::string word() {
    std::string out;
    while (!at_end() && peek() != '=' && peek() != ' ' && peek() != '\t' && peek() != '\n' && peek() != '\r') {
      out += peek();
      advance();
    }
    return out;
  }

  bool quoted(char quote, std::string& value) {
    while (!at_end()) {
      char c = peek();
      advance();
      if (c == quote) return true;
      if (c == '\\' && quote == '"' && !at_end()) {
        char e = peek();
        advance();
        switch (e) {
        case 'n': value += '\n'; break;
        case 't': value += '\t'; break;
        case 'r': value += '\r'; break;
        default: value += e; break; // \" \\ and anything else: the character itself
        }
        continue;
      }
      value += c;
    }
    return false;
  }

  std::string_view m_text;
  const std::string& m_path;
  EnvFileLoad& m_out;
  size_t m_at = 0;
  size_t m_line_start = 0;
  int m_line = 1;
};

} // namespace

EnvFileLoad parse_env_file(std::string_view text, const std::string& path) {
  EnvFileLoad out;
  Parser(text, path, out).parse();
  if (!out.diagnostics.empty()) out.values.clear();
  return out;
}

} // namespace gpurun::core

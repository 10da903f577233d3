#include "cli/table.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace gpurun::cli {

void Table::print() const {
  std::vector<size_t> widths;
  for (const auto& row : m_rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : m_rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    fmt::print("{}\n", line);
  }
}

} // namespace gpurun::cli

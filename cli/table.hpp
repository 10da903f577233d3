#pragma once
// A plain text table with aligned columns, for human output on stdout.

#include <string>
#include <vector>

namespace gpurun::cli {

class Table {
public:
  explicit Table(std::vector<std::string> header) : m_rows{std::move(header)} {}
  void add(std::vector<std::string> row) { m_rows.push_back(std::move(row)); }
  void print() const;

private:
  std::vector<std::vector<std::string>> m_rows;
};

} // namespace gpurun::cli

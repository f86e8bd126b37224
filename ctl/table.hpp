#pragma once
// A plain text table: columns as wide as their widest cell, two spaces apart.
#include <string>
#include <vector>

namespace vipd::ctl {

class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string str() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace vipd::ctl

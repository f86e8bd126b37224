#pragma once
// The nft script that atomically replaces a table vipd owns: "add" then
// "delete" in one transaction removes it whether or not it exists (also what
// a crashed run left), then the new table. An empty body only removes it, so
// no hook is left in the packet path.
#include <string>

namespace vipd {

// `table` as nft names it ("inet vipd"); `body` the lines inside its braces.
inline std::string nftReplaceTable(const std::string& table, const std::string& body) {
  std::string script = "add table " + table + "\ndelete table " + table + "\n";
  if (body.empty()) return script;
  return script + "table " + table + " {\n" + body + "}\n";
}

}  // namespace vipd

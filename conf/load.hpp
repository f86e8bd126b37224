#pragma once
// Loading and validating a config file. Every problem is collected; none
// stops the others from being found.
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "conf/config.hpp"

namespace vipd::conf {

struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string key_path;  // e.g. "vrrp.instance[0].vrid"
  std::string message;

  std::string str() const;  // "FILE:LINE:COL: key.path: message"
};

struct LoadResult {
  std::optional<Config> config;  // set only when errors is empty
  std::vector<Diagnostic> errors;
};

struct LoadOptions {
  // Script safety checks that look at the filesystem (file exists, neither it
  // nor its directory is world-writable). Turn off only to validate a config
  // written for another machine; relative script paths are rejected anyway.
  bool check_files = true;
  // Which of these fixed VNC ports are taken on this host by something that
  // is not one of vipd's own running guests; each is an error at its guest's
  // `vnc`. Unset: not checked (virt/vnc_ports.hpp has the real ones).
  std::function<std::set<int>(const Virt& virt, const std::set<int>& ports)> vnc_ports_taken;
};

// `previous`: the config in use (at a reload); its services whose text is
// unchanged are taken from it instead of parsed again (piecewise_read.hpp).
LoadResult loadFile(const std::string& path, const LoadOptions& options = {}, const Config* previous = nullptr);
LoadResult loadString(std::string_view text, const std::string& file_name, const LoadOptions& options = {},
                      const Config* previous = nullptr);

}  // namespace vipd::conf

#pragma once
// Internal to conf/: one reader per section of the file, then the cross-checks.
#include "conf/config.hpp"
#include "conf/reader.hpp"

namespace vipd::conf {

void readGlobal(TableReader& root, Global& global);
void readVrrp(TableReader& root, Config& config);
std::vector<HealthCheck> readChecks(TableReader& parent, std::string_view key);
void readIpvs(TableReader& root, Ipvs& ipvs);
// One [[ipvs.service]] table found at `path` ("ipvs.service[3]"): readIpvs() reads
// each of its services with it, and so do the pieces of a large file (piecewise_read.hpp).
IpvsService readIpvsService(const toml::table& table, std::string path, Context& ctx);
void readVirt(TableReader& root, Virt& virt);

// Reports a script path problem (see script_safety.hpp) at `path`.
void checkScript(Context& ctx, const std::string& path, const std::string& script);

// Why `pattern` is not a valid ECMAScript regex, or nullopt when it is.
std::optional<std::string> regexProblem(const std::string& pattern);

// Checks across entries: unique names, references, families.
void validate(const Config& config, Context& ctx);

}  // namespace vipd::conf

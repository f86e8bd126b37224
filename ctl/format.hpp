#pragma once
// Human tables for vipctl's answers.
#include <string>

#include <nlohmann/json.hpp>

namespace vipd::ctl {

std::string formatStatus(const nlohmann::json& status);
std::string formatReload(const nlohmann::json& reload);
std::string formatVrrp(const nlohmann::json& status);
std::string formatIpvs(const nlohmann::json& status);
std::string formatChecks(const nlohmann::json& status);
std::string formatVirt(const nlohmann::json& status);

}  // namespace vipd::ctl

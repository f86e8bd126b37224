#pragma once
// Human tables for vipctl's answers.
#include <string>

#include <nlohmann/json.hpp>

namespace vipd::ctl {

std::string formatStatus(const nlohmann::json& status);
std::string formatReload(const nlohmann::json& reload);

}  // namespace vipd::ctl

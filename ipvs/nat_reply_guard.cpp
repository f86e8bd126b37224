#include "ipvs/nat_reply_guard.hpp"

#include <algorithm>

#include "common/nft_table.hpp"
#include "ipvs/desired_state.hpp"

namespace vipd::ipvs {

std::vector<ReplySource> natReplySources(const conf::Ipvs& ipvs) {
  std::vector<ReplySource> sources;
  if (!ipvs.drop_untranslated_replies) return sources;
  for (const auto& service : ipvs.services) {
    auto add = [&](const Endpoint& server) { sources.push_back({server.address, service.protocol, server.port}); };
    for (const auto& server : service.real_servers)
      if (server.forwarding.value_or(service.forwarding) == conf::Forwarding::nat) add(server.address);
    if (service.sorry_server && service.forwarding == conf::Forwarding::nat) add(*service.sorry_server);
  }
  std::sort(sources.begin(), sources.end());
  sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
  return sources;
}

namespace {

std::string elements(const std::vector<ReplySource>& sources, Family family) {
  std::string list;
  for (const auto& s : sources)
    if (s.address.family == family)
      list += (list.empty() ? "" : ", ") + s.address.str() + " . " +
              std::string(protocolName(protocolFromConfig(s.protocol))) + " . " + std::to_string(s.port);
  return list;
}

}  // namespace

std::string natReplyGuardScript(const std::vector<ReplySource>& sources) {
  const std::string table = std::string("inet ") + kNatReplyTable;
  if (sources.empty()) return nftReplaceTable(table, "");
  struct FamilySet {
    Family family;
    const char* set;
    const char* type;
    const char* match;
  };
  std::string sets, rules;
  for (const auto& f :
       {FamilySet{Family::v4, "v4", "ipv4_addr", "ip saddr"}, FamilySet{Family::v6, "v6", "ipv6_addr", "ip6 saddr"}}) {
    auto list = elements(sources, f.family);
    if (list.empty()) continue;
    sets += std::string("  set ") + f.set + " {\n    type " + f.type + " . inet_proto . inet_service\n" +
            "    elements = { " + list + " }\n  }\n";
    rules += std::string("    ") + f.match + " . meta l4proto . th sport @" + f.set + " counter drop\n";
  }
  return nftReplaceTable(table, sets + "  chain untranslated_replies {\n    type filter hook forward priority " +
                                    std::to_string(kNatReplyChainPriority) + "; policy accept;\n" + rules + "  }\n");
}

}  // namespace vipd::ipvs

#include "vrrpd/core/accept_mode.hpp"

#include <algorithm>

#include "common/nft_table.hpp"

namespace vipd::vrrp {

std::vector<IpAddress> addressesToGuard(const std::vector<AcceptModeView>& instances) {
  std::vector<IpAddress> guarded;
  for (const auto& i : instances) {
    if (!i.holds_addresses || i.accept || i.base_priority == kOwnerPriority) continue;
    guarded.insert(guarded.end(), i.virtual_addresses.begin(), i.virtual_addresses.end());
  }
  std::sort(guarded.begin(), guarded.end());
  guarded.erase(std::unique(guarded.begin(), guarded.end()), guarded.end());
  return guarded;
}

namespace {

std::string addressSet(const std::vector<IpAddress>& addresses, Family family) {
  std::string set;
  for (const auto& a : addresses)
    if (a.family == family) set += (set.empty() ? "" : ", ") + a.str();
  return set.empty() ? set : "{ " + set + " }";
}

}  // namespace

std::string nftGuardScript(const std::vector<IpAddress>& guarded) {
  const std::string table = std::string("inet ") + kNftTable;
  if (guarded.empty()) return nftReplaceTable(table, "");
  std::string rules;
  if (auto v4 = addressSet(guarded, Family::v4); !v4.empty()) rules += "    ip daddr " + v4 + " drop\n";
  if (auto v6 = addressSet(guarded, Family::v6); !v6.empty()) {
    rules += "    ip6 daddr " + v6 + " icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept\n";
    rules += "    ip6 daddr " + v6 + " drop\n";
  }
  return nftReplaceTable(table, "  chain accept_mode {\n    type filter hook input priority " +
                                    std::to_string(kGuardChainPriority) + "; policy accept;\n" + rules + "  }\n");
}

}  // namespace vipd::vrrp

#include "virt/reconcile.hpp"

#include <map>

namespace vipd::virt {

std::string toString(OpKind kind) {
  switch (kind) {
    case OpKind::remove:
      return "remove";
    case OpKind::define:
      return "define";
    case OpKind::apply_live:
      return "apply_live";
    case OpKind::set_autostart:
      return "set_autostart";
    case OpKind::start:
      return "start";
    case OpKind::stop:
      return "stop";
    case OpKind::conflict:
      return "conflict";
  }
  return "?";
}

std::string toString(const Op& op) {
  std::string text = toString(op.kind) + " " + op.guest;
  if (op.kind == OpKind::set_autostart) text += op.value ? " on" : " off";
  return text;
}

std::vector<Op> diff(const std::vector<DomainSpec>& desired, const std::vector<ActualDomain>& actual,
                     const std::set<std::string>& held) {
  std::map<std::string, const ActualDomain*> byName;
  for (const auto& domain : actual) byName[domain.name] = &domain;
  std::set<std::string> wanted;
  for (const auto& spec : desired) wanted.insert(spec.name);

  std::vector<Op> ops;
  for (const auto& domain : actual)
    if (domain.owned && !wanted.count(domain.name)) ops.push_back({OpKind::remove, domain.name});

  for (const auto& spec : desired) {
    auto found = byName.find(spec.name);
    const ActualDomain* domain = found == byName.end() ? nullptr : found->second;
    if (domain && !domain->owned) {
      ops.push_back({OpKind::conflict, spec.name});
      continue;
    }
    bool active = domain && domain->active;
    if (!domain || domain->digest != specDigest(spec)) {
      ops.push_back({OpKind::define, spec.name});
      if (active) ops.push_back({OpKind::apply_live, spec.name});
    }
    if (!domain || domain->autostart != spec.autostart)
      ops.push_back({OpKind::set_autostart, spec.name, spec.autostart});
    if (spec.running && !active && !held.count(spec.name)) ops.push_back({OpKind::start, spec.name});
    if (!spec.running && active) ops.push_back({OpKind::stop, spec.name});
  }
  return ops;
}

}  // namespace vipd::virt

#pragma once
// The reconcile diff: desired guests against the domains libvirt has, into an
// ordered list of operations. Only domains carrying vipd's marker are vipd's;
// every other domain is left alone (a desired name taken by a foreign domain
// is reported as a conflict). Pure.
#include <set>
#include <string>
#include <vector>

#include "virt/domain_spec.hpp"

namespace vipd::virt {

struct ActualDomain {
  std::string name;
  bool owned = false;
  std::string digest;  // of the persistent definition vipd wrote
  bool active = false;
  bool autostart = false;
  bool operator==(const ActualDomain&) const = default;
};

enum class OpKind {
  remove,         // not desired: graceful shutdown, destroy after a timeout, undefine; disk kept
  define,         // missing or changed: create the disk overlay when missing, then define
  apply_live,     // redefined while running: memory / vcpus live where libvirt allows
  set_autostart,  // value = wanted autostart
  start,
  stop,      // graceful shutdown, destroy after a timeout
  conflict,  // a domain vipd does not own has this guest's name: untouched
};

struct Op {
  OpKind kind;
  std::string guest;
  bool value = false;
  bool operator==(const Op&) const = default;
};

std::string toString(OpKind kind);
std::string toString(const Op& op);

// held: guests whose start waits for their restart backoff.
std::vector<Op> diff(const std::vector<DomainSpec>& desired, const std::vector<ActualDomain>& actual,
                     const std::set<std::string>& held = {});

}  // namespace vipd::virt

#pragma once
// mnl_attr_for_each does not compile as C++ (void* conversion); this does the same walk.
#include <libmnl/libmnl.h>

namespace vipd::vrrp {

template <class F>
void forEachAttribute(const nlmsghdr* nlh, std::size_t offset, F f) {
  auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, offset));
  auto* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
  while (mnl_attr_ok(attr, static_cast<int>(tail - reinterpret_cast<const char*>(attr)))) {
    f(attr);
    attr = mnl_attr_next(attr);
  }
}

}  // namespace vipd::vrrp

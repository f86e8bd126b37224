#pragma once
// One change to the kernel's IPVS table, as the reconciler plans it.
#include <string>
#include <string_view>

#include "ipvs/types.hpp"

namespace vipd::ipvs {

struct Op {
  enum class Kind {
    addService,
    updateService,
    addDestination,
    updateDestination,
    drainDestination,  // SET_DEST with weight 0
    deleteDestination,
    deleteService,
  };

  Kind kind = Kind::addService;
  Service service;          // the key for every kind; all settings for add/update
  Destination destination;  // destination kinds only

  std::string str() const;  // "add-destination tcp 198.51.100.1:80 -> 203.0.113.5:80 dr w1"
  bool operator==(const Op& other) const;
};

std::string_view kindName(Op::Kind kind);

}  // namespace vipd::ipvs

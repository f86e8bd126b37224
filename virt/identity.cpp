#include "virt/identity.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include <boost/uuid/name_generator_sha1.hpp>
#include <boost/uuid/string_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

namespace vipd::virt {

namespace {

// vipd's namespace for name-based UUIDs (itself a random v4 UUID, fixed forever).
const boost::uuids::uuid& vipdNamespace() {
  static const boost::uuids::uuid ns = boost::uuids::string_generator()("6c1c4f5e-3d0a-4b7e-9a51-2f8d0c7e4a19");
  return ns;
}

boost::uuids::uuid nameUuid(const std::string& name) {
  boost::uuids::name_generator_sha1 generate(vipdNamespace());
  return generate(name);
}

}  // namespace

std::string guestUuid(const std::string& guest) { return boost::uuids::to_string(nameUuid("guest/" + guest)); }

Mac guestMac(const std::string& guest, size_t index, unsigned attempt) {
  std::string key = guest + "/nic/" + std::to_string(index);
  if (attempt > 0) key += "/" + std::to_string(attempt);
  auto id = nameUuid(key);
  return Mac{kMacPrefix[0], kMacPrefix[1], kMacPrefix[2], id.data[0], id.data[1], id.data[2]};
}

std::string formatMac(const Mac& mac) {
  char text[18];
  std::snprintf(text, sizeof text, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
  return text;
}

std::map<std::string, std::vector<Mac>> assignMacs(const std::vector<NicRequest>& guests) {
  std::vector<NicRequest> ordered = guests;
  std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.guest < b.guest; });
  std::set<Mac> taken;
  std::map<std::string, std::vector<Mac>> macs;
  for (const auto& request : ordered) {
    auto& list = macs[request.guest];
    for (size_t i = 0; i < request.nics; ++i) {
      unsigned attempt = 0;
      Mac mac = guestMac(request.guest, i, attempt);
      while (!taken.insert(mac).second) mac = guestMac(request.guest, i, ++attempt);
      list.push_back(mac);
    }
  }
  return macs;
}

}  // namespace vipd::virt

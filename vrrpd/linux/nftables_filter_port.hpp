#pragma once
// FilterPort over libnftables: each guard() replaces table `inet vipd` in one
// transaction with the script core/accept_mode.cpp renders.
#include "vrrpd/ports.hpp"

struct nft_ctx;

namespace vipd::vrrp {

class NftablesFilterPort : public FilterPort {
 public:
  NftablesFilterPort();
  ~NftablesFilterPort() override;
  NftablesFilterPort(const NftablesFilterPort&) = delete;
  NftablesFilterPort& operator=(const NftablesFilterPort&) = delete;

  Status guard(const std::vector<IpAddress>& guarded) override;

 private:
  nft_ctx* ctx_ = nullptr;
};

}  // namespace vipd::vrrp

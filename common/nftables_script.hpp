#pragma once
// Runs nft scripts through libnftables: each run() is one transaction, all
// of it or nothing.
#include <string>

#include "common/result.hpp"

struct nft_ctx;

namespace vipd {

class NftablesScript {
 public:
  NftablesScript();
  ~NftablesScript();
  NftablesScript(const NftablesScript&) = delete;
  NftablesScript& operator=(const NftablesScript&) = delete;

  Status run(const std::string& script);

 private:
  nft_ctx* ctx_ = nullptr;
};

}  // namespace vipd

#include "common/nftables_script.hpp"

#include <nftables/libnftables.h>

namespace vipd {

NftablesScript::NftablesScript() : ctx_(nft_ctx_new(NFT_CTX_DEFAULT)) {
  if (ctx_) nft_ctx_buffer_error(ctx_);
}

NftablesScript::~NftablesScript() {
  if (ctx_) nft_ctx_free(ctx_);
}

Status NftablesScript::run(const std::string& script) {
  if (!ctx_) return Error::fromErrno(ENOMEM, "nftables context");
  if (nft_run_cmd_from_buffer(ctx_, script.c_str()) == 0) return Ok{};
  std::string why = nft_ctx_get_error_buffer(ctx_);
  while (!why.empty() && why.back() == '\n') why.pop_back();
  return Error::fromErrno(EPROTO, "nftables: " + why);
}

}  // namespace vipd

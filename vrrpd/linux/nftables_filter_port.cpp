#include "vrrpd/linux/nftables_filter_port.hpp"

#include <nftables/libnftables.h>

#include <string>

#include "vrrpd/core/accept_mode.hpp"

namespace vipd::vrrp {

NftablesFilterPort::NftablesFilterPort() : ctx_(nft_ctx_new(NFT_CTX_DEFAULT)) {
  if (ctx_) nft_ctx_buffer_error(ctx_);
}

NftablesFilterPort::~NftablesFilterPort() {
  if (ctx_) nft_ctx_free(ctx_);
}

Status NftablesFilterPort::guard(const std::vector<IpAddress>& guarded) {
  if (!ctx_) return Error::fromErrno(ENOMEM, "nftables context");
  std::string script = nftGuardScript(guarded);
  if (nft_run_cmd_from_buffer(ctx_, script.c_str()) == 0) return Ok{};
  std::string why = nft_ctx_get_error_buffer(ctx_);
  while (!why.empty() && why.back() == '\n') why.pop_back();
  return Error::fromErrno(EPROTO, "nftables: " + why);
}

}  // namespace vipd::vrrp

#include "common/nftables_script.hpp"

#include <dlfcn.h>
#include <nftables/libnftables.h>

namespace vipd {

namespace {

// libnftables (and libnftnl, libxtables, libjansson, libgmp behind it) is
// loaded on the first run(), not at vipd's start: most configs never write a rule.
constexpr const char* kLibnftables = "libnftables.so.1";

struct Libnftables {
  decltype(&nft_ctx_new) ctx_new = nullptr;
  decltype(&nft_ctx_free) ctx_free = nullptr;
  decltype(&nft_ctx_buffer_error) buffer_error = nullptr;
  decltype(&nft_ctx_get_error_buffer) get_error_buffer = nullptr;
  decltype(&nft_run_cmd_from_buffer) run_cmd_from_buffer = nullptr;
  std::string error;  // why it could not be loaded, "" when loaded
};

template <typename F>
void resolve(void* handle, const char* name, F& function, std::string& error) {
  function = reinterpret_cast<F>(dlsym(handle, name));
  if (!function && error.empty()) error = std::string(kLibnftables) + ": no " + name;
}

const Libnftables& libnftables() {
  static const Libnftables loaded = [] {
    Libnftables lib;
    // Never closed: contexts may live as long as the process.
    void* handle = dlopen(kLibnftables, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      lib.error = dlerror();
      return lib;
    }
    resolve(handle, "nft_ctx_new", lib.ctx_new, lib.error);
    resolve(handle, "nft_ctx_free", lib.ctx_free, lib.error);
    resolve(handle, "nft_ctx_buffer_error", lib.buffer_error, lib.error);
    resolve(handle, "nft_ctx_get_error_buffer", lib.get_error_buffer, lib.error);
    resolve(handle, "nft_run_cmd_from_buffer", lib.run_cmd_from_buffer, lib.error);
    return lib;
  }();
  return loaded;
}

}  // namespace

NftablesScript::NftablesScript() = default;

NftablesScript::~NftablesScript() {
  if (ctx_) libnftables().ctx_free(ctx_);
}

Status NftablesScript::run(const std::string& script) {
  const Libnftables& lib = libnftables();
  if (!lib.error.empty()) return Error::fromErrno(ELIBACC, "nftables: " + lib.error);
  if (!ctx_) {
    ctx_ = lib.ctx_new(NFT_CTX_DEFAULT);
    if (!ctx_) return Error::fromErrno(ENOMEM, "nftables context");
    lib.buffer_error(ctx_);
  }
  if (lib.run_cmd_from_buffer(ctx_, script.c_str()) == 0) return Ok{};
  std::string why = lib.get_error_buffer(ctx_);
  while (!why.empty() && why.back() == '\n') why.pop_back();
  return Error::fromErrno(EPROTO, "nftables: " + why);
}

}  // namespace vipd

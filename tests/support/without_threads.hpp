#pragma once
// Runs test code where no thread can be started (std::thread and std::async
// throw std::system_error, EAGAIN): in a forked child as uid 65534 under
// RLIMIT_NPROC 1 (root ignores the limit, so the caller must be root).
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <optional>
#include <system_error>
#include <thread>

namespace vipd::test {

// What the child's exit status says.
inline constexpr const char* kWithoutThreadsExits =
    "0: body true, 10: setup failed, 11: threads still start (nothing tested), 12: body false, 13: body threw";

// The child's wait status (nullopt: fork or waitpid failed). `keep_net_admin`:
// the child keeps CAP_NET_ADMIN (netlink changes to IPVS) after dropping to uid 65534.
inline std::optional<int> waitStatusWithoutThreads(const std::function<bool()>& body, bool keep_net_admin = false) {
  const pid_t child = fork();
  if (child < 0) return std::nullopt;
  if (child == 0) {
    const rlimit one{1, 1};
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct caps[2]{};
    caps[0].effective = caps[0].permitted = 1u << CAP_NET_ADMIN;
    if (setrlimit(RLIMIT_NPROC, &one) != 0 || (keep_net_admin && prctl(PR_SET_KEEPCAPS, 1) != 0) ||
        setgid(65534) != 0 || setuid(65534) != 0 || (keep_net_admin && syscall(SYS_capset, &header, caps) != 0))
      _exit(10);
    try {
      std::thread([] {}).join();
      _exit(11);
    } catch (const std::system_error&) {
    }
    try {
      _exit(body() ? 0 : 12);
    } catch (...) {
      _exit(13);  // the child must not go back into gtest
    }
  }
  int status = 0;
  if (waitpid(child, &status, 0) != child) return std::nullopt;
  return status;
}

}  // namespace vipd::test

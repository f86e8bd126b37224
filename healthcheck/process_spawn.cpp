#include "healthcheck/process_spawn.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace vipd::process {

namespace {

rlimit child_open_files{};  // set by raiseOpenFileLimit(); zero: leave the child's as it is

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

struct User {
  uid_t uid = 0;
  gid_t gid = 0;
  std::string name;
  std::string home;
  std::vector<gid_t> groups;
};

Result<User> lookupUser(const std::string& name) {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  const int err = getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (err != 0) return Error::fromErrno(err, "look up user " + name);
  if (found == nullptr) return Error::fromErrno(ENOENT, "no such user: " + name);
  User user{entry.pw_uid, entry.pw_gid, entry.pw_name, entry.pw_dir, {}};
  int count = 32;
  user.groups.resize(count);
  if (getgrouplist(entry.pw_name, entry.pw_gid, user.groups.data(), &count) < 0) {
    user.groups.resize(count);
    if (getgrouplist(entry.pw_name, entry.pw_gid, user.groups.data(), &count) < 0) {
      return Error::fromErrno(EINVAL, "list the groups of user " + name);
    }
  }
  user.groups.resize(count);
  return user;
}

Result<std::string> resolveProgram(const std::string& name) {
  if (name.empty()) return Error::fromErrno(ENOENT, "empty command");
  if (name.find('/') != std::string::npos) return name;
  std::string_view dirs = kDefaultPath;
  while (!dirs.empty()) {
    const auto colon = dirs.find(':');
    const std::string candidate = std::string(dirs.substr(0, colon)) + "/" + name;
    struct stat st {};
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0) return candidate;
    dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
  }
  return Error::fromErrno(ENOENT, "program not found in PATH: " + name);
}

void closeAll(std::initializer_list<int> fds) {
  for (int fd : fds) {
    if (fd >= 0) ::close(fd);
  }
}

// In the child: only async-signal-safe calls from here on.
[[noreturn]] void execChild(const User& user, const char* program, char* const argv[], char* const envp[], int devnull,
                            int output, int exec_error) {
  auto fail = [&](int err) {
    (void)!::write(exec_error, &err, sizeof err);
    _exit(127);
  };
  setpgid(0, 0);
  sigset_t all;
  sigemptyset(&all);
  sigprocmask(SIG_SETMASK, &all, nullptr);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &default_action, nullptr);

  if (dup2(devnull, 0) < 0 || dup2(output, 1) < 0 || dup2(output, 2) < 0) fail(errno);
  // Nothing the daemon holds leaks into the command; exec_error closes at exec.
  if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) fail(errno);

  if (geteuid() == 0) {
    if (setgroups(user.groups.size(), user.groups.data()) != 0) fail(errno);
    if (setgid(user.gid) != 0) fail(errno);
    if (setuid(user.uid) != 0) fail(errno);
  } else if (getuid() != user.uid || geteuid() != user.uid) {
    fail(EPERM);  // cannot switch users without privileges
  }
  if (user.uid != 0 && (setuid(0) == 0 || geteuid() == 0)) fail(EPERM);  // privileges must be gone for good
  if (chdir("/") != 0) fail(errno);
  if (child_open_files.rlim_max != 0) setrlimit(RLIMIT_NOFILE, &child_open_files);
  execve(program, argv, envp);
  fail(errno);
  _exit(127);
}

}  // namespace

Result<Spawned> spawn(const Command& command) {
  if (command.argv.empty()) return Error::fromErrno(EINVAL, "empty command");
  auto user = lookupUser(command.user);
  if (!user) return user.error();
  auto program = resolveProgram(command.argv[0]);
  if (!program) return program.error();

  std::vector<std::string> env = {std::string("PATH=") + kDefaultPath, "HOME=" + user->home, "USER=" + user->name,
                                  "LOGNAME=" + user->name};
  env.insert(env.end(), command.env.begin(), command.env.end());
  std::vector<char*> argv;
  for (const auto& arg : command.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& entry : env) envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);

  int output[2] = {-1, -1};
  int exec_error[2] = {-1, -1};
  if (pipe2(output, O_CLOEXEC) != 0) return Error::fromErrno(errno, "pipe");
  if (pipe2(exec_error, O_CLOEXEC) != 0) {
    const int err = errno;
    closeAll({output[0], output[1]});
    return Error::fromErrno(err, "pipe");
  }
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull < 0) {
    const int err = errno;
    closeAll({output[0], output[1], exec_error[0], exec_error[1]});
    return Error::fromErrno(err, "open /dev/null");
  }

  const pid_t pid = fork();
  if (pid == 0) execChild(*user, program->c_str(), argv.data(), envp.data(), devnull, output[1], exec_error[1]);
  const int fork_errno = errno;
  closeAll({output[1], exec_error[1], devnull});
  if (pid < 0) {
    closeAll({output[0], exec_error[0]});
    return Error::fromErrno(fork_errno, "fork for " + command.argv[0]);
  }
  setpgid(pid, pid);  // also here, so the group exists before the parent may kill it

  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    const int err = errno;
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    closeAll({output[0], exec_error[0]});
    return Error::fromErrno(err, "pidfd_open");
  }
  fcntl(output[0], F_SETFL, fcntl(output[0], F_GETFL) | O_NONBLOCK);
  fcntl(exec_error[0], F_SETFL, fcntl(exec_error[0], F_GETFL) | O_NONBLOCK);
  return Spawned{pid, pidfd, output[0], exec_error[0]};
}

rlim_t raiseOpenFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    const rlimit raised{limit.rlim_max, limit.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &raised) != 0) return limit.rlim_cur;
    child_open_files = limit;
  }
  return limit.rlim_max;
}

}  // namespace vipd::process

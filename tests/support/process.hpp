#pragma once
// Test helpers that own what they start: child processes killed by pid and
// network namespaces deleted by name when the owner goes away, also when the
// test fails.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace vipd::test {

// Runs a shell command, returns its stdout; the exit status goes to *status.
std::string capture(const std::string& command, int* status = nullptr);

class Child {
public:
  // argv[0] is a path; stdout and stderr go to log_path (appended) when given.
  static Child spawn(const std::vector<std::string>& argv, const std::string& log_path = "");
  Child() = default;
  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  ~Child();

  pid_t pid() const { return pid_; }
  void signal(int sig) const;
  // The wait status once the child exited within the timeout.
  std::optional<int> waitExit(std::chrono::milliseconds timeout);
  bool running();

private:
  pid_t pid_ = -1;
};

class NetNamespace {
public:
  // Creates "<prefix>-<pid>-<n>" with lo up.
  explicit NetNamespace(const std::string& prefix);
  ~NetNamespace();
  NetNamespace(const NetNamespace&) = delete;
  NetNamespace& operator=(const NetNamespace&) = delete;

  const std::string& name() const { return name_; }
  // argv prefixed with `ip netns exec NAME`.
  std::vector<std::string> exec(std::vector<std::string> argv) const;

private:
  std::string name_;
};

// A temporary directory removed with everything in it.
class TempDir {
public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  void write(const std::string& name, const std::string& text) const;

private:
  std::string path_;
};

// Polls until pred() is true or the timeout passes.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout,
                std::chrono::milliseconds step = std::chrono::milliseconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

}  // namespace vipd::test

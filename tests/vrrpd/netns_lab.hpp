#pragma once
// A VRRP lab in network namespaces (TESTING.md): a switch namespace with a
// bridge and one namespace per node, each with eth0 on the bridge. Names
// carry the test's pid; everything is removed by name in the destructor,
// also when a test fails.
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace vipd::vrrp::testing {

inline std::string run(const std::string& command) {
  std::string out;
  if (FILE* p = popen((command + " 2>&1").c_str(), "r")) {
    char buf[4096];
    while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    pclose(p);
  }
  return out;
}

// Polls `condition` every 2 ms until it holds or `limit` passes; returns the time it took, or -1 ms.
inline std::chrono::milliseconds waitFor(std::function<bool()> condition, std::chrono::milliseconds limit) {
  auto start = std::chrono::steady_clock::now();
  while (true) {
    if (condition())
      return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    if (std::chrono::steady_clock::now() - start > limit) return std::chrono::milliseconds(-1);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

class Lab {
 public:
  explicit Lab(int nodes) : prefix_("vr" + std::to_string(getpid()) + "x" + std::to_string(counter()++)) {
    run("ip netns add " + sw());
    run("ip -n " + sw() + " link set lo up");
    run("ip -n " + sw() + " link add br0 type bridge mcast_snooping 0 stp_state 0 forward_delay 0");
    run("ip -n " + sw() + " link set br0 up");
    for (int i = 1; i <= nodes; ++i) {
      std::string n = node(i), port = "p" + std::to_string(i);
      run("ip netns add " + n);
      run("ip -n " + n + " link set lo up");
      run("ip link add eth0 netns " + n + " type veth peer name " + port + " netns " + sw());
      run("ip -n " + sw() + " link set " + port + " master br0 up");
      run("ip -n " + n + " addr add 198.51.100." + std::to_string(i) + "/24 dev eth0");
      run("ip -n " + n + " link set eth0 up");
    }
    nodes_ = nodes;
  }
  ~Lab() {
    for (pid_t pid : pids_) {
      ::kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    for (int i = 1; i <= nodes_; ++i) {
      run("ip netns del " + node(i));
      std::remove(statusFile(i).c_str());
    }
    run("ip netns del " + sw());
    for (const auto& f : files_) std::remove(f.c_str());
    for (const auto& d : dirs_) run("rm -rf " + d);
  }

  std::string sw() const { return prefix_ + "s"; }
  std::string node(int i) const { return prefix_ + "n" + std::to_string(i); }
  std::string file(const std::string& name) {
    files_.push_back("/tmp/" + prefix_ + "-" + name);
    return files_.back();
  }

  // A directory removed with everything in it by the destructor.
  std::string dir(const std::string& name) {
    dirs_.push_back("/tmp/" + prefix_ + "-" + name);
    run("mkdir -p " + dirs_.back());
    return dirs_.back();
  }

  // Starts `argv` inside node i's namespace; killed in the destructor.
  pid_t spawn(int i, std::vector<std::string> argv, const std::string& log) { return spawnIn(node(i), argv, log); }
  // Starts `argv` inside namespace `ns`; killed in the destructor.
  pid_t spawnIn(const std::string& ns, std::vector<std::string> argv, const std::string& log) {
    std::vector<std::string> full = {"/usr/sbin/ip", "netns", "exec", ns};
    full.insert(full.end(), argv.begin(), argv.end());
    pid_t pid = fork();
    if (pid == 0) {
      FILE* out = std::fopen(log.c_str(), "w");
      if (out) dup2(fileno(out), 1), dup2(fileno(out), 2);
      std::vector<char*> args;
      for (auto& a : full) args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    pids_.push_back(pid);
    return pid;
  }

  // The vrrp_node test executable with this config; status JSON on SIGUSR1.
  pid_t startVrrpNode(int i, const std::string& toml) {
    std::string config = file("n" + std::to_string(i) + ".toml");
    std::ofstream(config) << toml;
    return spawn(i, {VRRP_NODE_PATH, config, statusFile(i)}, file("n" + std::to_string(i) + ".log"));
  }
  std::string statusFile(int i) const { return "/tmp/" + prefix_ + "-n" + std::to_string(i) + ".status"; }

  void stop(pid_t pid, int signal) {
    ::kill(pid, signal);
    waitpid(pid, nullptr, 0);
    std::erase(pids_, pid);
  }

  bool hasAddress(int i, const std::string& address) {
    std::string out = run("ip -n " + node(i) + " -o addr show dev eth0");
    return out.find(" " + address + "/") != std::string::npos;
  }

 private:
  static int& counter() {
    static int c = 0;
    return c;
  }
  std::string prefix_;
  int nodes_ = 0;
  std::vector<pid_t> pids_;
  std::vector<std::string> files_;
  std::vector<std::string> dirs_;
};

}  // namespace vipd::vrrp::testing

// vipd as a process in a fresh network namespace: control socket, vipctl,
// reload on SIGHUP (rejected and accepted), clean stop, and a control socket
// that survives abusive clients.
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <memory>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"

namespace vipd::test {
namespace {

using namespace std::chrono_literals;

std::string validConfig(const std::string& socket, const std::string& router_id) {
  return "[global]\nrouter_id = \"" + router_id + "\"\ncontrol_socket = \"" + socket + "\"\n";
}

// A unix socket client that speaks raw bytes, for the abuse cases.
class RawClient {
public:
  explicit RawClient(const std::string& path) : fd_(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~RawClient() { ::close(fd_); }
  bool connected() const { return connected_; }
  // Sends all of data; false when the daemon closed the connection meanwhile.
  bool send(const std::string& data) {
    for (std::size_t sent = 0; sent < data.size();) {
      ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }
  // Reads one line, or "" when the connection closed or nothing came within 2 s.
  std::string readLine() {
    timeval tv{2, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string line;
    char c;
    while (::recv(fd_, &c, 1, 0) == 1) {
      if (c == '\n') return line;
      line.push_back(c);
    }
    return "";
  }

private:
  int fd_;
  bool connected_ = false;
};

class DaemonTest : public ::testing::Test {
protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to create network namespaces";
    ns_ = std::make_unique<NetNamespace>("vipd-daemon");
    socket_ = dir_.file("run/vipd.sock");  // run/ does not exist yet: vipd creates it
    dir_.write("vipd.toml", validConfig(socket_, "lb-test"));
    vipd_ = Child::spawn(ns_->exec({VIPD_BIN, "-f", dir_.file("vipd.toml")}), dir_.file("vipd.log"));
    ASSERT_TRUE(eventually([&] { return ctl("status").second == 0; }, 5s)) << log();
  }

  // Runs vipctl; returns its stdout and exit code.
  std::pair<std::string, int> ctl(const std::string& command, bool json = false) {
    int status = 0;
    auto out = capture(std::string(VIPCTL_BIN) + " --socket " + socket_ + " " + command + (json ? " --json" : "") +
                           " 2>&1",
                       &status);
    return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
  }
  nlohmann::json statusJson() { return nlohmann::json::parse(ctl("status", true).first); }
  std::string log() { return capture("cat " + dir_.file("vipd.log")); }

  TempDir dir_;
  std::unique_ptr<NetNamespace> ns_;
  std::string socket_;
  Child vipd_;
};

TEST_F(DaemonTest, StatusAnswersWithATableAndJson) {
  auto [table, code] = ctl("status");
  EXPECT_EQ(code, 0);
  EXPECT_NE(table.find("generation  1"), std::string::npos) << table;
  EXPECT_NE(table.find("router_id lb-test"), std::string::npos) << table;
  auto json = statusJson();
  EXPECT_EQ(json["generation"], 1);
  EXPECT_EQ(json["config"], dir_.file("vipd.toml"));
  EXPECT_EQ(json["pid"], vipd_.pid());
}

TEST_F(DaemonTest, SocketIsPrivateToItsOwner) {
  struct stat st{};
  ASSERT_EQ(::stat(socket_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(DaemonTest, InvalidReloadKeepsTheOldGenerationAndReportsErrors) {
  dir_.write("vipd.toml", "[global]\ncontrol_socket = \"" + socket_ + "\"\nbogus_key = 1\n");
  vipd_.signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return log().find("reload rejected") != std::string::npos; }, 3s)) << log();
  EXPECT_TRUE(vipd_.running());
  EXPECT_EQ(statusJson()["generation"], 1);

  auto [out, code] = ctl("reload");
  EXPECT_EQ(code, 1);
  EXPECT_NE(out.find("generation 1 keeps running"), std::string::npos) << out;
  EXPECT_NE(out.find(dir_.file("vipd.toml") + ":3:1: global.bogus_key"), std::string::npos) << out;

  dir_.write("vipd.toml", validConfig(socket_, "lb-renamed"));
  vipd_.signal(SIGHUP);
  ASSERT_TRUE(eventually([&] { return statusJson()["generation"] == 2; }, 3s)) << log();
  EXPECT_EQ(statusJson()["router_id"], "lb-renamed");
  auto [again, again_code] = ctl("reload");
  EXPECT_EQ(again_code, 0);
  EXPECT_NE(again.find("generation 3 is running"), std::string::npos) << again;
}

TEST_F(DaemonTest, SigtermExitsCleanlyWithinOneSecond) {
  vipd_.signal(SIGTERM);
  auto status = vipd_.waitExit(1s);
  ASSERT_TRUE(status.has_value()) << "still running 1 s after SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0);
  EXPECT_NE(::access(socket_.c_str(), F_OK), 0) << "the socket file is left behind";
}

TEST_F(DaemonTest, SigintExitsCleanly) {
  vipd_.signal(SIGINT);
  auto status = vipd_.waitExit(1s);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(WEXITSTATUS(*status), 0);
}

TEST_F(DaemonTest, GarbageGetsAnErrorAndTheConnectionStaysUsable) {
  RawClient client(socket_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send("this is not json\n"));
  auto answer = nlohmann::json::parse(client.readLine());
  EXPECT_EQ(answer["ok"], false);
  ASSERT_TRUE(client.send("{\"command\":\"status\"}\n"));
  EXPECT_EQ(nlohmann::json::parse(client.readLine())["generation"], 1);
}

TEST_F(DaemonTest, SurvivesATenMegabyteLineAHalfLineAndIdleClients) {
  {
    RawClient huge(socket_);
    ASSERT_TRUE(huge.connected());
    huge.send(std::string(10 * 1024 * 1024, 'x') + "\n");  // the daemon may close before all is sent
    auto answer = huge.readLine();
    if (!answer.empty()) {
      EXPECT_EQ(nlohmann::json::parse(answer)["ok"], false);
    }
  }
  {
    RawClient half(socket_);
    ASSERT_TRUE(half.connected());
    ASSERT_TRUE(half.send("{\"command\":\"sta"));
  }
  std::vector<std::unique_ptr<RawClient>> idle;
  for (int i = 0; i < 100; ++i) {
    idle.push_back(std::make_unique<RawClient>(socket_));
    ASSERT_TRUE(idle.back()->connected()) << i;
  }
  auto [out, code] = ctl("status");
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("generation  1"), std::string::npos) << out;
  EXPECT_TRUE(vipd_.running());
}

TEST_F(DaemonTest, RefusesPeersThatAreNeitherRootNorTheOwner) {
  ASSERT_EQ(::chmod(socket_.c_str(), 0666), 0);  // let the socket's mode allow it, so the credential check decides
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
  ASSERT_EQ(::chmod(dir_.file("run").c_str(), 0755), 0);
  passwd* nobody = ::getpwnam("nobody");
  ASSERT_NE(nobody, nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::setgid(nobody->pw_gid) != 0 || ::setuid(nobody->pw_uid) != 0) ::_exit(3);
    RawClient client(socket_);
    if (!client.connected()) ::_exit(2);
    client.send("{\"command\":\"status\"}\n");
    ::_exit(client.readLine().empty() ? 0 : 1);  // 0: refused without an answer
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_NE(log().find("refused a client with uid"), std::string::npos) << log();
}

// A datagram socket standing in for systemd's notify socket.
class NotifySocket {
public:
  explicit NotifySocket(const std::string& path) : path_(path), fd_(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
  }
  ~NotifySocket() { ::close(fd_); }
  // Everything received so far, messages joined by '|'.
  std::string drain() {
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT)) > 0;)
      received_ += std::string(buffer, n) + "|";
    return received_;
  }

private:
  std::string path_;
  int fd_;
  std::string received_;
};

TEST(DaemonSystemd, NotifiesReadyReloadingWatchdogAndStopping) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create network namespaces";
  TempDir dir;
  NetNamespace ns("vipd-notify");
  NotifySocket notify(dir.file("notify.sock"));
  dir.write("vipd.toml", validConfig(dir.file("vipd.sock"), "lb"));
  // The watchdog is armed for this pid only: ip netns exec keeps the pid when it execs vipd.
  pid_t pid = ::fork();
  if (pid == 0) {
    auto pid_text = std::to_string(::getpid());
    ::setenv("NOTIFY_SOCKET", dir.file("notify.sock").c_str(), 1);
    ::setenv("WATCHDOG_PID", pid_text.c_str(), 1);
    ::setenv("WATCHDOG_USEC", "200000", 1);
    auto argv = ns.exec({VIPD_BIN, "-f", dir.file("vipd.toml")});
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDERR_FILENO);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  auto reap = [&] {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  };
  ASSERT_TRUE(eventually([&] { return notify.drain().find("READY=1") != std::string::npos; }, 5s)) << notify.drain();
  // WatchdogSec 0.2 s: a keep-alive every 0.1 s.
  ASSERT_TRUE(eventually(
      [&] {
        auto all = notify.drain();
        std::size_t count = 0;
        for (auto at = all.find("WATCHDOG=1"); at != std::string::npos; at = all.find("WATCHDOG=1", at + 1)) ++count;
        return count >= 3;
      },
      2s))
      << notify.drain();
  ::kill(pid, SIGHUP);
  ASSERT_TRUE(eventually([&] { return notify.drain().find("RELOADING=1") != std::string::npos; }, 3s));
  EXPECT_NE(notify.drain().find("generation 2"), std::string::npos) << notify.drain();
  ::kill(pid, SIGTERM);
  int status = 0;
  bool exited = eventually([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, 1s);
  if (!exited) reap();
  ASSERT_TRUE(exited);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_NE(notify.drain().find("STOPPING=1"), std::string::npos) << notify.drain();
}

TEST(DaemonCli, CheckPrintsEveryErrorWithItsLocationAndFails) {
  TempDir dir;
  dir.write("bad.toml", "[global]\nrouter_id = 5\nnope = true\n");
  int status = 0;
  auto out = capture(std::string(VIPD_BIN) + " -f " + dir.file("bad.toml") + " --check 2>&1", &status);
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(out.find(dir.file("bad.toml") + ":2:13: global.router_id"), std::string::npos) << out;
  EXPECT_NE(out.find(dir.file("bad.toml") + ":3:1: global.nope"), std::string::npos) << out;

  dir.write("good.toml", validConfig(dir.file("s.sock"), "lb"));
  capture(std::string(VIPD_BIN) + " -f " + dir.file("good.toml") + " --check 2>&1", &status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(DaemonCli, EveryShippedExamplePassesCheck) {
  int examples = 0;
  for (auto& entry : std::filesystem::directory_iterator(VIPD_EXAMPLES_DIR)) {
    if (entry.path().extension() != ".toml") continue;
    ++examples;
    int status = 0;
    // The examples name scripts under /etc/vipd that this machine does not have.
    auto out = capture(std::string(VIPD_BIN) + " -f " + entry.path().string() + " --check --no-file-checks 2>&1", &status);
    EXPECT_EQ(WEXITSTATUS(status), 0) << entry.path() << "\n" << out;
  }
  EXPECT_GE(examples, 3);
}

TEST(DaemonCli, VipctlSaysSoWhenNoDaemonAnswers) {
  TempDir dir;
  int status = 0;
  auto out = capture(std::string(VIPCTL_BIN) + " --socket " + dir.file("none.sock") + " status 2>&1", &status);
  EXPECT_NE(WEXITSTATUS(status), 0);
  EXPECT_NE(out.find("is vipd running?"), std::string::npos) << out;
}

}  // namespace
}  // namespace vipd::test

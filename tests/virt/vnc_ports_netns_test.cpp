// vipd against the host's ports, in a namespace of the test's own (root): a
// fixed VNC port something else listens on is an error at its guest's `vnc`
// at --check, start-up and reload; free again, the config is valid. (Ports
// held by vipd's own running guests are the virt tier's: virt_tier_test.)
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <signal.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"

namespace vipd {
namespace {

constexpr int kPort = 5907;

// A TCP listener on 127.0.0.1:port inside the namespace (the socket stays there).
int listenIn(const std::string& netns, int port) {
  int home = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  int target = ::open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
  EXPECT_EQ(setns(target, CLONE_NEWNET), 0);
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  EXPECT_EQ(setns(home, CLONE_NEWNET), 0);
  ::close(target);
  ::close(home);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address), 0);
  EXPECT_EQ(::listen(fd, 1), 0);
  return fd;
}

class VncPortsNetns : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root for network namespaces";
    ns.emplace("vipd-vnc");
    // The test driver: in-process, and none of its domains are vipd's.
    dir.write("vipd.toml", "[virt]\nuri = \"test:///default\"\n[[virt.guest]]\nname = \"node4\"\nvnc = " +
                               std::to_string(kPort) + "\n");
  }

  std::string error() const {
    return dir.file("vipd.toml") + ":5:7: virt.guest[0].vnc: port " + std::to_string(kPort) + " is in use on this host";
  }

  nlohmann::json status() {
    auto text =
        test::capture(std::string(VIPCTL_BIN) + " --socket " + dir.file("vipd.sock") + " status --json 2>/dev/null");
    return nlohmann::json::parse(text, nullptr, false);
  }

  std::string check(const std::string& extra, int* status) {
    std::string command;
    for (const auto& arg : ns->exec({VIPD_BIN, "-f", dir.file("vipd.toml"), "--check"})) command += arg + " ";
    return test::capture(command + extra + " 2>&1", status);
  }

  test::TempDir dir;
  std::optional<test::NetNamespace> ns;
};

TEST_F(VncPortsNetns, APortInUseOnTheHostIsACheckErrorUntilItIsFree) {
  int listener = listenIn(ns->name(), kPort);
  int status = 0;
  auto out = check("", &status);
  EXPECT_NE(status, 0) << out;
  EXPECT_NE(out.find(error()), std::string::npos) << out;
  out = check("--no-file-checks", &status);  // a config for another machine: its ports are not ours to check
  EXPECT_EQ(status, 0) << out;
  ::close(listener);
  out = check("", &status);
  EXPECT_EQ(status, 0) << out;
}

TEST_F(VncPortsNetns, StartUpAndReloadRefuseAPortInUse) {
  int listener = listenIn(ns->name(), kPort);
  auto start = [&] {
    return test::Child::spawn(ns->exec({VIPD_BIN, "-f", dir.file("vipd.toml"), "--socket", dir.file("vipd.sock")}),
                              dir.file("vipd.log"));
  };
  auto refused = start();
  auto exited = refused.waitExit(std::chrono::seconds(20));
  ASSERT_TRUE(exited);
  EXPECT_NE(*exited, 0);
  EXPECT_NE(test::capture("cat " + dir.file("vipd.log")).find(error()), std::string::npos);

  auto config = test::capture("cat " + dir.file("vipd.toml"));
  dir.write("vipd.toml", "[virt]\nuri = \"test:///default\"\n");
  auto vipd = start();
  ASSERT_TRUE(
      test::eventually([&] { return status().is_object(); }, std::chrono::seconds(20), std::chrono::milliseconds(50)));
  dir.write("vipd.toml", config);
  auto reloaded = [&] {
    auto s = status();
    return s.is_object() && s["last_reload"].is_object();
  };
  ASSERT_EQ(::kill(vipd.pid(), SIGHUP), 0);
  ASSERT_TRUE(test::eventually(reloaded, std::chrono::seconds(10), std::chrono::milliseconds(50)));
  auto last = status()["last_reload"];
  EXPECT_EQ(last["ok"], false) << last.dump();
  EXPECT_EQ(last["errors"], nlohmann::json::array({error()})) << last.dump();

  ::close(listener);
  ASSERT_EQ(::kill(vipd.pid(), SIGHUP), 0);
  EXPECT_TRUE(test::eventually(
      [&] {
        auto s = status();
        return s.is_object() && s["last_reload"].is_object() && s["last_reload"]["ok"] == true;
      },
      std::chrono::seconds(10), std::chrono::milliseconds(50)))
      << status().dump();
  vipd.signal(SIGTERM);
  EXPECT_TRUE(vipd.waitExit(std::chrono::seconds(15)));
}

}  // namespace
}  // namespace vipd

// vipctl --timeout: how long vipctl waits for an answer. The daemon here is a
// socket that takes the request and never answers.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

struct SilentDaemon {
  std::filesystem::path dir;
  std::string socket_path;
  int fd = -1;

  SilentDaemon() {
    char dir_template[] = "/tmp/vipctl-timeout-XXXXXX";
    if (!mkdtemp(dir_template)) return;
    dir = dir_template;
    socket_path = (dir / "vipd.sock").string();
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, 4) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ~SilentDaemon() {
    if (fd >= 0) ::close(fd);
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
};

struct VipctlRun {
  int exit_code = -1;
  double seconds = 0;
  std::string stderr_text;
};

VipctlRun vipctl(const SilentDaemon& daemon, const std::string& arguments) {
  const std::string err = (daemon.dir / "stderr").string();
  const std::string command =
      std::string(VIPCTL_BIN) + " --socket " + daemon.socket_path + " " + arguments + " >/dev/null 2>" + err;
  const auto start = std::chrono::steady_clock::now();
  const int status = std::system(command.c_str());
  VipctlRun run;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::stringstream text;
  text << std::ifstream(err).rdbuf();
  run.stderr_text = text.str();
  return run;
}

TEST(VipctlTimeout, GivesUpAfterTheTimeoutItIsGiven) {
  SilentDaemon daemon;
  ASSERT_GE(daemon.fd, 0);
  const VipctlRun run = vipctl(daemon, "--timeout 0.4 status");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_GE(run.seconds, 0.4);
  EXPECT_LT(run.seconds, 5.0) << "the default is 10 s";
  EXPECT_NE(run.stderr_text.find("no answer from the daemon"), std::string::npos) << run.stderr_text;
}

TEST(VipctlTimeout, RefusesATimeoutThatIsNotPositiveSeconds) {
  SilentDaemon daemon;
  ASSERT_GE(daemon.fd, 0);
  for (const char* bad : {"0", "-1", "soon", "5s"}) {
    const VipctlRun run = vipctl(daemon, std::string("--timeout ") + bad + " status");
    EXPECT_EQ(run.exit_code, 2) << bad;
    EXPECT_NE(run.stderr_text.find("--timeout"), std::string::npos) << bad << ": " << run.stderr_text;
    EXPECT_LT(run.seconds, 5.0) << bad << ": refused before asking";
  }
}

}  // namespace

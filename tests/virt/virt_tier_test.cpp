// The virt tier (root, real libvirtd, TCG): vipd's Manager creates the
// overlay through libvirt's storage API, boots Debian's kernel by direct
// kernel boot on a bridge it created, restarts the guest after its qemu is
// killed, applies a memory change and removes the guest (disk kept).
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"
#include "tests/virt/libvirtd_fixture.hpp"
#include "virt/libvirt_hypervisor.hpp"
#include "virt/manager.hpp"
#include "virt/rtnetlink_bridge_links.hpp"

namespace vipd::virt {
namespace {

using namespace std::chrono_literals;

std::string sh(const std::string& command, int* status = nullptr) { return test::capture(command + " 2>&1", status); }

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// rtnetlink inside the daemons' namespace, opened from the worker thread.
Result<std::unique_ptr<BridgeLinks>> linksIn(const std::string& netns) {
  int home = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  int target = ::open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
  if (home < 0 || target < 0 || setns(target, CLONE_NEWNET) != 0) return Error::fromErrno(errno, "enter " + netns);
  auto links = RtnetlinkBridgeLinks::open();
  setns(home, CLONE_NEWNET);
  ::close(target);
  ::close(home);
  if (!links) return links.error();
  return std::unique_ptr<BridgeLinks>(std::move(*links));
}

struct DomainCleanup {  // a failed test leaves no domain behind
  std::string name;
  ~DomainCleanup() {
    sh("virsh -c qemu:///system destroy " + name);
    sh("virsh -c qemu:///system undefine " + name);
  }
};

class VirtTier : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "the virt tier needs root (libvirtd, qemu, bridges)";
    int status = 0;
    auto out = sh(std::string(VIPD_VIRT_TESTS_DIR) + "/virt-prepare.sh", &status);
    ASSERT_EQ(status, 0) << out;
    kernel = sh(std::string(VIPD_VIRT_TESTS_DIR) + "/virt-initramfs.sh " + dir.file("initrd.cpio.gz"), &status);
    ASSERT_EQ(status, 0) << kernel;
    kernel = kernel.substr(0, kernel.find('\n'));
    out = sh("qemu-img create -q -f qcow2 " + dir.file("base.qcow2") + " 64M", &status);
    ASSERT_EQ(status, 0) << out;
    base_sum = sh("sha256sum " + dir.file("base.qcow2"));
    daemons.emplace(dir.path());
  }

  void TearDown() override {
    if (!daemons) return;
    manager.reset();
    cleanup.reset();
    if (!bridge.empty()) sh("ip -n " + daemons->netns() + " link del " + bridge);
    daemons.reset();
  }

  conf::Config config(uint64_t memory) {
    conf::Config c;
    c.virt.uri = "qemu:///system";
    c.virt.bridges = {{bridge, {}}};
    conf::VirtGuest g;
    g.name = guest;
    g.base_image = dir.file("base.qcow2");
    g.disk = dir.file("disk/" + guest + ".qcow2");
    g.memory = memory;
    g.vcpus = 1;
    g.bridges = {bridge};
    g.vnc_auto = true;
    g.kernel = kernel;
    g.initrd = dir.file("initrd.cpio.gz");
    g.cmdline = "console=ttyS0 panic=-1 quiet";
    g.console_log = dir.file("console.log");
    c.virt.guests = {g};
    return c;
  }

  template <class Pred>
  bool runUntil(Pred pred, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io.run_one_for(50ms);
    }
    return true;
  }

  nlohmann::json guestStatus() {
    auto status = manager->status();
    for (const auto& g : status["guests"])
      if (g["name"] == guest) return g;
    return nullptr;
  }

  std::string qemuPid() { return readFile("/run/libvirt/qemu/" + guest + ".pid"); }

  test::TempDir dir;
  std::string kernel, base_sum;
  std::string guest = "vipd-vt-" + std::to_string(getpid());
  std::string bridge = "vtbr" + std::to_string(getpid() % 100000);
  std::optional<test::LibvirtDaemons> daemons;
  std::optional<DomainCleanup> cleanup;
  asio::io_context io;
  std::unique_ptr<Manager> manager;
};

TEST_F(VirtTier, GuestLifecycleOnARealLibvirtd) {
  cleanup.emplace(DomainCleanup{guest});
  std::filesystem::create_directories(dir.file("disk"));
  std::string netns = daemons->netns();
  ManagerOptions options{500ms, {3000ms, 1000ms, 8000ms, 60000ms}};
  manager = std::make_unique<Manager>(
      io, options, [](const std::string& uri) { return std::make_unique<LibvirtHypervisor>(uri); },
      [netns] { return linksIn(netns); });

  // Boot: overlay created, guest sees its disk and NIC on the serial console.
  manager->apply(config(256ull << 20));
  auto console = [&] { return readFile(dir.file("console.log")); };
  ASSERT_TRUE(runUntil([&] { return count(console(), "VIPD-GUEST-READY") >= 1; }, 120s))
      << "console:\n"
      << console() << "\nstatus: " << manager->status().dump(2);
  auto g = guestStatus();
  ASSERT_EQ(g["state"], "running") << g.dump(2);
  std::string mac = g["macs"][0];
  EXPECT_EQ(mac.substr(0, 8), "02:76:70");
  EXPECT_NE(console().find("VIPD-MAC: " + mac), std::string::npos) << console();
  EXPECT_NE(console().find("VIPD-DISK-SECTORS: 131072"), std::string::npos) << console();  // 64 MiB
  EXPECT_EQ(g["backing_file"], dir.file("base.qcow2"));
  EXPECT_EQ(g["autostart"], true);
  EXPECT_TRUE(g["vnc_port"].is_number()) << g.dump();

  auto info = nlohmann::json::parse(sh("qemu-img info -U --output=json " + dir.file("disk/" + guest + ".qcow2")));
  EXPECT_EQ(info["format"], "qcow2");
  EXPECT_EQ(info["backing-filename"], dir.file("base.qcow2"));
  EXPECT_EQ(info["virtual-size"], 64ull << 20);

  // The bridge exists, is up, and holds the guest's tap.
  ASSERT_TRUE(runUntil(
      [&] {
        auto b = manager->status()["bridges"][0];
        return b["up"] == true && !g["taps"].empty() &&
               std::find(b["ports"].begin(), b["ports"].end(), g["taps"][0]) != b["ports"].end();
      },
      10s))
      << manager->status().dump(2);
  std::string tap = g["taps"][0];
  EXPECT_NE(sh("ip -n " + netns + " link show " + tap).find("master " + bridge), std::string::npos);

  // qemu killed behind libvirt's back: vipd starts the guest again.
  std::string pid = qemuPid();
  ASSERT_FALSE(pid.empty());
  ASSERT_EQ(::kill(std::stoi(pid), SIGKILL), 0);
  ASSERT_TRUE(runUntil([&] { return guestStatus()["restarts"] == 1 && guestStatus()["state"] == "running"; }, 60s))
      << manager->status().dump(2);
  EXPECT_NE(qemuPid(), pid);
  EXPECT_TRUE(runUntil([&] { return count(console(), "VIPD-GUEST-READY") >= 2; }, 120s)) << console();

  // libvirtd goes away and comes back: vipd reports it, keeps going and
  // reconnects; the guest kept running and is not restarted.
  std::string restarted_pid = qemuPid();
  daemons->stopLibvirtd();
  ASSERT_TRUE(runUntil([&] { return manager->status()["connected"] == false; }, 15s)) << manager->status().dump(2);
  daemons->startLibvirtd();
  ASSERT_TRUE(runUntil(
      [&] {
        auto status = manager->status();
        return status["connected"] == true && status["error"] == "" && guestStatus()["state"] == "running";
      },
      30s))
      << manager->status().dump(2);
  EXPECT_EQ(qemuPid(), restarted_pid);
  EXPECT_EQ(guestStatus()["restarts"], 1);

  // Memory changed in the config: the definition follows.
  manager->apply(config(192ull << 20));
  ASSERT_TRUE(runUntil([&] { return guestStatus()["memory"] == 192ull << 20; }, 30s)) << manager->status().dump(2);
  EXPECT_NE(sh("virsh -c qemu:///system dumpxml --inactive " + guest).find("<memory unit='KiB'>196608</memory>"),
            std::string::npos);

  // Removed from the config: shut down (destroyed after 3 s: the appliance
  // ignores ACPI), undefined, disk kept, base never written.
  auto removed = config(192ull << 20);
  removed.virt.guests.clear();
  manager->apply(removed);
  ASSERT_TRUE(runUntil(
      [&] {
        int rc = 0;
        sh("virsh -c qemu:///system domstate " + guest, &rc);
        return rc != 0;
      },
      60s));
  EXPECT_TRUE(std::filesystem::exists(dir.file("disk/" + guest + ".qcow2")));
  EXPECT_EQ(sh("sha256sum " + dir.file("base.qcow2")), base_sum);

  // The test removes the bridge it had vipd create.
  int rc = 0;
  auto out = sh("ip -n " + netns + " link del " + bridge, &rc);
  EXPECT_EQ(rc, 0) << out;
  bridge.clear();
}

}  // namespace
}  // namespace vipd::virt

// The virt tier (root, real libvirtd, TCG), driven through the real vipd
// binary, a config file, SIGHUP and `vipctl virt --json`: vipd creates the
// overlay through libvirt's storage API and boots Debian's kernel by direct
// kernel boot on a bridge it created; restarts the guest after its qemu is
// killed; rides out a libvirtd restart; applies a memory change on reload
// (its own guest holding the fixed VNC port fails neither --check nor the
// reload); restarts the guest whose real server's checks keep failing
// (restart_after); removes the guest (disk kept).
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"
#include "tests/virt/libvirtd_fixture.hpp"

namespace vipd {
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

std::string tomlString(const std::string& text) { return "\"" + text + "\""; }

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
    stopVipd();
    cleanup.reset();
    if (!bridge.empty()) sh("ip -n " + daemons->netns() + " link del " + bridge);
    daemons.reset();
  }

  struct Settings {
    bool with_guest = true;
    std::string memory = "256MiB";
    bool failing_real_server = false;  // a real server of the guest whose check always fails, restart_after 2s
  };

  void writeConfig(const Settings& s) {
    std::string text = "[global]\ncontrol_socket = " + tomlString(dir.file("vipd.sock")) + "\n\n" +
                       "[virt]\nuri = \"qemu:///system\"\nshutdown_timeout = \"3s\"  # the appliance ignores ACPI\n\n" +
                       "[[virt.bridge]]\nname = " + tomlString(bridge) + "\n\n";
    if (s.with_guest)
      text += "[[virt.guest]]\nname = " + tomlString(guest) + "\nbase_image = " + tomlString(dir.file("base.qcow2")) +
              "\ndisk = " + tomlString(disk()) + "\nmemory = " + tomlString(s.memory) + "\nvcpus = 1\nbridges = [" +
              tomlString(bridge) + "]\nvnc = " + std::to_string(vnc_port) + "\nkernel = " + tomlString(kernel) +
              "\ninitrd = " + tomlString(dir.file("initrd.cpio.gz")) +
              "\ncmdline = \"console=ttyS0 panic=-1 quiet\"\nconsole_log = " + tomlString(dir.file("console.log")) +
              "\n\n";
    if (s.failing_real_server)
      text +=
          "[[ipvs.service]]\nname = \"web\"\naddress = \"10.77.0.1:80\"\n\n[ipvs.service.check]\n"
          "type = \"script\"\ncommand = [\"/bin/false\"]\ninterval = \"500ms\"\ntimeout = \"500ms\"\nfall = 1\n"
          "rise = 1\n\n[[ipvs.service.real_server]]\naddress = \"10.77.0.4:80\"\nguest = " +
          tomlString(guest) + "\nrestart_after = \"2s\"\n";
    dir.write("vipd.toml", text);
  }

  // vipd runs where libvirtd does: the bridges and the guest's VNC port live in that namespace.
  std::vector<std::string> inNetns(std::vector<std::string> argv) const {
    argv.insert(argv.begin(), {"/usr/bin/nsenter", "--net=/run/netns/" + daemons->netns()});
    return argv;
  }

  void startVipd() {
    vipd = test::Child::spawn(inNetns({VIPD_BIN, "-f", dir.file("vipd.toml")}), dir.file("vipd.log"));
  }

  void stopVipd() {
    if (vipd.pid() <= 0) return;
    vipd.signal(SIGTERM);
    vipd.waitExit(15s);  // Child's destructor SIGKILLs what is left
    vipd = {};
  }

  void reload(const Settings& s) {
    writeConfig(s);
    unsigned before = generation();
    ASSERT_EQ(::kill(vipd.pid(), SIGHUP), 0);
    ASSERT_TRUE(test::eventually([&] { return generation() > before; }, 10s, 50ms)) << vipctl("status") << "\n"
                                                                                    << readFile(dir.file("vipd.log"));
  }

  nlohmann::json vipctl(const std::string& command) {
    auto text = test::capture(std::string(VIPCTL_BIN) + " --socket " + dir.file("vipd.sock") + " " + command +
                              " --json 2>/dev/null");
    return nlohmann::json::parse(text, nullptr, false);
  }

  unsigned generation() {
    auto status = vipctl("status");
    return status.is_object() ? status.value("generation", 0u) : 0u;
  }

  nlohmann::json virt() {
    auto status = vipctl("virt");
    return status.is_object() ? status : nlohmann::json::object();
  }

  nlohmann::json guestStatus() {
    for (const auto& g : virt().value("guests", nlohmann::json::array()))
      if (g["name"] == guest) return g;
    return nlohmann::json::object();
  }

  // Where the time goes (stderr): seconds since the test started, at the start of each step.
  void phase(const std::string& name) {
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
    std::fprintf(stderr, "[virt tier] %6.1f s  %s\n", elapsed.count(), name.c_str());
  }

  template <class Pred>
  bool waitFor(Pred pred, std::chrono::milliseconds timeout) {
    return test::eventually(pred, timeout, 100ms);
  }

  std::string disk() const { return dir.file("disk/" + guest + ".qcow2"); }
  std::string console() const { return readFile(dir.file("console.log")); }
  std::string qemuPid() const { return readFile("/run/libvirt/qemu/" + guest + ".pid"); }

  test::TempDir dir;
  std::string kernel, base_sum;
  std::string guest = "vipd-vt-" + std::to_string(getpid());
  std::string bridge = "vtbr" + std::to_string(getpid() % 100000);
  int vnc_port = 5931;  // fixed: free in the daemons' fresh namespace
  std::optional<test::LibvirtDaemons> daemons;
  std::optional<DomainCleanup> cleanup;
  test::Child vipd;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

TEST_F(VirtTier, GuestLifecycleThroughVipd) {
  cleanup.emplace(DomainCleanup{guest});
  std::filesystem::create_directories(dir.file("disk"));
  std::string netns = daemons->netns();

  phase("boot");
  // Boot: overlay created, guest sees its disk and NIC on the serial console.
  writeConfig({});
  startVipd();
  ASSERT_TRUE(waitFor([&] { return count(console(), "VIPD-GUEST-READY") >= 1; }, 120s))
      << "console:\n"
      << console() << "\nstatus: " << virt().dump(2) << "\nlog:\n"
      << readFile(dir.file("vipd.log"));
  ASSERT_TRUE(waitFor([&] { return guestStatus().value("state", "") == "running"; }, 10s)) << virt().dump(2);
  auto g = guestStatus();
  std::string mac = g["macs"][0];
  EXPECT_EQ(mac.substr(0, 8), "02:76:70");
  EXPECT_NE(console().find("VIPD-MAC: " + mac), std::string::npos) << console();
  EXPECT_NE(console().find("VIPD-DISK-SECTORS: 131072"), std::string::npos) << console();  // 64 MiB
  EXPECT_EQ(g["backing_file"], dir.file("base.qcow2"));
  EXPECT_EQ(g["autostart"], true);
  EXPECT_EQ(g["vnc_port"], vnc_port) << g.dump();

  auto info = nlohmann::json::parse(sh("qemu-img info -U --output=json " + disk()));
  EXPECT_EQ(info["format"], "qcow2");
  EXPECT_EQ(info["backing-filename"], dir.file("base.qcow2"));
  EXPECT_EQ(info["virtual-size"], 64ull << 20);

  phase("bridge");
  // The bridge exists, is up, and holds the guest's tap.
  ASSERT_TRUE(waitFor(
      [&] {
        g = guestStatus();
        auto bridges = virt().value("bridges", nlohmann::json::array());
        if (bridges.empty() || g.value("taps", nlohmann::json::array()).empty()) return false;
        auto ports = bridges[0].value("ports", nlohmann::json::array());
        return bridges[0]["up"] == true && std::find(ports.begin(), ports.end(), g["taps"][0]) != ports.end();
      },
      10s))
      << virt().dump(2);
  std::string tap = g["taps"][0];
  EXPECT_NE(sh("ip -n " + netns + " link show " + tap).find("master " + bridge), std::string::npos);

  phase("qemu killed");
  // qemu killed behind libvirt's back: vipd starts the guest again.
  std::string pid = qemuPid();
  ASSERT_FALSE(pid.empty());
  ASSERT_EQ(::kill(std::stoi(pid), SIGKILL), 0);
  ASSERT_TRUE(waitFor([&] { return guestStatus()["restarts"] == 1 && guestStatus()["state"] == "running"; }, 60s))
      << virt().dump(2);
  EXPECT_NE(qemuPid(), pid);
  EXPECT_TRUE(waitFor([&] { return count(console(), "VIPD-GUEST-READY") >= 2; }, 120s)) << console();

  phase("libvirtd restart");
  // libvirtd goes away and comes back: vipd reports it, keeps going and
  // reconnects; the guest kept running and is not restarted.
  std::string restarted_pid = qemuPid();
  daemons->stopLibvirtd();
  ASSERT_TRUE(waitFor([&] { return virt()["connected"] == false; }, 15s)) << virt().dump(2);
  daemons->startLibvirtd();
  ASSERT_TRUE(waitFor(
      [&] {
        auto status = virt();
        return status["connected"] == true && status["error"] == "" && guestStatus()["state"] == "running";
      },
      30s))
      << virt().dump(2);
  EXPECT_EQ(qemuPid(), restarted_pid);
  EXPECT_EQ(guestStatus()["restarts"], 1);

  phase("--check");
  // vipd's own running guest holds its fixed VNC port: --check passes (libvirt names the holder).
  int rc = 0;
  std::string check_command;
  for (const auto& arg : inNetns({VIPD_BIN, "-f", dir.file("vipd.toml"), "--check"})) check_command += arg + " ";
  auto out = sh(check_command, &rc);
  EXPECT_EQ(rc, 0) << out;

  phase("memory reload");
  // Memory changed in the config and SIGHUP: the definition follows (the
  // reload is not refused over the VNC port the guest holds).
  reload({.memory = "192MiB"});
  EXPECT_EQ(vipctl("status")["last_reload"]["ok"], true) << vipctl("status").dump(2);
  ASSERT_TRUE(waitFor([&] { return guestStatus()["memory"] == 192ull << 20; }, 30s)) << virt().dump(2);
  EXPECT_NE(sh("virsh -c qemu:///system dumpxml --inactive " + guest).find("<memory unit='KiB'>196608</memory>"),
            std::string::npos);

  phase("restart_after");
  // A real server of the guest whose check always fails, restart_after 2s:
  // vipd restarts the guest (counted) once; the window itself is unit-tested
  // (restart_after_test, real_server_gate_test).
  std::string before_pid = qemuPid();
  reload({.memory = "192MiB", .failing_real_server = true});
  ASSERT_TRUE(waitFor([&] { return guestStatus()["restarts"] == 2; }, 20s)) << virt().dump(2) << "\n"
                                                                            << readFile(dir.file("vipd.log"));
  EXPECT_NE(qemuPid(), before_pid);
  EXPECT_EQ(count(readFile(dir.file("vipd.log")), "restart_after 2s: restarting guest " + guest), 1u)
      << readFile(dir.file("vipd.log"));

  phase("removal");
  // Removed from the config: shut down (destroyed after shutdown_timeout),
  // undefined, disk kept, base never written.
  reload({.with_guest = false});
  ASSERT_TRUE(waitFor(
      [&] {
        int rc = 0;
        sh("virsh -c qemu:///system domstate " + guest, &rc);
        return rc != 0;
      },
      60s))
      << virt().dump(2);
  EXPECT_TRUE(std::filesystem::exists(disk()));
  EXPECT_EQ(sh("sha256sum " + dir.file("base.qcow2")), base_sum);

  phase("stop");
  // vipd stops (leaving the bridge); the test removes the bridge it had vipd create.
  stopVipd();
  out = sh("ip -n " + netns + " link del " + bridge, &rc);
  EXPECT_EQ(rc, 0) << out;
  bridge.clear();
  phase("done");
}

}  // namespace
}  // namespace vipd

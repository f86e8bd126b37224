// virt::Manager on an io_context, over the real libvirt client against the
// test driver (no daemon) and a bridge port that fails to open (no
// privileges needed): passes, status JSON, running callbacks, commands, stop.
#include "virt/manager.hpp"

#include <gtest/gtest.h>

#include "tests/support/process.hpp"
#include "virt/libvirt_hypervisor.hpp"

namespace vipd::virt {
namespace {

using namespace std::chrono_literals;

const char* kNode = R"(<node>
  <pool type='dir'><name>images</name><target><path>/images</path></target>
    <volume type='file'><name>base.qcow2</name><capacity unit='G'>1</capacity><target><format type='qcow2'/></target></volume>
  </pool>
</node>
)";

class ManagerTest : public ::testing::Test {
 protected:
  ManagerTest() {
    dir.write("node.xml", kNode);
    config.virt.uri = "test://" + dir.file("node.xml");
    conf::VirtGuest g;
    g.name = "g1";
    g.base_image = "/images/base.qcow2";
    g.disk = "/images/g1.qcow2";
    g.memory = 64ull << 20;
    g.vnc_auto = false;
    config.virt.guests = {g};
  }

  template <class Pred>
  bool runUntil(Pred pred, std::chrono::milliseconds timeout = 20000ms) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io.run_one_for(20ms);
      if (io.stopped() && !pred()) {
        ADD_FAILURE() << "the io_context ran out of work after " << manager.passes() << " passes";
        return false;
      }
    }
    return true;
  }

  test::TempDir dir;
  asio::io_context io;
  conf::Config config;
  Manager manager{io, ManagerOptions{200ms, {}},
                  [](const std::string& uri) { return std::make_unique<LibvirtHypervisor>(uri); },
                  []() -> Result<std::unique_ptr<BridgeLinks>> { return Error::fromErrno(EPERM, "open rtnetlink"); }};
};

TEST_F(ManagerTest, AppliesConfigAndReportsStatus) {
  std::vector<std::pair<std::string, bool>> changes;
  manager.onGuestRunningChanged([&](const std::string& name, bool running) { changes.emplace_back(name, running); });
  manager.apply(config);
  ASSERT_TRUE(runUntil([&] { return manager.guestRunning("g1"); }))
      << manager.passes() << " passes, status " << manager.status().dump(2);
  EXPECT_EQ(changes, (std::vector<std::pair<std::string, bool>>{{"g1", true}}));

  auto status = manager.status();
  EXPECT_EQ(manager.name(), "virt");
  EXPECT_EQ(status["summary"], "1 guest: 1 running; 0 bridges");
  EXPECT_EQ(status["connected"], true);
  ASSERT_EQ(status["guests"].size(), 1u);
  auto g1 = status["guests"][0];
  EXPECT_EQ(g1["name"], "g1");
  EXPECT_EQ(g1["state"], "running");
  EXPECT_EQ(g1["desired"], "running");
  EXPECT_EQ(g1["memory"], 64ull << 20);
  EXPECT_EQ(g1["live_memory"], 64ull << 20);
  EXPECT_EQ(g1["backing_file"], "/images/base.qcow2");
  EXPECT_TRUE(g1["vnc_port"].is_null());
  EXPECT_TRUE(g1["since"].is_string());
  EXPECT_EQ(g1["restarts"], 0);
}

TEST_F(ManagerTest, CommandsActThroughTheWorker) {
  manager.apply(config);
  ASSERT_TRUE(runUntil([&] { return manager.guestRunning("g1"); }));

  std::optional<nlohmann::json> reply;
  manager.command("stop", "g1", [&](nlohmann::json answer) { reply = answer; });
  ASSERT_TRUE(runUntil([&] { return reply.has_value(); }));
  EXPECT_EQ((*reply)["ok"], true);
  ASSERT_TRUE(runUntil([&] { return !manager.guestRunning("g1"); }));
  uint64_t after = manager.passes();
  ASSERT_TRUE(runUntil([&] { return manager.passes() > after + 2; }));
  EXPECT_FALSE(manager.guestRunning("g1"));  // the override holds across passes
  EXPECT_EQ(manager.status()["guests"][0]["desired"], "stopped");

  EXPECT_EQ(manager.command("start", "g1")["queued"], true);
  ASSERT_TRUE(runUntil([&] { return manager.guestRunning("g1"); }));

  EXPECT_EQ(manager.command("start", "nope")["ok"], false);
  EXPECT_EQ(manager.command("reboot", "g1")["ok"], false);
}

TEST_F(ManagerTest, ConfiguredBridgeThatCannotBeOpenedIsReportedNotFatal) {
  config.virt.bridges = {{"br0", {}}};
  manager.apply(config);
  ASSERT_TRUE(runUntil([&] { return manager.guestRunning("g1"); }));
  auto bridges = manager.status()["bridges"];
  ASSERT_EQ(bridges.size(), 1u);
  EXPECT_EQ(bridges[0]["exists"], false);
  EXPECT_NE(bridges[0]["error"].get<std::string>().find("open rtnetlink"), std::string::npos);
}

TEST_F(ManagerTest, UnreachableLibvirtIsReportedAndStopCompletes) {
  config.virt.uri = "test:///nonexistent/node.xml";
  manager.apply(config);
  ASSERT_TRUE(runUntil([&] { return manager.passes() > 0; }));
  auto summary = manager.status()["summary"].get<std::string>();
  EXPECT_EQ(summary.rfind("libvirt unavailable: connect to test:///nonexistent/node.xml", 0), 0u) << summary;
  EXPECT_FALSE(manager.guestRunning("g1"));
  bool stopped = false;
  manager.stop([&] { stopped = true; });
  EXPECT_TRUE(runUntil([&] { return stopped; }));
}

}  // namespace
}  // namespace vipd::virt

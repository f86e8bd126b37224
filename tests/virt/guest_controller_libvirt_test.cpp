// GuestController over the real LibvirtHypervisor against libvirt's test
// driver, initialised from a node file holding a dir pool with a base image
// and a domain vipd does not own. No daemon; each connection has its own state.
#include <gtest/gtest.h>

#include "tests/support/process.hpp"
#include "virt/domain_xml.hpp"
#include "virt/guest_controller.hpp"
#include "virt/libvirt_hypervisor.hpp"

namespace vipd::virt {
namespace {

using namespace std::chrono_literals;

const char* kNode = R"(<node>
  <domain type='test'><name>foreign</name><memory>65536</memory><os><type>hvm</type></os></domain>
  <pool type='dir'><name>images</name><target><path>/images</path></target>
    <volume type='file'><name>base.qcow2</name><capacity unit='G'>2</capacity><target><format type='qcow2'/></target></volume>
  </pool>
</node>
)";

conf::VirtGuest guest(const std::string& name) {
  conf::VirtGuest g;
  g.name = name;
  g.base_image = "/images/base.qcow2";
  g.disk = "/images/" + name + ".qcow2";
  g.memory = 256ull << 20;
  g.vcpus = 2;
  g.bridges = {"br0", "br1"};
  return g;
}

class GuestControllerLibvirt : public ::testing::Test {
 protected:
  GuestControllerLibvirt() { dir.write("node.xml", kNode); }

  Snapshot pass(std::chrono::milliseconds at = 0ms) { return controller.reconcile(t0 + at, WallTime{} + at); }

  const GuestStatus* find(const Snapshot& s, const std::string& name) {
    for (const auto& g : s.guests)
      if (g.name == name) return &g;
    return nullptr;
  }

  DomainInfo domain(const std::string& name) {
    auto domains = hv.listDomains();
    EXPECT_TRUE(domains.ok());
    for (const auto& d : *domains)
      if (d.name == name) return d;
    ADD_FAILURE() << "no domain " << name;
    return {};
  }

  bool defined(const std::string& name) {
    auto domains = hv.listDomains();
    return std::any_of(domains->begin(), domains->end(), [&](const DomainInfo& d) { return d.name == name; });
  }

  test::TempDir dir;
  LibvirtHypervisor hv{"test://" + dir.file("node.xml")};
  ControllerOptions options{1s, 1000ms, 8000ms, 60000ms};
  GuestController controller{hv, options};
  SteadyTime t0 = std::chrono::steady_clock::now();
  conf::Virt virt;
};

TEST_F(GuestControllerLibvirt, DefinesMissingGuestOnAnOverlayAndStartsIt) {
  virt.guests = {guest("g1")};
  controller.setDesired(virt);
  auto s = pass();
  ASSERT_TRUE(s.error.empty()) << s.error;
  auto* g1 = find(s, "g1");
  ASSERT_TRUE(g1);
  EXPECT_EQ(g1->state, "running");
  EXPECT_EQ(g1->memory_kib, 256u * 1024);
  EXPECT_EQ(g1->vcpus, 2);
  EXPECT_TRUE(g1->autostart);
  EXPECT_EQ(g1->disk, "/images/g1.qcow2");
  EXPECT_EQ(g1->backing_file, "/images/base.qcow2");
  auto macs = assignMacs({{"g1", 2}});
  EXPECT_EQ(g1->macs, (std::vector<std::string>{formatMac(macs["g1"][0]), formatMac(macs["g1"][1])}));
  EXPECT_EQ(g1->last_error, "");

  auto volume = hv.volume("/images/g1.qcow2");
  ASSERT_TRUE(volume.ok()) << volume.error().message();
  EXPECT_EQ(volume->format, "qcow2");
  EXPECT_EQ(volume->capacity, 2ull << 30);  // the base's size
  auto facts = parseDomainXml(domain("g1").inactive_xml);
  ASSERT_TRUE(facts.ok());
  EXPECT_TRUE(facts->owned);
  EXPECT_EQ(facts->uuid, guestUuid("g1"));

  auto again = pass(10ms);  // idempotent: nothing changes, state keeps its "since"
  EXPECT_EQ(find(again, "g1")->since, g1->since);
  EXPECT_EQ(find(again, "g1")->state, "running");
}

TEST_F(GuestControllerLibvirt, ForeignDomainsAreNeverTouched) {
  virt.guests = {guest("g1"), guest("foreign")};
  controller.setDesired(virt);
  auto s = pass();
  EXPECT_EQ(find(s, "foreign")->state, "conflict");
  EXPECT_NE(find(s, "foreign")->last_error.find("not vipd's"), std::string::npos);
  auto foreign = domain("foreign");
  EXPECT_TRUE(foreign.active);
  EXPECT_EQ(foreign.memory_kib, 65536u);
  EXPECT_FALSE(parseDomainXml(foreign.inactive_xml)->owned);

  virt.guests = {};
  controller.setDesired(virt);
  pass(10ms);
  EXPECT_FALSE(defined("g1"));
  EXPECT_TRUE(defined("foreign"));
  EXPECT_TRUE(domain("foreign").active);
}

TEST_F(GuestControllerLibvirt, ChangedMemoryAndVcpusUpdateDefinitionAndRunningGuest) {
  virt.guests = {guest("g1")};
  controller.setDesired(virt);
  pass();
  virt.guests[0].memory = 128ull << 20;
  virt.guests[0].vcpus = 1;
  controller.setDesired(virt);
  auto s = pass(10ms);
  auto* g1 = find(s, "g1");
  EXPECT_EQ(g1->state, "running");
  EXPECT_EQ(g1->memory_kib, 128u * 1024);
  EXPECT_EQ(g1->vcpus, 1);
  EXPECT_EQ(g1->live_memory_kib, 128u * 1024);
  EXPECT_EQ(g1->live_vcpus, 1);
}

TEST_F(GuestControllerLibvirt, StateAndAutostartFollowTheConfig) {
  virt.guests = {guest("g1")};
  controller.setDesired(virt);
  pass();
  virt.guests[0].running = false;
  virt.guests[0].autostart = false;
  controller.setDesired(virt);
  auto s = pass(10ms);
  EXPECT_EQ(find(s, "g1")->state, "shut off");
  EXPECT_FALSE(find(s, "g1")->autostart);
  EXPECT_FALSE(domain("g1").autostart);
  EXPECT_EQ(find(pass(5000ms), "g1")->state, "shut off");  // a wanted stop is not a death
}

TEST_F(GuestControllerLibvirt, RemovedGuestIsShutDownAndUndefinedWithItsDiskKept) {
  virt.guests = {guest("g1"), guest("g2")};
  controller.setDesired(virt);
  pass();
  virt.guests = {guest("g2")};
  controller.setDesired(virt);
  auto s = pass(10ms);
  EXPECT_EQ(s.guests.size(), 1u);
  EXPECT_FALSE(defined("g1"));
  EXPECT_TRUE(defined("g2"));
  EXPECT_TRUE(hv.volume("/images/g1.qcow2").ok());
}

TEST_F(GuestControllerLibvirt, GuestThatDiesIsStartedAgainWithBackoff) {
  virt.guests = {guest("g1")};
  controller.setDesired(virt);
  pass();
  ASSERT_TRUE(hv.destroy("g1").ok());                     // dies behind vipd's back
  EXPECT_EQ(find(pass(100ms), "g1")->state, "shut off");  // waits 1 s
  auto s = pass(1100ms);
  EXPECT_EQ(find(s, "g1")->state, "running");
  EXPECT_EQ(find(s, "g1")->restarts, 1);

  ASSERT_TRUE(hv.destroy("g1").ok());  // dies again soon: waits 2 s
  EXPECT_EQ(find(pass(1200ms), "g1")->state, "shut off");
  EXPECT_EQ(find(pass(2200ms), "g1")->state, "shut off");
  s = pass(3300ms);
  EXPECT_EQ(find(s, "g1")->state, "running");
  EXPECT_EQ(find(s, "g1")->restarts, 2);
}

TEST_F(GuestControllerLibvirt, OperatorCommandsOverrideUntilTheConfigChanges) {
  virt.guests = {guest("g1")};
  controller.setDesired(virt);
  pass();
  ASSERT_TRUE(controller.command("stop", "g1", t0).ok());
  EXPECT_EQ(find(pass(5000ms), "g1")->state, "shut off");  // stays stopped
  ASSERT_TRUE(controller.command("start", "g1", t0 + 5000ms).ok());
  EXPECT_EQ(find(pass(5010ms), "g1")->state, "running");
  ASSERT_TRUE(controller.command("restart", "g1", t0 + 6000ms).ok());
  auto s = pass(6010ms);
  EXPECT_EQ(find(s, "g1")->state, "running");
  EXPECT_EQ(find(s, "g1")->restarts, 1);

  EXPECT_EQ(controller.command("stop", "nope", t0).error().code.value(), ENOENT);
  EXPECT_EQ(controller.command("reboot", "g1", t0).error().code.value(), EINVAL);

  ASSERT_TRUE(controller.command("stop", "g1", t0 + 7000ms).ok());
  virt.guests[0].vcpus = 1;  // a config change ends the override
  controller.setDesired(virt);
  EXPECT_EQ(find(pass(7010ms), "g1")->state, "running");
}

TEST_F(GuestControllerLibvirt, MissingBaseImageIsReportedAndNothingIsDefined) {
  virt.guests = {guest("g1")};
  virt.guests[0].base_image = "/images/nope.qcow2";
  controller.setDesired(virt);
  auto s = pass();
  EXPECT_EQ(find(s, "g1")->state, "absent");
  EXPECT_NE(find(s, "g1")->last_error.find("base image /images/nope.qcow2"), std::string::npos)
      << find(s, "g1")->last_error;
  EXPECT_FALSE(defined("g1"));
}

TEST_F(GuestControllerLibvirt, DiskInADirectoryWithoutPoolGetsATransientPool) {
  virt.guests = {guest("g1")};
  virt.guests[0].disk = "/elsewhere/g1.qcow2";
  controller.setDesired(virt);
  auto s = pass();
  EXPECT_EQ(find(s, "g1")->state, "running") << find(s, "g1")->last_error;
  EXPECT_EQ(find(s, "g1")->backing_file, "/images/base.qcow2");
}

TEST(GuestControllerLibvirtDown, UnreachableHypervisorIsReportedNotFatal) {
  LibvirtHypervisor hv("test:///nonexistent/node.xml");
  GuestController controller(hv, {});
  conf::Virt virt;
  virt.guests = {guest("g1")};
  controller.setDesired(virt);
  auto s = controller.reconcile(std::chrono::steady_clock::now(), std::chrono::system_clock::now());
  EXPECT_FALSE(s.connected);
  EXPECT_NE(s.error.find("connect to test:///nonexistent/node.xml"), std::string::npos) << s.error;
}

}  // namespace
}  // namespace vipd::virt

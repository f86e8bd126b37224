#include "virt/domain_xml.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "virt/storage_xml.hpp"

namespace vipd::virt {
namespace {

// Golden files live in tests/virt/golden; VIPD_UPDATE_GOLDEN=1 rewrites them
// (review the diff before committing).
void expectGolden(const std::string& name, const std::string& actual) {
  std::string path = std::string(VIPD_VIRT_GOLDEN_DIR) + "/" + name;
  if (const char* update = std::getenv("VIPD_UPDATE_GOLDEN"); update && std::string(update) == "1") {
    std::ofstream(path) << actual;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing golden file " << path;
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "golden file " << path;
}

DomainSpec applianceSpec() {
  conf::Virt virt;
  conf::VirtGuest guest;
  guest.name = "node4";
  guest.base_image = "/virhost/kvm_node/node.img";
  guest.disk = "/virhost/kvm_node/node4.qcow2";
  guest.memory = 512ull << 20;
  guest.vcpus = 2;
  guest.bridges = {"br0", "br1"};
  guest.vnc_auto = true;
  guest.kernel = "/var/lib/vipd/vmlinux";
  guest.initrd = "/var/lib/vipd/initrd.img";
  guest.cmdline = "console=ttyS0 quiet";
  guest.console_log = "/var/log/vipd/node4.console.log";
  virt.guests.push_back(guest);
  return specsFromConfig(virt, "qemu").front();
}

TEST(DomainXml, ApplianceGuestGolden) { expectGolden("node4_appliance.xml", buildDomainXml(applianceSpec())); }

TEST(DomainXml, DiskBootFixedVncNoNicGolden) {
  DomainSpec spec = applianceSpec();
  spec.name = "db1";
  spec.uuid = guestUuid("db1");
  spec.kernel = spec.initrd = spec.cmdline = spec.console_log = "";
  spec.nics.clear();
  spec.vnc = {VncMode::fixed, 5907};
  spec.memory_kib = 1024 * 1024;
  spec.vcpus = 1;
  expectGolden("db1_disk_boot.xml", buildDomainXml(spec));
}

TEST(DomainXml, VncOffHasNoGraphicsAndSpecialCharactersAreEscaped) {
  DomainSpec spec = applianceSpec();
  spec.vnc = {};
  spec.cmdline = "a=\"b\" <c> & d";
  std::string xml = buildDomainXml(spec);
  EXPECT_EQ(xml.find("<graphics"), std::string::npos);
  EXPECT_NE(xml.find("a=\"b\" &lt;c&gt; &amp; d"), std::string::npos) << xml;
}

TEST(DomainXml, ParsesBackWhatItBuilt) {
  DomainSpec spec = applianceSpec();
  auto facts = parseDomainXml(buildDomainXml(spec));
  ASSERT_TRUE(facts.ok()) << facts.error().message();
  EXPECT_EQ(facts->name, "node4");
  EXPECT_EQ(facts->uuid, spec.uuid);
  EXPECT_TRUE(facts->owned);
  EXPECT_EQ(facts->digest, specDigest(spec));
  EXPECT_EQ(facts->memory_kib, 512u * 1024);
  EXPECT_EQ(facts->vcpus, 2);
  EXPECT_EQ(facts->disk, "/virhost/kvm_node/node4.qcow2");
  EXPECT_EQ(facts->macs, (std::vector<std::string>{spec.nics[0].mac, spec.nics[1].mac}));
  EXPECT_FALSE(facts->vnc_port);
}

TEST(DomainXml, ParsesLiveXmlWithOtherPrefixUnitsTapsAndPort) {
  const char* xml = R"(<domain type='qemu' id='3'><name>n</name><uuid>u</uuid>
    <metadata><other:x xmlns:other="urn:someone-else"/><v:guest xmlns:v="https://vipd.dev/xmlns/libvirt/guest/1" digest="d1"/></metadata>
    <memory unit='MiB'>256</memory><vcpu placement='static'>3</vcpu>
    <devices><interface type='bridge'><mac address='02:76:70:00:00:01'/><target dev='vnet7'/></interface>
    <graphics type='vnc' port='5903' autoport='yes'/></devices></domain>)";
  auto facts = parseDomainXml(xml);
  ASSERT_TRUE(facts.ok());
  EXPECT_TRUE(facts->owned);
  EXPECT_EQ(facts->digest, "d1");
  EXPECT_EQ(facts->memory_kib, 256u * 1024);
  EXPECT_EQ(facts->vcpus, 3);
  EXPECT_EQ(facts->taps, std::vector<std::string>{"vnet7"});
  EXPECT_EQ(facts->vnc_port, 5903);
}

TEST(DomainXml, ForeignDomainIsNotOwnedAndGarbageIsAnError) {
  auto foreign = parseDomainXml("<domain><name>f</name><metadata><x:y xmlns:x='urn:x'/></metadata></domain>");
  ASSERT_TRUE(foreign.ok());
  EXPECT_FALSE(foreign->owned);
  EXPECT_FALSE(parseDomainXml("<domain><name>").ok());
  EXPECT_FALSE(parseDomainXml("<pool/>").ok());
}

TEST(SpecDigest, ChangesWithDefinitionButNotWithStateOrAutostart) {
  DomainSpec spec = applianceSpec();
  std::string base = specDigest(spec);
  DomainSpec other = spec;
  other.running = false;
  other.autostart = false;
  EXPECT_EQ(specDigest(other), base);
  other = spec;
  other.memory_kib += 1024;
  EXPECT_NE(specDigest(other), base);
  other = spec;
  other.nics[1].bridge = "br2";
  EXPECT_NE(specDigest(other), base);
  other = spec;
  other.vnc = {VncMode::fixed, 5900};
  EXPECT_NE(specDigest(other), base);
}

TEST(StorageXml, PoolAndOverlayGolden) {
  EXPECT_EQ(poolNameFor("/virhost/kvm_node"), poolNameFor("/virhost/kvm_node"));
  EXPECT_NE(poolNameFor("/virhost/kvm_node"), poolNameFor("/virhost/kvm_nodes"));
  expectGolden("pool.xml", dirPoolXml(poolNameFor("/virhost/kvm_node"), "/virhost/kvm_node"));
  expectGolden("overlay.xml", overlayVolumeXml({"node4.qcow2", 10737418240ull, "/virhost/kvm_node/node.img", "qcow2"}));
}

TEST(SplitPath, Table) {
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(splitPath("/a/b/c.qcow2"), (P{"/a/b", "c.qcow2"}));
  EXPECT_EQ(splitPath("/c.qcow2"), (P{"/", "c.qcow2"}));
  EXPECT_EQ(splitPath("c.qcow2"), (P{".", "c.qcow2"}));
}

}  // namespace
}  // namespace vipd::virt

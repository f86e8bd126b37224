// Fixed VNC ports against the host: the pure rule, and its errors at --check
// through conf::LoadOptions::vnc_ports_taken.
#include "virt/vnc_ports.hpp"

#include <gtest/gtest.h>

#include "conf/load.hpp"

namespace vipd::virt {
namespace {

using Ports = std::set<int>;

TEST(VncPorts, APortBoundByAnythingButVipdsOwnGuestsIsTaken) {
  Ports bound{5901, 5902};
  auto isBound = [&](int port) { return bound.contains(port); };
  EXPECT_EQ(vncPortsTakenByOthers({5900, 5901, 5902}, isBound, [] { return Ports{5902}; }), Ports{5901});
  EXPECT_EQ(vncPortsTakenByOthers({5900, 5901, 5902}, isBound, [] { return Ports{}; }), (Ports{5901, 5902}));
  EXPECT_EQ(vncPortsTakenByOthers({5901, 5902}, isBound, [] { return Ports{5901, 5902, 5903}; }), Ports{});
}

TEST(VncPorts, LibvirtIsAskedOnlyWhenAPortIsBound) {
  int asked = 0;
  auto own = [&] {
    ++asked;
    return Ports{};
  };
  EXPECT_EQ(vncPortsTakenByOthers(
                {5900, 5901}, [](int) { return false; }, own),
            Ports{});
  EXPECT_EQ(vncPortsTakenByOthers(
                {}, [](int) { return true; }, own),
            Ports{});
  EXPECT_EQ(asked, 0);
}

const char* kTwoGuests = R"([virt]
[[virt.guest]]
name = "node4"
vnc = 5901

[[virt.guest]]
name = "node5"
vnc = "auto"

[[virt.guest]]
name = "node6"
vnc = 5902
)";

TEST(VncPorts, ATakenPortIsAnErrorAtItsGuestsVncKey) {
  conf::LoadOptions options;
  Ports asked_about;
  options.vnc_ports_taken = [&](const conf::Virt& virt, const Ports& ports) {
    EXPECT_EQ(virt.guests.size(), 3u);
    asked_about = ports;
    return Ports{5902};
  };
  auto loaded = conf::loadString(kTwoGuests, "vipd.toml", options);
  EXPECT_EQ(asked_about, (Ports{5901, 5902}));  // "auto" is never asked about
  ASSERT_EQ(loaded.errors.size(), 1u);
  EXPECT_EQ(loaded.errors[0].str(), "vipd.toml:12:7: virt.guest[2].vnc: port 5902 is in use on this host");
}

TEST(VncPorts, WithoutTheHostCheckOrWithFreePortsTheConfigLoads) {
  EXPECT_TRUE(conf::loadString(kTwoGuests, "vipd.toml").config);
  conf::LoadOptions options;
  options.vnc_ports_taken = [](const conf::Virt&, const Ports&) { return Ports{}; };
  EXPECT_TRUE(conf::loadString(kTwoGuests, "vipd.toml", options).config);
}

}  // namespace
}  // namespace vipd::virt

// [virt] keys the virt subsystem added to the config: shutdown_timeout.
#include <gtest/gtest.h>

#include "conf/load.hpp"

namespace vipd {
namespace {

using namespace std::chrono_literals;

TEST(VirtConfig, ShutdownTimeoutIsOptionalAndPositive) {
  auto unset = conf::loadString("[virt]\nuri = \"test:///default\"\n", "vipd.toml");
  ASSERT_TRUE(unset.config);
  EXPECT_EQ(unset.config->virt.shutdown_timeout, std::nullopt);  // ControllerOptions' 30 s applies

  auto set = conf::loadString("[virt]\nshutdown_timeout = \"3s\"\n", "vipd.toml");
  ASSERT_TRUE(set.config);
  EXPECT_EQ(set.config->virt.shutdown_timeout, Duration(3s));

  auto zero = conf::loadString("[virt]\nshutdown_timeout = \"0s\"\n", "vipd.toml");
  ASSERT_EQ(zero.errors.size(), 1u);
  EXPECT_EQ(zero.errors[0].str(), "vipd.toml:2:20: virt.shutdown_timeout: must be greater than 0");
}

}  // namespace
}  // namespace vipd

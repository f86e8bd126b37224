// The real daemon in the IPVS test VM: a director namespace runs vipd with one
// NAT service, 3 real servers (labtool) under an http check and a sorry server
// with quorum 2. `ipvsadm -Ln` (an independent tool) must show a killed real
// server leave within fall x interval + timeout (+ an allowance for TCG), come
// back after rise once restarted, the sorry server go in when quorum is lost
// and out when it is regained.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/process.hpp"

namespace vipd::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kInterval = 200ms;
constexpr auto kTimeout = 150ms;
constexpr int kRise = 2;
constexpr int kFall = 2;
// TCG emulation, a process spawn per ipvsadm poll and a loaded 2-core host.
constexpr auto kAllowance = 1500ms;
constexpr auto kFailBound = kFall * kInterval + kTimeout + kAllowance;
// The first successful probe can come up to one interval after the restart.
constexpr auto kRiseBound = kRise * kInterval + kInterval + kAllowance;

const char* kVip = "203.0.113.100:80";
const std::string kServerAddress = "198.51.100.10";
const int kPorts[] = {8081, 8082, 8083};
const std::string kSorry = kServerAddress + ":8099";

std::string endpoint(int port) { return kServerAddress + ":" + std::to_string(port); }

std::string config(const std::string& socket) {
  std::ostringstream out;
  out << "[global]\nrouter_id = \"vm-director\"\ncontrol_socket = \"" << socket << "\"\n\n"
      << "[[ipvs.service]]\nname = \"web\"\naddress = \"" << kVip << "\"\nprotocol = \"tcp\"\n"
      << "scheduler = \"rr\"\nforwarding = \"nat\"\nsorry_server = \"" << kSorry << "\"\nquorum = 2\n\n"
      << "[ipvs.service.check]\ntype = \"http\"\npath = \"/\"\nexpect_body = \"rs\"\n"
      << "interval = \"" << kInterval.count() << "ms\"\ntimeout = \"" << kTimeout.count() << "ms\"\n"
      << "rise = " << kRise << "\nfall = " << kFall << "\n";
  for (int port : kPorts) out << "\n[[ipvs.service.real_server]]\naddress = \"" << endpoint(port) << "\"\nweight = 3\n";
  return out.str();
}

class ChecksVmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0 || ::access("/proc/net/ip_vs", F_OK) != 0)
      GTEST_SKIP() << "runs inside the IPVS test VM (tests/vm): needs root and IPVS";
    director_ = std::make_unique<NetNamespace>("hc-dir");
    servers_ = std::make_unique<NetNamespace>("hc-rs");
    const std::string veth = "hcv" + std::to_string(::getpid() % 100000);
    int status = 0;
    capture("ip link add " + veth + "a netns " + director_->name() + " type veth peer name " + veth + "b netns " +
                servers_->name() + " 2>&1 && ip -n " + director_->name() + " addr add 198.51.100.1/24 dev " + veth +
                "a && ip -n " + director_->name() + " link set " + veth + "a up && ip -n " + servers_->name() +
                " addr add " + kServerAddress + "/24 dev " + veth + "b && ip -n " + servers_->name() + " link set " +
                veth + "b up",
            &status);
    ASSERT_EQ(status, 0) << "veth setup failed";
    for (int port : kPorts) startServer(port);
    dir_.write("vipd.toml", config(dir_.file("vipd.sock")));
    vipd_ = Child::spawn(director_->exec({VIPD_BIN, "-f", dir_.file("vipd.toml")}), dir_.file("vipd.log"));
  }

  void startServer(int port) {
    servers[port] =
        Child::spawn(servers_->exec({LABTOOL_BIN, "serve", "rs" + std::to_string(port), std::to_string(port)}),
                     dir_.file("labtool.log"));
  }
  void killServer(int port) {
    servers[port].signal(SIGKILL);
    servers[port].waitExit(2s);
  }

  // The web service's destinations in `ipvsadm -Ln`: "ip:port" -> weight.
  std::map<std::string, int> table() {
    int status = 0;
    const std::string text =
        capture("ip netns exec " + director_->name() + " ipvsadm -Ln -t " + kVip + " 2>&1", &status);
    std::map<std::string, int> weights;
    if (status != 0) return weights;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream words(line);
      std::string arrow, address, forward;
      int weight = 0;
      if (words >> arrow >> address >> forward >> weight && arrow == "->" && address != "RemoteAddress:Port")
        weights[address] = weight;
    }
    last_table_ = text;
    return weights;
  }
  // Serving = in the table with a weight above 0 (a failed server is drained at weight 0, then deleted).
  bool serving(const std::string& destination) {
    auto weights = table();
    auto it = weights.find(destination);
    return it != weights.end() && it->second > 0;
  }
  bool absent(const std::string& destination) { return table().count(destination) == 0; }

  // How long until pred() held, or nullopt after `limit`.
  template <class Pred>
  std::optional<std::chrono::milliseconds> timeUntil(Pred pred, std::chrono::milliseconds limit) {
    const auto start = Clock::now();
    if (!eventually(pred, limit, 20ms)) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  }

  std::string log() { return capture("cat " + dir_.file("vipd.log") + " | tail -40") + "\n" + last_table_; }

  TempDir dir_;
  std::unique_ptr<NetNamespace> director_;
  std::unique_ptr<NetNamespace> servers_;
  std::map<int, Child> servers;
  Child vipd_;
  std::string last_table_;
};

TEST_F(ChecksVmTest, FailedRealServersLeaveAndReturnAndQuorumSwitchesTheSorryServer) {
  ASSERT_TRUE(eventually([&] { return serving(endpoint(8081)) && serving(endpoint(8082)) && serving(endpoint(8083)); },
                         10s, 50ms))
      << log();
  EXPECT_TRUE(absent(kSorry));
  std::printf("bounds: fail %lld ms, rise %lld ms (allowance %lld ms)\n",
              static_cast<long long>(std::chrono::milliseconds(kFailBound).count()),
              static_cast<long long>(std::chrono::milliseconds(kRiseBound).count()),
              static_cast<long long>(kAllowance.count()));

  // One real server dies: out of rotation within the bound, then deleted (no connections to drain).
  killServer(8081);
  auto left = timeUntil([&] { return !serving(endpoint(8081)); }, kFailBound);
  ASSERT_TRUE(left) << "still serving after " << kFailBound.count() << " ms\n" << log();
  std::printf("killed real server out of rotation after %lld ms\n", static_cast<long long>(left->count()));
  EXPECT_TRUE(eventually([&] { return absent(endpoint(8081)); }, 5s, 50ms)) << log();
  EXPECT_TRUE(serving(endpoint(8082)) && serving(endpoint(8083)));
  EXPECT_TRUE(absent(kSorry)) << "2 healthy = quorum";

  // It comes back after rise.
  startServer(8081);
  auto back = timeUntil([&] { return serving(endpoint(8081)); }, kRiseBound);
  ASSERT_TRUE(back) << "not back after " << kRiseBound.count() << " ms\n" << log();
  std::printf("restarted real server back after %lld ms\n", static_cast<long long>(back->count()));
  EXPECT_EQ(table().at(endpoint(8081)), 3);

  // Two die: 1 healthy < quorum 2 puts the sorry server in.
  killServer(8081);
  killServer(8082);
  auto sorry_in = timeUntil([&] { return serving(kSorry); }, kFailBound);
  ASSERT_TRUE(sorry_in) << "no sorry server after " << kFailBound.count() << " ms\n" << log();
  std::printf("quorum lost: sorry server in after %lld ms\n", static_cast<long long>(sorry_in->count()));
  EXPECT_FALSE(serving(endpoint(8083))) << "below quorum only the sorry server serves\n" << last_table_;

  // One returns: quorum regained, the sorry server goes out and the healthy ones serve.
  startServer(8082);
  auto sorry_out =
      timeUntil([&] { return !serving(kSorry) && serving(endpoint(8082)) && serving(endpoint(8083)); }, kRiseBound);
  ASSERT_TRUE(sorry_out) << "sorry server still in after " << kRiseBound.count() << " ms\n" << log();
  std::printf("quorum regained: sorry server out after %lld ms\n", static_cast<long long>(sorry_out->count()));
  EXPECT_TRUE(eventually([&] { return absent(kSorry); }, 5s, 50ms)) << log();
  EXPECT_FALSE(serving(endpoint(8081)));

  // The daemon counted and logged the transitions.
  const std::string logged = capture("cat " + dir_.file("vipd.log"));
  EXPECT_NE(logged.find("lost quorum"), std::string::npos) << log();
  EXPECT_NE(logged.find("has quorum"), std::string::npos) << log();
}

}  // namespace
}  // namespace vipd::test

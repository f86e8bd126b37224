// Half-open tcp probes through the real kernel on loopback (raw sockets: root).
#include <gtest/gtest.h>

#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>

#include <cstring>
#include <functional>
#include <list>
#include <optional>

#include "conf/config.hpp"
#include "healthcheck/syn_prober.hpp"
#include "healthcheck/tcp_checker.hpp"
#include "tests/healthcheck/process_test_support.hpp"

namespace vipd::healthcheck {
namespace {

using namespace std::chrono_literals;
using boost::system::error_code;
using vipd::testing::runUntil;

class SynProberTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "raw sockets need root (CAP_NET_RAW)";
    ASSERT_TRUE(prober.available(false));
    ASSERT_TRUE(prober.available(true));
  }

  asio::ip::tcp::endpoint listening(const char* address, int backlog = 16) {
    listeners.emplace_back(io, asio::ip::tcp::endpoint{asio::ip::make_address(address), 0});
    listeners.back().listen(backlog);
    return listeners.back().local_endpoint();
  }
  asio::ip::tcp::endpoint closedPort(const char* address) {
    asio::ip::tcp::acceptor bound(io, {asio::ip::make_address(address), 0});
    return bound.local_endpoint();
  }

  std::optional<error_code> probeOnce(const asio::ip::tcp::endpoint& target) {
    std::optional<error_code> result;
    prober.probe(target, [&](error_code ec) { result = ec; });
    EXPECT_FALSE(result);  // never inline
    runUntil(
        io, [&] { return result.has_value(); }, 3s);
    return result;
  }

  // Nothing waits in the listener's accept queue: the probe made no connection.
  static bool nothingToAccept(asio::ip::tcp::acceptor& listener) {
    listener.non_blocking(true);
    asio::ip::tcp::socket socket(listener.get_executor());
    error_code ec;
    listener.accept(socket, ec);
    return ec == asio::error::would_block;
  }

  asio::io_context io;
  SynProber& prober = asio::use_service<SynProber>(io);
  std::list<asio::ip::tcp::acceptor> listeners;
};

TEST_F(SynProberTest, ListeningAcceptsClosedRefusesBothFamilies) {
  for (const char* address : {"127.0.0.1", "::1"}) {
    SCOPED_TRACE(address);
    auto up = probeOnce(listening(address));
    ASSERT_TRUE(up);
    EXPECT_FALSE(*up) << up->message();
    EXPECT_TRUE(nothingToAccept(listeners.back()));
    auto refused = probeOnce(closedPort(address));
    ASSERT_TRUE(refused);
    EXPECT_EQ(*refused, asio::error::connection_refused) << refused->message();
  }
  EXPECT_EQ(prober.pending(), 0u);
}

// A listener whose accept queue is full drops SYNs: no answer, as a connect() would get none.
TEST_F(SynProberTest, FullAcceptQueueGivesNoAnswerAndCancelForgets) {
  const auto target = listening("127.0.0.1", 0);
  asio::ip::tcp::socket filler(io);
  filler.connect(target);  // backlog 0 holds one connection
  bool called = false;
  const SynProber::Handle handle = prober.probe(target, [&](error_code) { called = true; });
  io.run_for(300ms);
  io.restart();
  EXPECT_FALSE(called);
  EXPECT_EQ(prober.pending(), 1u);
  prober.cancel(handle);
  EXPECT_EQ(prober.pending(), 0u);
  io.run_for(50ms);
  EXPECT_FALSE(called);
}

TEST_F(SynProberTest, ManyProbesEachAnsweredOnce) {
  const auto up = listening("127.0.0.1", 512);
  const auto refused = closedPort("127.0.0.1");
  constexpr int kEach = 300;
  std::vector<int> answers(2 * kEach, 0);
  int accepted = 0, failed = 0;
  for (int i = 0; i < 2 * kEach; ++i) {
    const bool to_up = i % 2 == 0;
    prober.probe(to_up ? up : refused, [&, i, to_up](error_code ec) {
      ++answers[i];
      if (!ec && to_up) ++accepted;
      if (ec == asio::error::connection_refused && !to_up) ++failed;
    });
  }
  runUntil(
      io, [&] { return accepted + failed == 2 * kEach; }, 5s);
  io.run_for(50ms);
  EXPECT_EQ(accepted, kEach);
  EXPECT_EQ(failed, kEach);
  for (int count : answers) EXPECT_EQ(count, 1);
  EXPECT_EQ(prober.pending(), 0u);
}

// The answers' port is taken: no connection of this host can be given it.
TEST_F(SynProberTest, LocalPortIsReserved) {
  for (bool v6 : {false, true}) {
    const int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    asio::ip::tcp::endpoint local(v6 ? asio::ip::tcp::v6() : asio::ip::tcp::v4(), prober.localPort(v6));
    EXPECT_NE(::bind(fd, local.data(), static_cast<socklen_t>(local.size())), 0);
    EXPECT_EQ(errno, EADDRINUSE);
    ::close(fd);
  }
}

// The tcp checker probes half-open by default and in full with handshake = "full".
TEST_F(SynProberTest, TcpCheckerChoosesByHandshake) {
  listening("127.0.0.1");
  for (bool half_open : {true, false}) {
    conf::HealthCheck check;
    check.timeout = 500ms;
    check.half_open = half_open;
    Endpoint target{*IpAddress::parse("127.0.0.1"), listeners.back().local_endpoint().port()};
    TcpChecker checker(io, makeCheckSpec(check, target));
    std::optional<ProbeResult> result;
    checker.probe([&](ProbeResult r) { result = std::move(r); });
    runUntil(
        io, [&] { return result.has_value(); }, 3s);
    ASSERT_TRUE(result);
    EXPECT_TRUE(result->success) << result->error;
    EXPECT_EQ(nothingToAccept(listeners.back()), half_open);
  }
}

// Two namespaces joined by a veth pair; the server side checks every
// checksum itself (rx checksum offload off: a veth otherwise marks packets
// from its peer as verified, as loopback does). Removed by name.
class VerifyingPair {
 public:
  VerifyingPair()
      : client_("hcsyn" + std::to_string(::getpid()) + "c"), server_("hcsyn" + std::to_string(::getpid()) + "s") {
    sh("ip netns add " + client_ + " && ip netns add " + server_ + " && ip link add eth0 netns " + client_ +
       " type veth peer name eth0 netns " + server_);
    for (const auto& [ns, host] : {std::pair{client_, "1"}, std::pair{server_, "2"}}) {
      sh("ip -n " + ns + " addr add 198.51.100." + host + "/24 dev eth0 && ip -n " + ns + " addr add 2001:db8::" +
         host + "/64 dev eth0 nodad && ip -n " + ns + " link set eth0 up && ip -n " + ns + " link set lo up");
    }
  }
  ~VerifyingPair() {
    std::system(("ip netns del " + client_ + " 2>/dev/null; ip netns del " + server_ + " 2>/dev/null").c_str());
  }

  // Runs `work` with the calling thread in the namespace (its sockets stay there).
  void inClient(const std::function<void()>& work) const { inNamespace(client_, work); }
  void inServer(const std::function<void()>& work) const { inNamespace(server_, work); }

  static void rxChecksumOffloadOff(const char* interface) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ethtool_value value{ETHTOOL_SRXCSUM, 0};
    ifreq request{};
    std::snprintf(request.ifr_name, IFNAMSIZ, "%s", interface);
    request.ifr_data = reinterpret_cast<char*>(&value);
    EXPECT_EQ(::ioctl(fd, SIOCETHTOOL, &request), 0) << std::strerror(errno);
    ::close(fd);
  }

 private:
  static void sh(const std::string& command) { ASSERT_EQ(std::system(command.c_str()), 0) << command; }
  static void inNamespace(const std::string& name, const std::function<void()>& work) {
    const int original = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    const int target = ::open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_EQ(::setns(target, CLONE_NEWNET), 0) << name;
    work();
    EXPECT_EQ(::setns(original, CLONE_NEWNET), 0);
    ::close(target);
    ::close(original);
  }

  std::string client_, server_;
};

// The SYN's checksum (IPv4: vipd's; IPv6: the kernel's) passes a receiver
// that verifies it; a wrong one would go unanswered (timeout).
TEST(SynProberVeth, ChecksumsPassAVerifyingReceiver) {
  if (::geteuid() != 0) GTEST_SKIP() << "namespaces and raw sockets need root";
  VerifyingPair pair;
  asio::io_context io;
  std::list<asio::ip::tcp::acceptor> listeners;
  pair.inServer([&] {
    VerifyingPair::rxChecksumOffloadOff("eth0");
    for (const char* address : {"198.51.100.2", "2001:db8::2"}) {
      listeners.emplace_back(io, asio::ip::tcp::endpoint{asio::ip::make_address(address), 8080});
      listeners.back().listen(16);
    }
  });
  pair.inClient([&] {
    // The link is usable once a full connect gets through (a veth drops what it sends before its carrier is up).
    for (const auto& listener : listeners) {
      ASSERT_TRUE(vipd::testing::runUntil(
          io,
          [&] {
            asio::ip::tcp::socket socket(io);
            error_code ec;
            socket.connect(listener.local_endpoint(), ec);
            return !ec;
          },
          3s));
    }
    SynProber& prober = asio::use_service<SynProber>(io);
    for (const auto& listener : listeners) {
      std::optional<error_code> result;
      prober.probe(listener.local_endpoint(), [&](error_code ec) { result = ec; });
      runUntil(
          io, [&] { return result.has_value(); }, 2s);
      ASSERT_TRUE(result) << listener.local_endpoint() << ": no answer";
      EXPECT_FALSE(*result) << result->message();
    }
  });
}

}  // namespace
}  // namespace vipd::healthcheck

// Real checkers against real servers on loopback.
#include <gtest/gtest.h>

#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <optional>

#include "conf/config.hpp"
#include "healthcheck/connect_waiter.hpp"
#include "healthcheck/http_checker.hpp"
#include "healthcheck/http_exchange.hpp"
#include "healthcheck/monitor.hpp"
#include "healthcheck/script_checker.hpp"
#include "healthcheck/tcp_checker.hpp"
#include "tests/healthcheck/process_test_support.hpp"
#include "tests/healthcheck/test_http_server.hpp"

namespace vipd::healthcheck {
namespace {

using namespace std::chrono_literals;
using vipd::testing::runUntil;
using vipd::testing::TestHttpServer;

class CheckersTest : public ::testing::Test {
 protected:
  CheckSpec spec(conf::CheckType type, uint16_t port) {
    conf::HealthCheck check;
    check.type = type;
    check.timeout = 200ms;
    Endpoint target;
    target.address = *IpAddress::parse("127.0.0.1");
    target.port = port;
    return makeCheckSpec(check, target);
  }

  ProbeResult probeOnce(Checker& checker) {
    std::optional<ProbeResult> result;
    checker.probe([&](ProbeResult r) { result = std::move(r); });
    EXPECT_FALSE(result.has_value());  // never inline
    EXPECT_TRUE(runUntil(
        io, [&] { return result.has_value(); }, 3s));
    return result.value_or(ProbeResult{false, "no result", Duration(0)});
  }

  CheckSpec httpSpec(std::function<void(conf::HealthCheck&)> change = {}) {
    CheckSpec s = spec(conf::CheckType::http, server.port());
    if (change) change(s.params);
    return s;
  }

  // One probe of a new checker: on a new connection.
  ProbeResult http(std::function<void(conf::HealthCheck&)> change = {}) {
    HttpChecker checker(io, httpSpec(std::move(change)));
    return probeOnce(checker);
  }

  // `count` probes in turn, each expected to pass.
  void passes(Checker& checker, int count) {
    for (int i = 0; i < count; ++i) {
      const ProbeResult result = probeOnce(checker);
      ASSERT_TRUE(result.success) << "probe " << i << ": " << result.error;
    }
  }

  static std::size_t openDescriptors() {
    return static_cast<std::size_t>(
        std::distance(std::filesystem::directory_iterator("/proc/self/fd"), std::filesystem::directory_iterator()));
  }

  asio::io_context io;
  TestHttpServer server{io};
  ConnectWaiter& waiter = asio::use_service<ConnectWaiter>(io);
};

TEST_F(CheckersTest, TcpConnectsOrFails) {
  TcpChecker up(io, spec(conf::CheckType::tcp, server.port()));
  const ProbeResult ok = probeOnce(up);
  EXPECT_TRUE(ok.success) << ok.error;
  server.down();
  const ProbeResult refused = probeOnce(up);
  EXPECT_FALSE(refused.success);
  EXPECT_NE(refused.error.find("refused"), std::string::npos) << refused.error;
}

// The check closes with RST (SO_LINGER {1, 0}) by default: the server reads
// ECONNRESET, not EOF; with close = "graceful" it reads EOF.
TEST_F(CheckersTest, TcpClosesWithAReset) {
  asio::ip::tcp::acceptor listener(io, {asio::ip::make_address("127.0.0.1"), 0});
  CheckSpec full = spec(conf::CheckType::tcp, listener.local_endpoint().port());
  full.params.half_open = false;  // a half-open probe never reaches accept() (syn_prober_test)
  TcpChecker checker(io, full);
  const ProbeResult ok = probeOnce(checker);
  ASSERT_TRUE(ok.success) << ok.error;
  asio::ip::tcp::socket accepted(io);
  listener.accept(accepted);
  char byte = 0;
  boost::system::error_code ec;
  accepted.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, asio::error::connection_reset) << ec.message();

  // close = "graceful": FIN, the server reads the end of the stream.
  CheckSpec graceful = spec(conf::CheckType::tcp, listener.local_endpoint().port());
  graceful.params.graceful_close = true;
  TcpChecker fin(io, graceful);
  ASSERT_TRUE(probeOnce(fin).success);
  asio::ip::tcp::socket accepted_fin(io);
  listener.accept(accepted_fin);
  accepted_fin.read_some(asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, asio::error::eof) << ec.message();
}

// Many connects at once through the shared epoll set: each answers exactly
// once (refused ones too), a closed one never, and nothing stays pending.
TEST_F(CheckersTest, ConnectWaiterAnswersEachConnectOnce) {
  asio::ip::tcp::acceptor listener(io, {asio::ip::make_address("127.0.0.1"), 0});
  listener.listen(512);
  const asio::ip::tcp::endpoint up = listener.local_endpoint();
  asio::ip::tcp::endpoint refused = up;
  {
    asio::ip::tcp::acceptor closed(io, {asio::ip::make_address("127.0.0.1"), 0});
    refused = closed.local_endpoint();
  }
  ConnectWaiter& waiter = asio::use_service<ConnectWaiter>(io);
  constexpr int kEach = 300;
  std::vector<int> answers(2 * kEach + 1, 0);
  int connected = 0, failed = 0;
  std::vector<int> sockets;
  for (int i = 0; i < 2 * kEach + 1; ++i) {
    const bool to_up = i % 2 == 0;
    sockets.push_back(waiter.connect(to_up ? up : refused, true, [&, i, to_up](const boost::system::error_code& ec) {
      ++answers[i];
      if (!ec && to_up) ++connected;
      if (ec == asio::error::connection_refused && !to_up) ++failed;
    }));
  }
  waiter.close(sockets.back());  // closed before it answers: never called
  ASSERT_TRUE(runUntil(
      io, [&] { return connected == kEach && failed == kEach; }, 5s))
      << connected << " connected, " << failed << " refused";
  io.poll();
  for (int i = 0; i < 2 * kEach; ++i) EXPECT_EQ(answers[i], 1) << i;
  EXPECT_EQ(answers.back(), 0);
  EXPECT_EQ(waiter.pending(), 0u);
  for (int i = 0; i < 2 * kEach; ++i) waiter.close(sockets[i]);
}

// A socket that resets on close is kept after close() (disconnected through
// connect(AF_UNSPEC)) and taken by the next connect: each connection is still
// a new one that the server sees reset; a refused connect or one ended while
// its SYN was unanswered leaves no error behind for the next; FIN sockets are
// never kept.
TEST_F(CheckersTest, ConnectWaiterReusesResetSockets) {
  ConnectWaiter& waiter = asio::use_service<ConnectWaiter>(io);
  asio::ip::tcp::acceptor listener(io, {asio::ip::make_address("127.0.0.1"), 0});
  listener.listen(0);  // accept queue of one: a second connection's SYN is dropped
  const asio::ip::tcp::endpoint up = listener.local_endpoint();
  asio::ip::tcp::endpoint refused;
  {
    asio::ip::tcp::acceptor closed(io, {asio::ip::make_address("127.0.0.1"), 0});
    refused = closed.local_endpoint();
  }
  auto connectOnce = [&](const asio::ip::tcp::endpoint& target, bool reset, int& fd) {
    std::optional<boost::system::error_code> result;
    fd = waiter.connect(target, reset, [&](const boost::system::error_code& ec) { result = ec; });
    EXPECT_TRUE(runUntil(
        io, [&] { return result.has_value(); }, 3s));
    return result.value_or(asio::error::timed_out);
  };
  auto serverReads = [&] {
    asio::ip::tcp::socket accepted(io);
    asio::ip::tcp::endpoint peer;
    listener.accept(accepted, peer);  // the peer from accept(): a reset socket has none any more
    char byte = 0;
    boost::system::error_code ec;
    accepted.read_some(asio::buffer(&byte, 1), ec);
    return std::make_pair(ec, peer.port());
  };

  int first = -1, fd = -1;
  ASSERT_FALSE(connectOnce(up, true, first));
  waiter.close(first);
  EXPECT_EQ(waiter.idle(), 1u);
  const auto [first_read, first_port] = serverReads();
  EXPECT_EQ(first_read, asio::error::connection_reset) << first_read.message();

  ASSERT_FALSE(connectOnce(up, true, fd));
  EXPECT_EQ(fd, first);  // the same socket
  EXPECT_EQ(waiter.idle(), 0u);
  waiter.close(fd);
  waiter.close(fd);  // idempotent: kept once
  EXPECT_EQ(waiter.idle(), 1u);
  const auto [second_read, second_port] = serverReads();
  EXPECT_EQ(second_read, asio::error::connection_reset) << second_read.message();
  EXPECT_NE(second_port, first_port);  // a new connection

  // Refused at once (fd -1, the socket kept) or later (closed here); kept either way.
  EXPECT_EQ(connectOnce(refused, true, fd), asio::error::connection_refused);
  waiter.close(fd);
  EXPECT_EQ(waiter.idle(), 1u);
  ASSERT_FALSE(connectOnce(up, true, fd));
  EXPECT_EQ(fd, first);
  waiter.close(fd);
  serverReads();

  // Fill the accept queue; the next SYN goes unanswered and the connect is ended while pending.
  asio::ip::tcp::socket queued(io);
  queued.connect(up);
  bool answered = false;
  fd = waiter.connect(up, true, [&](const boost::system::error_code&) { answered = true; });
  EXPECT_EQ(fd, first);
  io.run_for(100ms);
  ASSERT_FALSE(answered);
  waiter.close(fd);
  io.run_for(50ms);  // the disconnect's HUP, if any, must not reach anyone
  EXPECT_FALSE(answered);
  queued.close();
  serverReads();  // frees the queue
  ASSERT_FALSE(connectOnce(up, true, fd));
  EXPECT_EQ(fd, first);
  waiter.close(fd);
  serverReads();

  // close = "graceful" (FIN): a fresh socket, closed, not kept.
  ASSERT_FALSE(connectOnce(up, false, fd));
  EXPECT_NE(fd, first);
  waiter.close(fd);
  EXPECT_EQ(waiter.idle(), 1u);
  EXPECT_EQ(serverReads().first, asio::error::eof);
  EXPECT_EQ(waiter.pending(), 0u);
}

TEST_F(CheckersTest, HttpHealthyAnswerPasses) {
  const ProbeResult result = http([](auto& c) {
    c.expect_body = "from vipd";
    c.host = "www.example.test";
  });
  EXPECT_TRUE(result.success) << result.error;
  EXPECT_NE(server.last_request.find("GET / HTTP/1.0\r\nHost: www.example.test\r\n"), std::string::npos);
}

// keepalive (the default): one connection for every probe, each a request
// (HTTP/1.0, Connection: keep-alive) and its answer; it stays in the
// ConnectWaiter between probes with nothing awaited, armed for reading
// once: two epoll_ctl calls (connect, first read), not one more per request.
TEST_F(CheckersTest, PlainHttpKeepsItsConnectionFromProbeToProbe) {
  HttpChecker checker(io, httpSpec());
  const std::size_t epoll_changes = waiter.epollChanges();
  passes(checker, 5);
  EXPECT_EQ(waiter.epollChanges() - epoll_changes, 2u);
  EXPECT_EQ(server.connections, 1);
  EXPECT_EQ(server.requests, 5);
  EXPECT_NE(server.last_request.find("GET / HTTP/1.0\r\n"), std::string::npos);
  EXPECT_NE(server.last_request.find("\r\nConnection: keep-alive\r\n"), std::string::npos) << server.last_request;
  EXPECT_EQ(waiter.inUse(), 1u);
  EXPECT_EQ(waiter.pending(), 0u);
}

// keepalive = false: a connection per probe (Connection: close), even to a
// server that would keep it; the socket is reset and kept by the ConnectWaiter
// for the next connect, or closed with close = "graceful".
TEST_F(CheckersTest, PlainHttpWithoutKeepaliveConnectsPerProbe) {
  server.persistence = TestHttpServer::Persistence::http11;
  HttpChecker checker(io, httpSpec([](auto& c) { c.keepalive = false; }));
  passes(checker, 3);
  EXPECT_EQ(server.connections, 3);
  EXPECT_NE(server.last_request.find("\r\nConnection: close\r\n"), std::string::npos) << server.last_request;
  EXPECT_EQ(waiter.inUse(), 0u);
  EXPECT_EQ(waiter.idle(), 1u);  // one socket, reset and kept each time
  CheckSpec fin = httpSpec([](auto& c) { c.keepalive = false; });
  fin.params.graceful_close = true;
  HttpChecker graceful(io, fin);
  passes(graceful, 1);
  EXPECT_EQ(server.connections, 4);
  EXPECT_EQ(waiter.inUse(), 0u);
  EXPECT_EQ(waiter.pending(), 0u);
}

// Only an answer framed by Content-Length whose headers keep the connection
// lets the next probe use it. The servers that say otherwise still read on
// it: a probe sent there would be counted.
TEST_F(CheckersTest, OnlyAnswersThatKeepTheConnectionAreFollowedOnIt) {
  using P = TestHttpServer::Persistence;
  struct Row {
    const char* what;
    P persistence;
    int connections;  // for 3 probes
  };
  const Row rows[] = {
      {"HTTP/1.0, Connection: keep-alive", P::asked, 1},        // kept
      {"HTTP/1.1 without Connection", P::http11, 1},            // kept
      {"HTTP/1.1, Connection: close", P::says_close, 3},        // closed
      {"HTTP/1.0 without Connection", P::http10_bare, 3},       // closed
      {"no Content-Length (ended by a FIN)", P::no_length, 3},  // closed
  };
  for (const auto& row : rows) {
    server.persistence = row.persistence;
    const int connections = server.connections, requests = server.requests;
    {
      HttpChecker checker(io, httpSpec());
      passes(checker, 3);
    }
    EXPECT_EQ(server.connections - connections, row.connections) << row.what;
    EXPECT_EQ(server.requests - requests, 3) << row.what;
  }
}

// A failing verdict ends the connection, even when the answer would keep it:
// the next probe starts afresh.
TEST_F(CheckersTest, FailedProbeEndsTheKeptConnection) {
  HttpChecker checker(io, httpSpec());
  passes(checker, 2);
  server.mode = TestHttpServer::Mode::status500;
  EXPECT_EQ(probeOnce(checker).error, "unexpected status 500");
  EXPECT_EQ(server.connections, 1);  // the 500 came on the kept connection
  server.mode = TestHttpServer::Mode::ok;
  passes(checker, 2);
  EXPECT_EQ(server.connections, 2);
  EXPECT_EQ(server.requests, 5);
}

TEST_F(CheckersTest, ConnectionCarriesAtMostItsRequestLimit) {
  HttpChecker checker(io, httpSpec());
  passes(checker, HttpChecker::kMaxRequestsPerConnection);
  EXPECT_EQ(server.connections, 1);
  passes(checker, 1);
  EXPECT_EQ(server.connections, 2);
  EXPECT_EQ(server.requests, HttpChecker::kMaxRequestsPerConnection + 1);
}

// The server closes the kept connection while it is idle (FIN, then RST):
// the probe that finds it closed tries once more on a new connection, within
// its deadline, and reports once.
TEST_F(CheckersTest, KeptConnectionClosedByTheServerIsRetriedOnANewOne) {
  HttpChecker checker(io, httpSpec());
  passes(checker, 2);
  ASSERT_EQ(server.connections, 1);
  for (const bool reset : {false, true}) {
    server.dropConnections(reset);
    // The idle connection's end is reported once, not on every turn of the loop.
    EXPECT_LT(io.run_for(20ms), 5u) << (reset ? "reset" : "FIN");
    int results = 0;
    std::optional<ProbeResult> result;
    checker.probe([&](ProbeResult r) {
      ++results;
      result = std::move(r);
    });
    ASSERT_TRUE(runUntil(
        io, [&] { return result.has_value(); }, 3s));
    io.run_for(50ms);
    EXPECT_TRUE(result->success) << (reset ? "reset: " : "FIN: ") << result->error;
    EXPECT_EQ(results, 1);
    passes(checker, 1);  // kept again
  }
  EXPECT_EQ(server.connections, 3);
  EXPECT_EQ(server.requests, 6);
}

// A kept connection that goes silent fails the probe by its timeout and is
// dropped; a server gone (listener and connections closed) fails it after
// the one retry.
TEST_F(CheckersTest, KeptConnectionFailures) {
  HttpChecker checker(io, httpSpec());
  passes(checker, 1);
  server.mode = TestHttpServer::Mode::silent;
  EXPECT_EQ(probeOnce(checker).error, "timed out after 200ms");
  EXPECT_EQ(server.connections, 1);
  EXPECT_EQ(server.requests, 2);
  server.mode = TestHttpServer::Mode::ok;
  passes(checker, 2);
  EXPECT_EQ(server.connections, 2);

  server.down();
  const ProbeResult gone = probeOnce(checker);
  EXPECT_FALSE(gone.success);
  EXPECT_EQ(gone.error, "connect: Connection refused");
  EXPECT_EQ(waiter.inUse(), 0u);
}

// The kept connection belongs to the checker: cancel() and the destructor
// close it, a probe in flight too, and no descriptor is left behind (beyond
// the reset sockets the ConnectWaiter keeps for later connects).
TEST_F(CheckersTest, KeptConnectionEndsWithItsChecker) {
  passes(*std::make_unique<HttpChecker>(io, httpSpec()), 1);  // the ConnectWaiter's own descriptors
  const std::size_t descriptors = openDescriptors(), idle = waiter.idle();
  {
    HttpChecker checker(io, httpSpec());
    passes(checker, 2);
    EXPECT_EQ(waiter.inUse(), 1u);
    checker.cancel();
    EXPECT_EQ(waiter.inUse(), 0u);
    passes(checker, 2);
    EXPECT_EQ(waiter.inUse(), 1u);
  }
  EXPECT_EQ(waiter.inUse(), 0u);
  EXPECT_LT(io.run_for(20ms), 5u);  // its socket, disconnected and kept idle, reports its hang-up once at most
  {
    HttpChecker checker(io, httpSpec([](auto& c) { c.graceful_close = true; }));
    passes(checker, 2);
    server.mode = TestHttpServer::Mode::silent;
    checker.probe([](ProbeResult) { ADD_FAILURE() << "called after its checker ended"; });
    io.run_for(20ms);
  }
  io.run_for(50ms);
  EXPECT_EQ(waiter.inUse(), 0u);
  EXPECT_EQ(waiter.pending(), 0u);
  EXPECT_EQ(openDescriptors() - descriptors, waiter.idle() - idle);
  EXPECT_EQ(server.connections, 4);
}

TEST_F(CheckersTest, HttpFailureTable) {
  struct Row {
    const char* what;
    TestHttpServer::Mode mode;
    std::function<void(conf::HealthCheck&)> change;
    const char* error_part;
  };
  const Row rows[] = {
      {"500", TestHttpServer::Mode::status500, {}, "unexpected status 500"},
      {"never answers", TestHttpServer::Mode::silent, {}, "timed out after 200ms"},
      {"answers too slowly", TestHttpServer::Mode::slow, {}, "timed out"},
      {"resets", TestHttpServer::Mode::reset, {}, ""},
      {"wrong body", TestHttpServer::Mode::ok, [](auto& c) { c.expect_body = "welcome"; }, "expect_body"},
      {"wrong body regex", TestHttpServer::Mode::ok,
       [](auto& c) {
         c.expect_body = "^bye";
         c.expect_body_regex = true;
       },
       "expect_body"},
      {"wrong digest", TestHttpServer::Mode::ok, [](auto& c) { c.digest = "md5:00000000000000000000000000000000"; },
       "md5 digest"},
  };
  // The server's failures also on a connection kept from a passing probe.
  for (const bool kept : {false, true}) {
    for (const auto& row : rows) {
      if (kept && row.change) continue;
      const std::string what = std::string(row.what) + (kept ? ", on a kept connection" : "");
      HttpChecker checker(io, httpSpec(row.change));
      server.mode = TestHttpServer::Mode::ok;
      const int connections = server.connections;
      if (kept) {
        ASSERT_TRUE(probeOnce(checker).success) << what;
      }
      server.mode = row.mode;
      const ProbeResult result = probeOnce(checker);
      EXPECT_FALSE(result.success) << what;
      EXPECT_NE(result.error.find(row.error_part), std::string::npos) << what << ": " << result.error;
      EXPECT_LT(result.latency, 1s) << what;
      // A reset kept connection is retried once on a new one, reset too.
      EXPECT_EQ(server.connections - connections, kept && row.mode == TestHttpServer::Mode::reset ? 2 : 1) << what;
    }
  }
}

TEST_F(CheckersTest, HttpDigestAndStatusListPass) {
  server.mode = TestHttpServer::Mode::status500;
  const std::string digest = "sha256:" + hexDigest("sha256", server.body);
  const ProbeResult result = http([&](auto& c) {
    c.expect_status = {200, 500};
    c.digest = digest;
    c.expect_body = "h.llo";
    c.expect_body_regex = true;
  });
  EXPECT_TRUE(result.success) << result.error;
}

TEST_F(CheckersTest, HttpsAgainstAPlainServerFails) {
  // The plain server waits for a request head that a TLS ClientHello never completes.
  const ProbeResult result = http([](auto& c) { c.tls = true; });
  EXPECT_FALSE(result.success);
  EXPECT_EQ(result.error, "timed out after 200ms");
  EXPECT_EQ(server.requests, 0);
}

TEST_F(CheckersTest, CancelledProbeNeverCallsBack) {
  server.mode = TestHttpServer::Mode::silent;
  HttpChecker checker(io, spec(conf::CheckType::http, server.port()));
  bool called = false;
  checker.probe([&](ProbeResult) { called = true; });
  io.run_for(20ms);
  checker.cancel();
  io.run_for(300ms);
  EXPECT_FALSE(called);
}

TEST_F(CheckersTest, ScriptExitStatusDecidesAndHangIsKilled) {
  ASSERT_TRUE(process::adoptOrphans().ok());
  process::ProcessRunner runner(io);
  auto scriptSpec = [&](std::vector<std::string> argv) {
    CheckSpec s = spec(conf::CheckType::script, server.port());
    s.params.command = std::move(argv);
    return s;
  };
  const std::string user = geteuid() == 0 ? "nobody" : getpwuid(geteuid())->pw_name;
  ScriptChecker ok(runner, scriptSpec({"/bin/sh", "-c", "test \"$VIPD_TARGET_ADDRESS\" = 127.0.0.1"}), user);
  EXPECT_TRUE(probeOnce(ok).success);
  ScriptChecker failing(runner, scriptSpec({"/bin/sh", "-c", "echo backend down; exit 2"}), user);
  EXPECT_EQ(probeOnce(failing).error, "exit status 2: backend down");

  ScriptChecker hanging(runner, scriptSpec({"/bin/sh", "-c", "echo $$; sleep 30 & sleep 30"}), user);
  const ProbeResult hung = probeOnce(hanging);
  EXPECT_FALSE(hung.success);
  ASSERT_EQ(hung.error.rfind("timed out after", 0), 0u) << hung.error;
  const pid_t pgid = std::stoi(hung.error.substr(hung.error.find(": ") + 2));
  EXPECT_TRUE(runUntil(
      io, [&] { return vipd::testing::processesInGroup(pgid).empty(); }, 3s))
      << ::testing::PrintToString(vipd::testing::processesInGroup(pgid));
}

TEST_F(CheckersTest, MonitorFollowsARealServerWithinTheBounds) {
  process::ProcessRunner runner(io);
  std::map<std::string, bool> health;
  Monitor monitor(io, realCheckers(io, runner),
                  {[&](const std::string& s, const Endpoint&, bool healthy) { health[s] = healthy; }, {}});
  conf::Config config;
  conf::IpvsService service;
  service.name = "web";
  conf::HealthCheck check;
  check.type = conf::CheckType::http;
  check.interval = 50ms;
  check.timeout = 40ms;
  check.rise = 2;
  check.fall = 3;
  service.checks = {check};
  conf::RealServer real_server;
  real_server.address = *Endpoint::parse("127.0.0.1:" + std::to_string(server.port()));
  service.real_servers = {real_server};
  config.ipvs.services = {service};
  monitor.apply(config);
  ASSERT_TRUE(health.at("web"));
  const auto slack = 150ms;  // scheduling on a shared 2-core machine
  for (auto mode : {TestHttpServer::Mode::status500, TestHttpServer::Mode::silent, TestHttpServer::Mode::reset}) {
    server.mode = mode;
    const auto changed = std::chrono::steady_clock::now();
    EXPECT_TRUE(runUntil(
        io, [&] { return !health.at("web"); }, 3 * 50ms + 40ms + 50ms + slack));
    server.mode = TestHttpServer::Mode::ok;
    EXPECT_TRUE(runUntil(
        io, [&] { return health.at("web"); }, 2 * 50ms + 50ms + slack));
    EXPECT_LT(std::chrono::steady_clock::now() - changed, 1s);
  }
  server.down();
  EXPECT_TRUE(runUntil(
      io, [&] { return !health.at("web"); }, 3 * 50ms + 40ms + 50ms + slack));
  server.up();
  EXPECT_TRUE(runUntil(
      io, [&] { return health.at("web"); }, 2 * 50ms + 50ms + slack));
  EXPECT_GE(monitor.status()["transitions"]["real_servers"].get<int>(), 8);
}

TEST(HttpExchange, ParsesAndJudges) {
  const auto parsed = parseHttpResponse("HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nabcdef");
  ASSERT_TRUE(std::holds_alternative<HttpResponse>(parsed));
  EXPECT_EQ(std::get<HttpResponse>(parsed).status, 404);
  EXPECT_EQ(std::get<HttpResponse>(parsed).body, "abc");
  EXPECT_EQ(expectedResponseLength("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n"), 43u);
  EXPECT_FALSE(expectedResponseLength("HTTP/1.1 200 OK\r\n\r\nbody until close"));
  EXPECT_TRUE(std::holds_alternative<std::string>(parseHttpResponse("garbage\r\n\r\n")));
  EXPECT_TRUE(std::holds_alternative<std::string>(parseHttpResponse("")));
  // RFC 1321 / FIPS 180-2 test vectors.
  EXPECT_EQ(hexDigest("md5", "abc"), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(hexDigest("sha256", "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  conf::HealthCheck check;
  check.digest = "MD5:900150983CD24FB0D6963F7D28E17F72";
  EXPECT_EQ(judgeHttpResponse(check, HttpResponse{200, "abc"}), "");
  check.digest = "sha1:abc";
  EXPECT_EQ(judgeHttpResponse(check, HttpResponse{200, "abc"}), "unsupported digest algorithm: sha1");
}

TEST(HttpExchange, RequestAsksToKeepThePlainConnection) {
  conf::HealthCheck check;
  check.type = conf::CheckType::http;
  check.path = "/health";
  const Endpoint target = *Endpoint::parse("127.0.0.1:8080");
  EXPECT_EQ(buildHttpRequest(makeCheckSpec(check, target)),
            "GET /health HTTP/1.0\r\nHost: 127.0.0.1:8080\r\nUser-Agent: vipd-healthcheck\r\nAccept: */*\r\n"
            "Connection: keep-alive\r\n\r\n");
  check.keepalive = false;
  EXPECT_EQ(buildHttpRequest(makeCheckSpec(check, target)),
            "GET /health HTTP/1.0\r\nHost: 127.0.0.1:8080\r\nUser-Agent: vipd-healthcheck\r\nAccept: */*\r\n"
            "Connection: close\r\n\r\n");
  check.keepalive = true;
  check.tls = true;  // https: a connection per probe
  EXPECT_NE(buildHttpRequest(makeCheckSpec(check, target)).find("\r\nConnection: close\r\n"), std::string::npos);
}

TEST(HttpExchange, ResponseKeepsConnection) {
  struct Row {
    const char* response;
    bool keeps;
  };
  const Row rows[] = {
      {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", true},
      {"HTTP/1.1 500 Oops\r\nContent-Length: 2\r\n\r\nok", true},  // the verdict is the checker's business
      {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: Close\r\n\r\nok", false},
      {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nconnection: keep-alive, close\r\n\r\nok", false},
      {"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", false},
      {"HTTP/1.0 200 OK\r\ncontent-length: 2\r\nConnection: Keep-Alive\r\n\r\nok", true},
      {"HTTP/1.0 200 OK\r\nConnection: TE, keep-alive\r\nContent-Length: 0\r\n\r\n", true},
      {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nok", false},  // ends with the connection
      {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP", false},   // more than announced
      {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\no", false},        // less
      {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\nok", false},
      {"HTTP/2 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok", false},
  };
  for (const auto& row : rows) EXPECT_EQ(responseKeepsConnection(row.response), row.keeps) << row.response;
}

TEST(HttpExchange, HostHeaderDefaultsToTheTarget) {
  conf::HealthCheck check;
  check.type = conf::CheckType::http;
  EXPECT_EQ(httpHostHeader(makeCheckSpec(check, *Endpoint::parse("127.0.0.1:80"))), "127.0.0.1");
  EXPECT_EQ(httpHostHeader(makeCheckSpec(check, *Endpoint::parse("[::1]:8080"))), "[::1]:8080");
  check.tls = true;
  EXPECT_EQ(httpHostHeader(makeCheckSpec(check, *Endpoint::parse("127.0.0.1:443"))), "127.0.0.1");
}

}  // namespace
}  // namespace vipd::healthcheck

// Golden bytes for every IPVS generic netlink request, hand-derived from the
// kernel's attribute policies (ip_vs_ctl.c) and the layout ipvsadm's libipvs
// sends: u16 AF/protocol in host order, 16-byte nf_inet_addr, be16 ports,
// struct ip_vs_flags {flags, mask = ~0}, IPv4 netmask as a network-order mask.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "ipvs/genl_codec.hpp"

namespace vipd::ipvs {
namespace {

std::string hex(const nl::Bytes& bytes) {
  std::string text;
  char buf[3];
  for (uint8_t b : bytes) {
    std::snprintf(buf, sizeof buf, "%02x", b);
    text += buf;
  }
  return text;
}

std::string strip(std::string text) {
  std::erase(text, ' ');
  return text;
}

nl::Bytes fromHex(std::string text) {
  text = strip(text);
  nl::Bytes bytes;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) bytes.push_back(std::stoi(text.substr(i, 2), nullptr, 16));
  return bytes;
}

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

Service webService() {
  Service service;
  service.key = ServiceKey::ofEndpoint(Protocol::tcp, *Endpoint::parse("198.51.100.10:80"));
  service.scheduler = "wlc";
  service.netmask = 32;
  return service;
}

const char* kWebKey =
    "06000100 02000000"                             // AF = AF_INET
    "06000200 06000000"                             // PROTOCOL = tcp
    "14000300 c633640a 00000000 00000000 00000000"  // ADDR 198.51.100.10
    "06000400 00500000";                            // PORT 80 (be16)

TEST(GenlCodec, NewServiceIpv4) {
  const auto request = genl::newService(webService());
  EXPECT_EQ(request.command, IPVS_CMD_NEW_SERVICE);
  EXPECT_FALSE(request.dump);
  EXPECT_EQ(hex(request.body), strip(std::string("01010000"
                                                 "54000100") +
                                     kWebKey +
                                     "08000600 776c6300"           // SCHED_NAME "wlc"
                                     "0c000700 00000000 ffffffff"  // FLAGS {0, ~0}
                                     "08000800 00000000"           // TIMEOUT 0
                                     "08000900 ffffffff"));        // NETMASK 255.255.255.255
}

TEST(GenlCodec, SetServiceFwmarkIpv6PersistentShFlags) {
  Service service;
  service.key = ServiceKey::ofFwmark(Family::v6, 7);
  service.scheduler = "sh";
  service.flags = kFlagPersistent | kFlagSchedFallback | kFlagSchedPort;
  service.timeout = 300;
  service.netmask = 64;
  const auto request = genl::setService(service);
  EXPECT_EQ(request.command, IPVS_CMD_SET_SERVICE);
  EXPECT_EQ(hex(request.body), strip("02010000"
                                     "38000100"
                                     "06000100 0a000000"           // AF = AF_INET6
                                     "08000500 07000000"           // FWMARK 7
                                     "07000600 73680000"           // SCHED_NAME "sh" (+pad)
                                     "0c000700 19000000 ffffffff"  // FLAGS persistent|sched1|sched2
                                     "08000800 2c010000"           // TIMEOUT 300
                                     "08000900 40000000"));        // NETMASK: IPv6 prefix length 64
}

TEST(GenlCodec, DelServiceUdpIpv6) {
  const auto request = genl::delService(ServiceKey::ofEndpoint(Protocol::udp, *Endpoint::parse("[2001:db8::1]:53")));
  EXPECT_EQ(request.command, IPVS_CMD_DEL_SERVICE);
  EXPECT_EQ(hex(request.body), strip("03010000"
                                     "30000100"
                                     "06000100 0a000000"
                                     "06000200 11000000"                             // udp
                                     "14000300 20010db8 00000000 00000000 00000001"  // 2001:db8::1
                                     "06000400 00350000"));                          // 53
}

TEST(GenlCodec, PersistenceNetmaskIpv4IsNetworkOrderMask) {
  Service service = webService();
  service.netmask = 24;
  const auto body = genl::newService(service).body;
  EXPECT_NE(hex(body).find(strip("08000900 ffffff00")), std::string::npos);
}

TEST(GenlCodec, GetServicesIsADumpWithoutAttributes) {
  const auto request = genl::getServices();
  EXPECT_EQ(request.command, IPVS_CMD_GET_SERVICE);
  EXPECT_TRUE(request.dump);
  EXPECT_EQ(hex(request.body), "04010000");
}

Destination natDestination() {
  Destination destination;
  destination.key = DestinationKey{ip("203.0.113.5"), 8080};
  destination.forwarding = Forwarding::nat;
  destination.weight = 3;
  destination.upper_threshold = 100;
  destination.lower_threshold = 10;
  return destination;
}

TEST(GenlCodec, NewDestination) {
  const auto request = genl::newDestination(webService().key, natDestination());
  EXPECT_EQ(request.command, IPVS_CMD_NEW_DEST);
  EXPECT_EQ(hex(request.body), strip(std::string("05010000"
                                                 "30000100") +
                                     kWebKey +
                                     "48000200"
                                     "14000100 cb007105 00000000 00000000 00000000"  // ADDR 203.0.113.5
                                     "06000200 1f900000"                             // PORT 8080
                                     "08000300 00000000"                             // FWD_METHOD masq
                                     "08000400 03000000"                             // WEIGHT 3
                                     "08000500 64000000"                             // U_THRESH 100
                                     "08000600 0a000000"                             // L_THRESH 10
                                     "06000b00 02000000"));                          // ADDR_FAMILY inet
}

TEST(GenlCodec, SetDestinationForwardingMethods) {
  for (auto [forwarding, code] : {std::pair{Forwarding::dr, "03"}, {Forwarding::tun, "02"}, {Forwarding::nat, "00"}}) {
    Destination destination = natDestination();
    destination.forwarding = forwarding;
    destination.weight = 0;
    const auto request = genl::setDestination(webService().key, destination);
    EXPECT_EQ(request.command, IPVS_CMD_SET_DEST);
    EXPECT_NE(hex(request.body).find(strip(std::string("08000300 ") + code + "000000 08000400 00000000")),
              std::string::npos)
        << forwardingName(forwarding);
  }
}

TEST(GenlCodec, DelDestinationCarriesOnlyTheKey) {
  const auto request = genl::delDestination(webService().key, DestinationKey{ip("2001:db8::5"), 80});
  EXPECT_EQ(request.command, IPVS_CMD_DEL_DEST);
  EXPECT_EQ(hex(request.body), strip(std::string("07010000"
                                                 "30000100") +
                                     kWebKey +
                                     "28000200"
                                     "14000100 20010db8 00000000 00000000 00000005"
                                     "06000200 00500000"
                                     "06000b00 0a000000"));
}

TEST(GenlCodec, GetDestinationsIsADumpOfOneService) {
  const auto request = genl::getDestinations(webService().key);
  EXPECT_EQ(request.command, IPVS_CMD_GET_DEST);
  EXPECT_TRUE(request.dump);
  EXPECT_EQ(hex(request.body), strip(std::string("08010000 30000100") + kWebKey));
}

TEST(GenlCodec, InfoAndConfigRequests) {
  EXPECT_EQ(hex(genl::getInfo().body), "0f010000");
  EXPECT_EQ(hex(genl::getConfig().body), "0d010000");
  EXPECT_EQ(hex(genl::setConfig(Timeouts{900, 120, 300}).body), strip("0c010000"
                                                                      "08000400 84030000"
                                                                      "08000500 78000000"
                                                                      "08000600 2c010000"));
}

TEST(GenlCodec, DaemonRequests) {
  EXPECT_EQ(hex(genl::newDaemon(SyncDaemon{SyncState::master, "eth1", 51}).body),
            strip("09010000"
                  "20000300"
                  "08000100 01000000"           // STATE master
                  "09000200 65746831 00000000"  // MCAST_IFN "eth1"
                  "08000300 33000000"));        // SYNC_ID 51
  EXPECT_EQ(hex(genl::delDaemon(SyncState::backup).body), strip("0a010000 0c000300 08000100 02000000"));
  const auto dump = genl::getDaemons();
  EXPECT_TRUE(dump.dump);
  EXPECT_EQ(hex(dump.body), "0b010000");
}

// A service as the kernel dumps it: HASHED flag set, both stats nests.
TEST(GenlCodec, DecodeServiceReply) {
  const auto body = fromHex(std::string("01010000"
                                        "94000100") +
                            kWebKey +
                            "08000600 776c6300"
                            "0c000700 03000000 ffffffff"  // persistent | hashed
                            "08000800 2c010000"           // 300 s
                            "08000900 ffffff00"           // /24
                            "18000a00"                    // STATS (32-bit counters)
                            "08000100 05000000"
                            "0c000400 e8030000 00000000"
                            "28000c00"  // STATS64
                            "0c000100 07000000 00000000"
                            "0c000400 d0070000 00000000"
                            "0c000600 09000000 00000000");
  auto service = genl::decodeServiceReply(body);
  ASSERT_TRUE(service.ok()) << service.error().message();
  EXPECT_EQ(service->key, webService().key);
  EXPECT_EQ(service->scheduler, "wlc");
  EXPECT_EQ(service->flags, kFlagPersistent);
  EXPECT_EQ(service->timeout, 300u);
  EXPECT_EQ(service->netmask, 24);
  EXPECT_EQ(service->stats.conns, 7u);
  EXPECT_EQ(service->stats.inbytes, 2000u);
  EXPECT_EQ(service->stats.cps, 9u);
}

TEST(GenlCodec, DecodeFwmarkServiceReply) {
  auto service =
      genl::decodeServiceReply(fromHex("01010000 30000100"
                                       "06000100 0a000000"
                                       "08000500 07000000"
                                       "07000600 73680000"
                                       "0c000700 1a000000 ffffffff"
                                       "08000900 80000000"));
  ASSERT_TRUE(service.ok()) << service.error().message();
  EXPECT_EQ(service->key, ServiceKey::ofFwmark(Family::v6, 7));
  EXPECT_EQ(service->flags, kFlagSchedFallback | kFlagSchedPort);
  EXPECT_EQ(service->netmask, 128);
}

// An older kernel sends no ADDR_FAMILY: the service's family applies.
TEST(GenlCodec, DecodeDestinationReply) {
  auto destination = genl::decodeDestinationReply(fromHex("05010000 54000200"
                                                          "14000100 20010db8 00000000 00000000 00000005"
                                                          "06000200 1f900000"
                                                          "08000300 03000000"
                                                          "08000400 02000000"
                                                          "08000700 04000000"
                                                          "08000800 02000000"
                                                          "08000900 01000000"
                                                          "0c000a00 08000100 0b000000"),
                                                  Family::v6);
  ASSERT_TRUE(destination.ok()) << destination.error().message();
  EXPECT_EQ(destination->key, (DestinationKey{ip("2001:db8::5"), 8080}));
  EXPECT_EQ(destination->forwarding, Forwarding::dr);
  EXPECT_EQ(destination->weight, 2);
  EXPECT_EQ(destination->active_conns, 4u);
  EXPECT_EQ(destination->inactive_conns, 2u);
  EXPECT_EQ(destination->persistent_conns, 1u);
  EXPECT_EQ(destination->stats.conns, 11u);
}

TEST(GenlCodec, DecodeInfoConfigDaemon) {
  auto info = genl::decodeInfoReply(fromHex("0e010000 08000100 01020100 08000200 00100000"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->version, 0x010201u);
  EXPECT_EQ(info->versionString(), "1.2.1");
  EXPECT_EQ(info->conn_table_size, 4096u);

  auto timeouts = genl::decodeConfigReply(fromHex("0c010000 08000400 84030000 08000500 78000000 08000600 2c010000"));
  ASSERT_TRUE(timeouts.ok());
  EXPECT_EQ(*timeouts, (Timeouts{900, 120, 300}));

  auto daemon =
      genl::decodeDaemonReply(fromHex("09010000 26000300"
                                      "08000100 02000000"
                                      "09000200 65746831 00000000"
                                      "08000300 33000000"
                                      "06000400 dc050000"));  // SYNC_MAXLEN (ignored)
  ASSERT_TRUE(daemon.ok()) << daemon.error().message();
  EXPECT_EQ(*daemon, (SyncDaemon{SyncState::backup, "eth1", 51}));
}

TEST(GenlCodec, MalformedRepliesAreEbadmsg) {
  auto truncated = genl::decodeServiceReply(fromHex("01010000 54000100 06000100"));
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().code.value(), EBADMSG);
  auto noFamily = genl::decodeServiceReply(fromHex("01010000 0c000100 08000500 07000000"));
  EXPECT_FALSE(noFamily.ok());
  EXPECT_FALSE(genl::decodeInfoReply(fromHex("0e01")).ok());
}

// Encoder and decoder agree for every scheduler, forwarding method and family.
TEST(GenlCodec, RoundTrip) {
  for (const char* scheduler :
       {"rr", "wrr", "lc", "wlc", "sed", "nq", "mh", "sh", "dh", "lblc", "lblcr", "fo", "ovf"}) {
    for (const char* address : {"198.51.100.7:443", "[2001:db8::7]:443"}) {
      Service service;
      service.key = ServiceKey::ofEndpoint(Protocol::sctp, *Endpoint::parse(address));
      service.scheduler = scheduler;
      service.flags = kFlagPersistent;
      service.timeout = 60;
      service.netmask = service.key.family == Family::v6 ? 48 : 16;
      nl::AttrWriter out;
      genl::encodeServiceAttrs(out, service);
      auto decoded = genl::decodeServiceAttrs(out.bytes());
      ASSERT_TRUE(decoded.ok());
      EXPECT_EQ(decoded->key, service.key);
      EXPECT_TRUE(decoded->sameSettings(service)) << scheduler << " " << address;
    }
  }
  for (auto forwarding : {Forwarding::dr, Forwarding::nat, Forwarding::tun}) {
    Destination destination = natDestination();
    destination.forwarding = forwarding;
    nl::AttrWriter out;
    genl::encodeDestinationAttrs(out, destination);
    auto decoded = genl::decodeDestinationAttrs(out.bytes(), Family::v4);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded->key, destination.key);
    EXPECT_TRUE(decoded->sameSettings(destination));
  }
}

}  // namespace
}  // namespace vipd::ipvs

#pragma once
// The configuration as plain aggregates. Defaults are the schema's defaults
// (shared/spec/vipd.example.toml); keys added beyond the schema are marked.
// Only conf/ includes toml++: everything else sees these structs.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/duration.hpp"
#include "common/ip_address.hpp"

namespace vipd::conf {

using namespace std::chrono_literals;

struct Global {
  std::string router_id;  // default: hostname
  std::string control_socket = "/run/vipd/vipd.sock";
  std::string script_user = "nobody";
  std::optional<std::string> metrics_listen;

  bool operator==(const Global&) const = default;
};

// ---------------------------------------------------------------- VRRP

struct VrrpScript {
  std::string name;
  std::vector<std::string> command;
  Duration interval = 2s;
  Duration timeout = 1s;
  int rise = 2;
  int fall = 2;
  int weight = 0;  // <0 lowers priority while failing, >0 raises while healthy, 0 = FAULT while failing

  bool operator==(const VrrpScript&) const = default;
};

struct VrrpInstance {
  std::string name;
  std::string interface;
  int vrid = 0;
  int priority = 100;
  int version = 3;
  Duration advert_interval = 1s;
  bool preempt = true;
  Duration preempt_delay = 0s;
  bool accept = false;
  std::optional<IpAddress> source_address;
  std::vector<IpAddress> unicast_peers;
  std::string auth_pass;
  std::vector<IpPrefix> virtual_addresses;  // all of one family
  std::vector<std::string> track_scripts;
  std::vector<std::string> track_interfaces;
  std::string notify;
  // Added keys.
  bool checksum_pseudo_header = true;  // v3 over IPv4: include the pseudo-header (keepalived/FRR practice)
  int garp_count = 5;                  // gratuitous ARPs / unsolicited NAs per burst on becoming master
  Duration garp_interval = 100ms;      // between the packets of one burst
  // IPVS services whose quorum this instance tracks: while one has fewer
  // healthy real servers than its `quorum`, the instance goes to FAULT
  // (track_services_weight = 0) or its priority drops by the weight.
  std::vector<std::string> track_services;
  int track_services_weight = 0;

  Family family() const { return virtual_addresses.empty() ? Family::v4 : virtual_addresses.front().address.family; }

  bool operator==(const VrrpInstance&) const = default;
};

struct SyncGroup {
  std::string name;
  std::vector<std::string> instances;

  bool operator==(const SyncGroup&) const = default;
};

// ---------------------------------------------------------------- Health checks

enum class CheckType { tcp, http, script };

struct HealthCheck {
  CheckType type = CheckType::tcp;
  std::string path = "/";                  // http
  std::vector<int> expect_status = {200};  // http
  Duration interval = 2s;
  Duration timeout = 1s;
  int rise = 2;
  int fall = 3;
  // Added keys.
  std::string host;                          // http Host header; default: the target address
  std::string expect_body;                   // substring the body must contain; empty = any
  bool expect_body_regex = false;            // treat expect_body as an ECMAScript regex
  std::string digest;                        // "sha256:HEX" or "md5:HEX" of the body; empty = none
  bool tls = false;                          // https
  bool tls_verify = false;                   // verify the server certificate
  std::string sni;                           // TLS server name; default: host
  std::string ca_file;                       // PEM bundle trusted by tls_verify; default: the system store
  bool graceful_close = false;               // close = "graceful": FIN, not the default RST (tcp, http)
  bool half_open = true;                     // tcp: handshake = "half-open" (SYN, SYN-ACK, RST) or "full"
  bool keepalive = true;                     // plain http: keep the connection from probe to probe
  std::vector<std::string> command;          // script: argv
  std::optional<uint16_t> connect_port;      // default: the real server's port
  std::optional<IpAddress> connect_address;  // default: the real server's address
  Duration warmup = 0s;                      // first check at a random delay in [0, warmup]
  bool initial_down = false;                 // initial_state = "down": out until the first rise

  bool operator==(const HealthCheck&) const = default;
};

// ---------------------------------------------------------------- IPVS

enum class Protocol { tcp, udp, sctp };
enum class Forwarding { dr, nat, tun };

struct RealServer {
  Endpoint address;
  int weight = 1;
  // Added keys.
  std::optional<Forwarding> forwarding;  // default: the service's
  uint32_t upper_threshold = 0;          // 0 = no limit
  uint32_t lower_threshold = 0;
  std::optional<std::vector<HealthCheck>> checks;  // [[...real_server.check]] overrides; empty list = unchecked
  std::string guest;                               // virt guest backing this server
  std::optional<Duration> restart_after;

  bool operator==(const RealServer&) const = default;
};

struct IpvsService {
  std::string name;
  std::optional<Endpoint> address;  // exactly one of address / fwmark
  std::optional<uint32_t> fwmark;
  Protocol protocol = Protocol::tcp;
  std::string scheduler = "wlc";
  Forwarding forwarding = Forwarding::dr;
  Duration persistence = 0s;
  std::string sorry_server_text;  // raw, "" = none
  std::optional<Endpoint> sorry_server;
  int quorum = 1;
  bool inhibit_on_failure = false;
  std::vector<HealthCheck> checks;  // [ipvs.service.check] table or [[...]] array: all must pass; empty = unchecked
  std::vector<RealServer> real_servers;
  // Added keys.
  Family family = Family::v4;  // from address; for fwmark services the `family` key ("inet" | "inet6")
  std::optional<IpAddress> persistence_netmask;
  std::vector<std::string> scheduler_flags;  // sh/mh: "fallback", "port"

  bool operator==(const IpvsService&) const = default;
};

struct IpvsSync {
  std::string interface;
  int sync_id = 0;
  std::string follow_instance;

  bool operator==(const IpvsSync&) const = default;
};

struct Ipvs {
  bool flush_on_stop = false;
  Duration drain_timeout = 5min;
  // Added keys: the kernel's connection timeouts; unset = leave the kernel's value.
  std::optional<Duration> timeout_tcp;
  std::optional<Duration> timeout_tcpfin;
  std::optional<Duration> timeout_udp;
  // Added keys: the kernel's IPVS sysctls (net.ipv4.vs.*) in vipd's network
  // namespace, written at start and reload; unset = leave the kernel's value.
  std::optional<bool> expire_nodest_conn;         // reschedule a packet whose server is gone or has weight 0
  std::optional<bool> sloppy_tcp;                 // a connection may start from any TCP state, not only SYN
  std::optional<bool> expire_quiescent_template;  // drop persistence templates of a weight-0 server
  std::optional<int> conn_reuse_mode;             // 0..2: what a reused source port does (kernel default 1)
  // Added key: drop NAT real servers' replies IPVS did not translate (ipvs/nat_reply_guard.hpp).
  bool drop_untranslated_replies = false;
  std::vector<IpvsService> services;
  // Set by the loader when it could (conf/piecewise_read.hpp): one per
  // service, a hash of the service's text; empty otherwise. A reload skips a
  // service whose fingerprint is unchanged without comparing its fields.
  std::vector<uint64_t> service_fingerprints;
  std::optional<IpvsSync> sync;

  bool operator==(const Ipvs&) const = default;
};

// ---------------------------------------------------------------- Virt

struct VirtBridge {
  std::string name;
  std::vector<std::string> ports;

  bool operator==(const VirtBridge&) const = default;
};

struct VirtGuest {
  std::string name;
  std::string base_image;
  std::string disk;
  uint64_t memory = 512ull << 20;  // bytes
  int vcpus = 1;
  std::vector<std::string> bridges;
  std::optional<int> vnc_port;  // set when vnc is a number
  bool vnc_auto = true;         // vnc = "auto"; both unset/false = "off"
  bool autostart = true;
  bool running = true;  // state = "running" | "stopped"
  std::string kernel;
  std::string initrd;
  std::string cmdline;
  std::string console_log;

  bool operator==(const VirtGuest&) const = default;
};

struct Virt {
  std::string uri = "qemu:///system";
  std::optional<Duration> shutdown_timeout;  // a guest stopped or removed: ACPI shutdown, destroy after this (30s)
  std::vector<VirtBridge> bridges;
  std::vector<VirtGuest> guests;

  bool operator==(const Virt&) const = default;
};

// ---------------------------------------------------------------- The whole file

struct Config {
  std::string path;  // the file it was loaded from
  Global global;
  std::vector<VrrpScript> vrrp_scripts;
  std::vector<VrrpInstance> vrrp_instances;
  std::vector<SyncGroup> sync_groups;
  Ipvs ipvs;
  Virt virt;

  bool operator==(const Config&) const = default;
};

}  // namespace vipd::conf

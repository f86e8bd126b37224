#pragma once
// Real VRRP speakers for the netns lab: the vipd daemon (status over vipctl),
// keepalived 2.2.7 and FRR 8.4 vrrpd (each with zebra) run as TESTING.md
// describes, and an ARP capture in the switch namespace. Every process is
// started through the Lab, so it is killed by pid when the test ends.
#include <signal.h>

#include <fstream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/vrrpd/netns_lab.hpp"

namespace vipd::vrrp::testing {

inline const std::string kVip = "203.0.113.10";

// Settings shared by both sides of an interop test.
struct Protocol {
  int version = 3;
  int interval_cs = 10;     // centiseconds; v2 needs whole seconds
  std::string vip = kVip;   // an IPv6 VIP makes it VRRPv3 over IPv6 (ff02::12, link-local sources)
  bool v6() const { return vip.find(':') != std::string::npos; }
  std::string vipPrefix() const { return vip + (v6() ? "/64" : "/24"); }
};

// Node i's address on eth0 as VRRP sees it: its IPv4 address, or its IPv6 link-local one.
inline std::string linkLocalOf(Lab& lab, int node) {
  return run("ip -n " + lab.node(node) +
             " -6 -o addr show dev eth0 scope link | awk '{split($4, a, \"/\"); printf a[1]}'");
}

// IPv6 only: waits until node i's link-local address has passed DAD (VRRP sends from it).
inline bool linkLocalReady(Lab& lab, int node) {
  auto out = run("ip -n " + lab.node(node) + " -6 -o addr show dev eth0 scope link");
  return out.find("fe80::") != std::string::npos && out.find("tentative") == std::string::npos;
}

// Exited: no such process, or a zombie nobody reaped yet (it still answers kill(pid, 0)).
inline bool gone(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  auto paren = text.rfind(')');
  return text.empty() || (paren != std::string::npos && text.compare(paren, 4, ") Z ") == 0);
}

inline std::string macOf(Lab& lab, int node, const std::string& link = "eth0") {
  return run("ip -n " + lab.node(node) + " -br link show " + link + " | awk '{printf $3}'");
}

// The vipd daemon on one node, one [[vrrp.instance]] VI_1 (VRID 51) on eth0.
class VipdNode {
 public:
  VipdNode(Lab& lab, int node) : lab_(lab), node_(node) {
    config_ = lab.file("vipd" + std::to_string(node) + ".toml");
    socket_ = lab.file("vipd" + std::to_string(node) + ".sock");
  }
  void writeConfig(const Protocol& p, int priority, const std::string& extra = "") {
    std::ofstream(config_) << "[global]\n"
                           << global_ << "control_socket = \"" << socket_
                           << "\"\n[[vrrp.instance]]\nname = \"VI_1\"\ninterface = \"eth0\"\nvrid = 51\n"
                           << "version = " << p.version << "\npriority = " << priority << "\nadvert_interval = \""
                           << p.interval_cs * 10 << "ms\"\nvirtual_addresses = [\"" << p.vipPrefix() << "\"]\n"
                           << extra;
  }
  // More [global] keys, each line ending in a newline.
  void setGlobal(std::string keys) { global_ = std::move(keys); }
  void start(const Protocol& p, int priority, const std::string& extra = "") {
    writeConfig(p, priority, extra);
    vip_ = p.vip;
    pid_ = lab_.spawn(node_, {VIPD_BIN, "-f", config_}, lab_.file("vipd" + std::to_string(node_) + ".log"));
  }
  void stop(int signal) { lab_.stop(pid_, signal); }
  void signal(int signal) const { ::kill(pid_, signal); }
  // The instance's status from `vipctl vrrp --json`, or null while vipd does not answer.
  nlohmann::json instance(const std::string& name = "VI_1") const {
    auto text = run(std::string(VIPCTL_BIN) + " --socket " + socket_ + " vrrp --json 2>/dev/null");
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.contains("instances")) return nullptr;
    for (const auto& i : j["instances"])
      if (i.value("name", "") == name) return i;
    return nullptr;
  }
  pid_t pid() const { return pid_; }
  std::string state() const {
    auto i = instance();
    return i.is_null() ? "" : i["state"].get<std::string>();
  }
  bool isMaster() const { return state() == "MASTER" && lab_.hasAddress(node_, vip_); }
  // Backup that hears `master` (the VIP is gone from this node).
  bool isBackupOf(const std::string& master) const {
    auto i = instance();
    return !i.is_null() && i["state"] == "BACKUP" && i["master_address"] == master && !lab_.hasAddress(node_, vip_);
  }
  std::string log() const { return run("cat " + lab_.file("vipd" + std::to_string(node_) + ".log")); }

 private:
  Lab& lab_;
  int node_;
  std::string config_, socket_, global_, vip_ = kVip;
  pid_t pid_ = -1;
};

// A peer implementation under test: started with a priority, stopped by a signal.
class Peer {
 public:
  virtual ~Peer() = default;
  virtual void start(int priority) = 0;
  // SIGKILL: a crash of every process of the peer; SIGTERM: its graceful stop.
  virtual void stop(int signal) = 0;
  // The MAC its gratuitous ARPs come from.
  virtual std::string mac() = 0;
  // Whether the peer itself says it is master (as far as it can be seen from outside).
  virtual bool claimsMaster() = 0;
  virtual std::string log() = 0;
};

// keepalived, VRRP only, all its files in its own directory.
class KeepalivedPeer : public Peer {
 public:
  KeepalivedPeer(Lab& lab, int node, Protocol p) : lab_(lab), node_(node), p_(p) {
    dir_ = lab.dir("keepalived" + std::to_string(node));
  }
  void start(int priority) override {
    char interval[16];
    std::snprintf(interval, sizeof interval, "%d.%02d", p_.interval_cs / 100, p_.interval_cs % 100);
    std::ofstream(dir_ + "/keepalived.conf")
        << "global_defs {\n  router_id ka" << node_ << "\n}\nvrrp_instance VI_1 {\n  state BACKUP\n"
        << "  interface eth0\n  virtual_router_id 51\n  priority " << priority << "\n  advert_int " << interval
        << "\n  version " << p_.version << "\n  virtual_ipaddress {\n    " << p_.vipPrefix() << "\n  }\n}\n";
    std::remove((dir_ + "/vrrp.pid").c_str());
    pid_ = lab_.spawn(
        node_,
        {"/usr/sbin/keepalived", "-n", "-l", "-D", "-P", "-R", "-f", dir_ + "/keepalived.conf", "-p",
         dir_ + "/keepalived.pid", "-r", dir_ + "/vrrp.pid", "-c", dir_ + "/checkers.pid", "-b", dir_ + "/bfd.pid"},
        dir_ + "/log");
    waitFor([&] { return vrrpChild() > 0; }, std::chrono::seconds(2));
  }
  void stop(int signal) override {
    pid_t child = vrrpChild();
    if (signal == SIGKILL && child > 0) ::kill(child, SIGKILL);
    lab_.stop(pid_, signal);
    if (child > 0) waitFor([&] { return gone(child); }, std::chrono::seconds(2));
  }
  std::string mac() override { return macOf(lab_, node_); }
  // keepalived keeps no state file; its log says it (a killed keepalived leaves its VIP behind, so
  // `ip addr` would not do).
  bool claimsMaster() override {
    auto text = log();
    auto master = text.rfind("Entering MASTER STATE");
    auto backup = text.rfind("Entering BACKUP STATE");
    return master != std::string::npos && (backup == std::string::npos || backup < master) &&
           lab_.hasAddress(node_, p_.vip);
  }
  std::string log() override { return run("cat " + dir_ + "/log"); }
  // keepalived appends to its log; a restart must not see the last run's lines.
  void clearLog() { std::ofstream(dir_ + "/log", std::ios::trunc); }

 private:
  pid_t vrrpChild() {
    std::ifstream in(dir_ + "/vrrp.pid");
    pid_t pid = -1;
    in >> pid;
    return pid;
  }
  Lab& lab_;
  int node_;
  Protocol p_;
  std::string dir_;
  pid_t pid_ = -1;
};

// FRR: zebra, then vrrpd, with sockets and pid files in their own directory
// (owned by the frr user they drop to). The VIP lives on a macvlan with the
// virtual MAC; a backup keeps it there but with protodown on.
class FrrPeer : public Peer {
 public:
  FrrPeer(Lab& lab, int node, Protocol p) : lab_(lab), node_(node), p_(p) {
    dir_ = lab.dir("frr" + std::to_string(node));
    std::string ns = "ip -n " + lab.node(node) + " ";
    run(ns + "link add " + kMacvlan + " link eth0 type macvlan mode bridge");
    run(ns + "link set " + kMacvlan + " addrgenmode random");
    run(ns + "link set " + kMacvlan + " address 00:00:5e:00:01:33");
    run(ns + "link set " + kMacvlan + " protodown on");  // vrrpd lifts it when master
    run(ns + "addr add " + kVip + "/24 dev " + kMacvlan);
    run(ns + "link set " + kMacvlan + " up");
    run("ip netns exec " + lab.node(node) + " sysctl -qw net.ipv4.conf.eth0.arp_ignore=1");
    std::ofstream(dir_ + "/zebra.conf") << "";
    run("chown -R frr:frr " + dir_);
    lab_.spawn(node_, daemonArgv("zebra"), dir_ + "/zebra.log");
    waitFor([&] { return std::ifstream(dir_ + "/zebra.vty").good(); }, std::chrono::seconds(3));
  }
  void start(int priority) override {
    std::ofstream(dir_ + "/vrrpd.conf") << "interface eth0\n vrrp 51 version " << p_.version << "\n vrrp 51 priority "
                                        << priority << "\n vrrp 51 advertisement-interval " << p_.interval_cs * 10
                                        << "\n vrrp 51 ip " << kVip << "\n";
    run("chown -R frr:frr " + dir_);
    vrrpd_ = lab_.spawn(node_, daemonArgv("vrrpd"), dir_ + "/vrrpd.log");
  }
  void stop(int signal) override { lab_.stop(vrrpd_, signal); }
  std::string mac() override { return "00:00:5e:00:01:33"; }
  bool claimsMaster() override {
    auto link = run("ip -n " + lab_.node(node_) + " -d link show " + kMacvlan);
    return link.find("protodown on") == std::string::npos && link.find("state UP") != std::string::npos;
  }
  std::string log() override { return run("cat " + dir_ + "/vrrpd.log " + dir_ + "/zebra.log"); }

 private:
  static constexpr const char* kMacvlan = "vrrp4-2-51";
  std::vector<std::string> daemonArgv(const std::string& daemon) {
    return {"/usr/lib/frr/" + daemon,
            "-f",
            dir_ + "/" + daemon + ".conf",
            "-i",
            dir_ + "/" + daemon + ".pid",
            "-z",
            dir_ + "/zserv.api",
            "--vty_socket",
            dir_,
            "--log",
            "stdout"};
  }
  Lab& lab_;
  int node_;
  Protocol p_;
  std::string dir_;
  pid_t vrrpd_ = -1;
};

// tcpdump on the bridge of the switch namespace, ARP and neighbour
// advertisements only, with source MACs.
class ArpCapture {
 public:
  explicit ArpCapture(Lab& lab) : file_(lab.file("arp.txt")) {
    lab.spawnIn(lab.sw(), {"/usr/bin/tcpdump", "-l", "-n", "-e", "-i", "br0", "arp or (icmp6 and ip6[40] == 136)"},
                file_);
    waitFor([&] { return text().find("listening on") != std::string::npos; }, std::chrono::seconds(3));
  }
  // A point in the capture; seenSince() looks only at what came after it.
  std::size_t mark() { return text().size(); }
  // A gratuitous ARP (IPv4) or unsolicited neighbour advertisement (IPv6) for `address` from `mac` after `since`.
  bool seenSince(std::size_t since, const std::string& mac, const std::string& address) {
    auto all = text();
    std::size_t pos = since;
    while (pos < all.size()) {
      auto end = all.find('\n', pos);
      if (end == std::string::npos) break;
      auto line = all.substr(pos, end - pos);
      bool from = line.find(" " + mac + " > ") != std::string::npos;
      // keepalived fills the target MAC: "who-has A (ff:ff:ff:ff:ff:ff) tell A".
      bool garp = (line.find("who-has " + address + " ") != std::string::npos &&
                   line.find(" tell " + address + ",") != std::string::npos) ||
                  line.find("Reply " + address + " is-at") != std::string::npos ||
                  line.find("neighbor advertisement, tgt is " + address + ",") != std::string::npos;
      if (from && garp) return true;
      pos = end + 1;
    }
    return false;
  }
  std::string text() {
    std::ifstream in(file_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string file_;
};

}  // namespace vipd::vrrp::testing

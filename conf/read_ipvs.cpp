#include "conf/sections.hpp"

namespace vipd::conf {

namespace {

std::optional<Forwarding> forwardingOf(TableReader& r) {
  auto word = r.choice("forwarding", {"dr", "nat", "tun"});
  if (!word) return std::nullopt;
  return *word == "nat" ? Forwarding::nat : *word == "tun" ? Forwarding::tun : Forwarding::dr;
}

// An "ip:port" with a port in 1..65535.
std::optional<Endpoint> endpointOf(TableReader& r, std::string_view key, bool required = false) {
  auto endpoint = r.parsed<Endpoint>(key, &Endpoint::parse, "endpoint (\"ip:port\" or \"[v6]:port\")", required);
  if (endpoint && endpoint->port == 0) {
    r.error(key, "port must be in 1..65535");
    return std::nullopt;
  }
  return endpoint;
}

RealServer readRealServer(TableReader& r) {
  RealServer server;
  assign(server.address, endpointOf(r, "address", true));
  assign(server.weight, r.integer("weight", 0, 65535));
  if (auto forwarding = forwardingOf(r)) server.forwarding = *forwarding;
  assign(server.upper_threshold, r.integer("upper_threshold", 0, UINT32_MAX));
  assign(server.lower_threshold, r.integer("lower_threshold", 0, UINT32_MAX));
  if (server.upper_threshold != 0 && server.lower_threshold > server.upper_threshold) {
    r.error("lower_threshold", "must not exceed upper_threshold");
  }
  if (r.has("check")) server.checks = readChecks(r, "check");
  assign(server.guest, r.nonEmptyString("guest"));
  if (auto after = r.duration("restart_after")) {
    if (server.guest.empty())
      r.error("restart_after", "needs guest");
    else if (*after <= Duration::zero())
      r.error("restart_after", "must be greater than 0");
    else
      server.restart_after = *after;
  }
  return server;
}

void readSchedulerFlags(TableReader& r, IpvsService& service) {
  auto flags = r.strings("scheduler_flags");
  if (!flags) return;
  bool hashing = service.scheduler == "sh" || service.scheduler == "mh";
  if (!hashing && !flags->empty()) {
    r.error("scheduler_flags", "are only for scheduler \"sh\" or \"mh\"");
    return;
  }
  for (std::size_t i = 0; i < flags->size(); ++i) {
    if ((*flags)[i] != "fallback" && (*flags)[i] != "port") {
      r.context().errorAt(r.pathOf("scheduler_flags") + "[" + std::to_string(i) + "]",
                          "unknown flag '" + (*flags)[i] + "' (expected fallback | port)");
    }
  }
  service.scheduler_flags = std::move(*flags);
}

void readServiceAddress(TableReader& r, IpvsService& service) {
  bool has_address = r.has("address"), has_fwmark = r.has("fwmark");
  if (!has_address && !has_fwmark) r.missing("address");
  if (auto address = endpointOf(r, "address")) {
    service.address = *address;
    service.family = address->address.family;
  }
  if (auto mark = r.integer("fwmark", 1, UINT32_MAX)) service.fwmark = static_cast<uint32_t>(*mark);
  if (has_address && has_fwmark) r.error("fwmark", "give either address or fwmark, not both");
  if (auto family = r.choice("family", {"inet", "inet6"})) {
    Family chosen = *family == "inet6" ? Family::v6 : Family::v4;
    if (service.address && service.address->address.family != chosen) {
      r.error("family", "does not match the family of address");
    }
    service.family = chosen;
  }
}

IpvsService readService(TableReader& r) {
  IpvsService service;
  assign(service.name, r.nonEmptyString("name", true));
  readServiceAddress(r, service);
  if (auto protocol = r.choice("protocol", {"tcp", "udp", "sctp"})) {
    service.protocol = *protocol == "udp" ? Protocol::udp : *protocol == "sctp" ? Protocol::sctp : Protocol::tcp;
  }
  assign(service.scheduler, r.choice("scheduler", {"rr", "wrr", "lc", "wlc", "sed", "nq", "mh", "sh", "dh", "lblc",
                                                   "lblcr", "fo", "ovf"}));
  readSchedulerFlags(r, service);
  assign(service.forwarding, forwardingOf(r));
  assign(service.persistence, r.duration("persistence"));
  if (auto mask = r.parsed<IpAddress>("persistence_netmask", &IpAddress::parse, "netmask")) {
    if (mask->family != service.family)
      r.error("persistence_netmask", "is not of the service's address family");
    else
      service.persistence_netmask = *mask;
  }
  if (auto sorry = r.string("sorry_server")) {
    service.sorry_server_text = *sorry;
    if (!sorry->empty()) service.sorry_server = endpointOf(r, "sorry_server");
  }
  assign(service.quorum, r.integer("quorum", 0, INT32_MAX));
  assign(service.inhibit_on_failure, r.boolean("inhibit_on_failure"));
  service.checks = readChecks(r, "check");
  for (auto& [table, path] : r.tables("real_server")) {
    TableReader server(*table, path, r.context());
    service.real_servers.push_back(readRealServer(server));
  }
  return service;
}

void readSync(TableReader& r, IpvsSync& sync) {
  assign(sync.interface, r.nonEmptyString("interface", true));
  assign(sync.sync_id, r.integer("sync_id", 0, 255));
  assign(sync.follow_instance, r.nonEmptyString("follow_instance"));
}

}  // namespace

IpvsService readIpvsService(const toml::table& table, std::string path, Context& ctx) {
  TableReader r(table, std::move(path), ctx);
  return readService(r);
}

void readIpvs(TableReader& root, Ipvs& ipvs) {
  const toml::table* table = root.table("ipvs");
  if (!table) return;
  TableReader r(*table, "ipvs", root.context());
  assign(ipvs.flush_on_stop, r.boolean("flush_on_stop"));
  assign(ipvs.drain_timeout, r.duration("drain_timeout"));
  if (auto timeout = r.duration("timeout_tcp")) ipvs.timeout_tcp = *timeout;
  if (auto timeout = r.duration("timeout_tcpfin")) ipvs.timeout_tcpfin = *timeout;
  if (auto timeout = r.duration("timeout_udp")) ipvs.timeout_udp = *timeout;
  if (auto on = r.boolean("expire_nodest_conn")) ipvs.expire_nodest_conn = *on;
  if (auto on = r.boolean("sloppy_tcp")) ipvs.sloppy_tcp = *on;
  if (auto on = r.boolean("expire_quiescent_template")) ipvs.expire_quiescent_template = *on;
  if (auto mode = r.integer("conn_reuse_mode", 0, 2)) ipvs.conn_reuse_mode = static_cast<int>(*mode);
  assign(ipvs.drop_untranslated_replies, r.boolean("drop_untranslated_replies"));
  for (auto& [t, path] : r.tables("service")) ipvs.services.push_back(readIpvsService(*t, path, root.context()));
  if (const toml::table* sync = r.table("sync")) {
    TableReader s(*sync, "ipvs.sync", root.context());
    ipvs.sync.emplace();
    readSync(s, *ipvs.sync);
  }
}

}  // namespace vipd::conf

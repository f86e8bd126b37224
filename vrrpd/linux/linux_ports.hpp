#pragma once
// The real ports for the daemon: `LinuxPorts ports(io); vrrp::Engine engine(ports.ports());`
#include "common/asio.hpp"
#include "vrrpd/linux/asio_timers.hpp"
#include "vrrpd/linux/nftables_filter_port.hpp"
#include "vrrpd/linux/packet_socket_frame_port.hpp"
#include "vrrpd/linux/process_script_port.hpp"
#include "vrrpd/linux/raw_socket_packet_port.hpp"
#include "vrrpd/linux/rtnetlink_address_port.hpp"
#include "vrrpd/linux/rtnetlink_link_port.hpp"

namespace vipd::vrrp {

struct LinuxPorts {
  explicit LinuxPorts(asio::io_context& io) : packets(io), links(io), timers(io), scripts(io) {}
  Ports ports() { return Ports{&packets, &addresses, &links, &frames, &timers, &scripts, &filter}; }

  RawSocketPacketFactory packets;
  RtnetlinkAddressPort addresses;
  RtnetlinkLinkPort links;
  PacketSocketFramePort frames;
  AsioTimers timers;
  ProcessScriptPort scripts;
  NftablesFilterPort filter;
};

}  // namespace vipd::vrrp

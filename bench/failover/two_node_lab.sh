# Sourced by failover.sh and stability.sh: a switch namespace ${p}s with a
# bridge, and nodes ${p}n1 and ${p}n2 (198.51.100.1 and .2) on it by veth.
# The caller's cleanup deletes the namespaces by name.
two_node_lab_up() {
  local p=$1 i
  ip netns add ${p}s; ip -n ${p}s link set lo up
  ip -n ${p}s link add br0 type bridge mcast_snooping 0 stp_state 0 forward_delay 0
  ip -n ${p}s link set br0 up
  for i in 1 2; do
    ip netns add ${p}n$i; ip -n ${p}n$i link set lo up
    ip link add eth0 netns ${p}n$i type veth peer name p$i netns ${p}s
    ip -n ${p}s link set p$i master br0 up
    ip -n ${p}n$i addr add 198.51.100.$i/24 dev eth0
    ip -n ${p}n$i link set eth0 up
  done
}

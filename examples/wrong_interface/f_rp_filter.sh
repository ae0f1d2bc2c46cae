# The network (the same in every scenario): h1, a client, behind r1, a router with two uplinks.
#
#   h1 ── eth0 r1 eth1 ── gwa ── 10.20.0.0/24, the servers (dummy device "servers" on gwa)
#              r1 eth2 ── gwb ── the rest of the world
#                          gwa and gwb are also joined by a backup link (eth1 on both).
#
# Packets from h1 to 10.20.0.0/24 must leave r1 through eth1.
ip netns add h1
ip netns add r1
ip netns add gwa
ip netns add gwb
ip -n h1 link add eth0 type veth peer name eth0 netns r1
ip -n gwa link add eth0 type veth peer name eth1 netns r1
ip -n gwb link add eth0 type veth peer name eth2 netns r1
ip -n gwa link add eth1 type veth peer name eth1 netns gwb
ip -n gwa link add servers type dummy
ip -n h1 addr add 10.0.1.1/24 dev eth0
ip -n r1 addr add 10.0.1.254/24 dev eth0
ip -n r1 addr add 192.168.1.1/30 dev eth1
ip -n r1 addr add 192.168.2.1/30 dev eth2
ip -n gwa addr add 192.168.1.2/30 dev eth0
ip -n gwa addr add 192.168.3.1/30 dev eth1
ip -n gwa addr add 10.20.0.1/24 dev servers
ip -n gwb addr add 192.168.2.2/30 dev eth0
ip -n gwb addr add 192.168.3.2/30 dev eth1
ip -n h1 link set eth0 up
ip -n r1 link set eth0 up
ip -n r1 link set eth1 up
ip -n r1 link set eth2 up
ip -n gwa link set eth0 up
ip -n gwa link set eth1 up
ip -n gwa link set servers up
ip -n gwb link set eth0 up
ip -n gwb link set eth1 up
ip -n h1 route add default via 10.0.1.254
ip -n r1 route add 10.20.0.0/24 via 192.168.1.2
ip -n r1 route add default via 192.168.2.2
ip -n gwa route add default via 192.168.1.1
ip -n gwb route add 10.0.1.0/24 via 192.168.2.1
ip netns exec r1 sysctl -q -w net.ipv4.ip_forward=1
ip netns exec gwb sysctl -q -w net.ipv4.ip_forward=1
sleep 1

# ---- Scenario (f). Something was changed after the setup:
ip netns exec r1 sysctl -q -w net.ipv4.conf.all.rp_filter=1
ip -n gwa route add 10.0.1.0/24 via 192.168.3.2
# ---- Investigate.
echo "== 1. the symptom, and the journey of the echo request and its reply"
trace on icmp and host 10.20.0.1 and (func veth_xmit or func icmp_rcv or func kfree_skb_reason)
ip netns exec h1 ping -c 1 -W 1 10.20.0.1
trace off
trace show
echo "== 2. why did r1 drop the reply?"
ip netns exec r1 nstat -az TcpExtIPReversePathFilter
ip netns exec r1 explain route from 10.20.0.1 iif eth2 10.0.1.1
echo "== 3. the fix: gwa sends the replies back the way the requests came"
ip -n gwa route del 10.0.1.0/24 via 192.168.3.2
ip netns exec h1 ping -c 1 -W 1 10.20.0.1

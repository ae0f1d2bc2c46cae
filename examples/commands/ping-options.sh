# ping with IP options across a router: record route, then timestamps (ms since midnight UTC).
ip netns add a
ip netns add r
ip netns add b
ip -n a link add eth0 type veth peer name eth0 netns r
ip -n b link add eth0 type veth peer name eth1 netns r
ip -n a addr add 10.0.1.1/24 dev eth0
ip -n r addr add 10.0.1.254/24 dev eth0
ip -n r addr add 10.0.2.254/24 dev eth1
ip -n b addr add 10.0.2.2/24 dev eth0
ip -n a link set eth0 up
ip -n r link set eth0 up
ip -n r link set eth1 up
ip -n b link set eth0 up
ip -n a route add default via 10.0.1.254
ip -n b route add default via 10.0.2.254
ip netns exec r sysctl -qw net.ipv4.ip_forward=1
ip netns exec a ping -R -c 1 10.0.2.2
ip netns exec a ping -T tsandaddr -c 1 10.0.2.2

# tracepath and nc across a router whose second link has an MTU of 576.
ip netns add h1
ip netns add r1
ip netns add h2
ip -n h1 link add eth0 type veth peer name eth0 netns r1
ip -n h2 link add eth0 type veth peer name eth1 netns r1
ip -n r1 link set eth1 mtu 576
ip -n h2 link set eth0 mtu 576
ip -n h1 addr add 10.0.1.1/24 dev eth0
ip -n r1 addr add 10.0.1.254/24 dev eth0
ip -n r1 addr add 10.0.2.254/24 dev eth1
ip -n h2 addr add 10.0.2.2/24 dev eth0
ip -n h1 link set eth0 up
ip -n r1 link set eth0 up
ip -n r1 link set eth1 up
ip -n h2 link set eth0 up
ip -n h1 route add default via 10.0.1.254
ip -n h2 route add default via 10.0.2.254
ip netns exec r1 sysctl -q -w net.ipv4.ip_forward=1
sleep 1
ip netns exec h1 tracepath -n 10.0.2.2
ip netns exec h2 nc -u -l -p 5000 &
echo "hello over UDP" | ip netns exec h1 nc -u -w 1 10.0.2.2 5000

# Why does 10.10.5.7 leave through eth2? Ask the route lookup to explain itself.
ip netns add r
ip -n r link add eth1 type dummy
ip -n r link add eth2 type dummy
ip -n r link set eth1 up
ip -n r link set eth2 up
ip -n r addr add 192.168.1.1/24 dev eth1
ip -n r addr add 192.168.2.1/24 dev eth2
ip -n r route add 10.10.0.0/16 via 192.168.1.2
ip -n r route add 10.10.5.0/24 via 192.168.2.2
ip -n r route get 10.10.5.7
ip netns exec r explain route 10.10.5.7

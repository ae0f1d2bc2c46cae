# ip: links, addresses, routes, rules and neighbours, in two namespaces joined by a veth pair.
ip netns add a
ip netns add b
ip netns list
ip -n a link add veth0 type veth peer name veth0 netns b
ip -n a link set veth0 up
ip -n b link set veth0 up
ip -n a addr add 10.0.0.1/24 dev veth0
ip -n b addr add 10.0.0.2/24 dev veth0
ip -n a route add 192.168.7.0/24 via 10.0.0.2
ip -n a rule add from 10.0.0.0/24 lookup 100 pref 1000
sleep 1
ip -n a -br link
ip -n a addr show dev veth0
ip -n a -4 -o addr
ip -n a route
ip -n a route get 192.168.7.9
ip -n a rule
ip -n a -j route show 192.168.7.0/24
ip netns exec a ping -c 1 -q 10.0.0.2
ip -n a neigh
ip -n a -s link show veth0
ip -n a route add 192.168.7.0/24 via 10.0.0.2

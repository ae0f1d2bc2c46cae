# Two namespaces joined by a veth pair: the smallest network there is.
ip netns add h1
ip netns add h2
ip -n h1 link add veth0 type veth peer name veth0 netns h2
ip -n h1 addr add 10.0.1.1/24 dev veth0
ip -n h2 addr add 10.0.1.2/24 dev veth0
ip -n h1 link set veth0 up
ip -n h2 link set veth0 up
sleep 1
ip netns exec h1 ping -c 2 10.0.1.2
ip -n h1 neigh show 10.0.1.2

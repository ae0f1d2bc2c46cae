# trace: the journey of an echo request into h2, with the skb layout at each step;
# then a ping to an address nobody has, and why its packet was dropped.
ip netns add h1
ip netns add h2
ip -n h1 link add veth0 type veth peer name veth0 netns h2
ip -n h1 addr add 10.0.1.1/24 dev veth0
ip -n h2 addr add 10.0.1.2/24 dev veth0
ip -n h1 link set veth0 up
ip -n h2 link set veth0 up
sleep 1
trace on icmp and netns h2 and (func ip_rcv or func ip_local_deliver or func icmp_rcv)
ip netns exec h1 ping -c 1 -q 10.0.1.2
trace off
trace show --columns skb
trace on host 10.0.1.3
ip netns exec h1 ping -c 1 -q -W 5 10.0.1.3
trace off
trace drops

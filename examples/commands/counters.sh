# nstat: SNMP counters since the previous call; dropwatch: drops by function and reason.
ip netns add h1
ip netns add h2
ip -n h1 link add veth0 type veth peer name veth0 netns h2
ip -n h1 addr add 10.0.1.1/24 dev veth0
ip -n h2 addr add 10.0.1.2/24 dev veth0
ip -n h1 link set veth0 up
ip -n h1 link set lo up
ip -n h2 link set veth0 up
sleep 1
ip netns exec h2 nstat -n
ip netns exec h1 dropwatch
ip netns exec h1 ping -c 1 -q -s 3000 10.0.1.2
ip netns exec h2 nstat
ip netns exec h1 ping -c 1 -q 10.0.1.3
sleep 5
ip netns exec h1 dropwatch

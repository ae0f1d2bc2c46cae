# ip monitor in the background: every change to a's links, addresses, routes, rules,
# neighbours and settings prints as it happens, after the line that caused it.
ip netns add a
ip netns add b
ip -n a monitor label &
ip -n a link add veth0 address 02:00:00:00:00:01 type veth peer name veth0 netns b
ip -n a addr add 10.0.0.1/24 dev veth0
ip -n a route add blackhole 10.9.0.0/16
ip netns exec a sysctl -qw net.ipv4.conf.veth0.rp_filter=2
ip -n a netconf show dev veth0
ip -n a route del blackhole 10.9.0.0/16

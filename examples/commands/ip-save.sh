# ip: a route dump saved and restored, address lifetimes running out, namespace ids.
ip netns add a
ip netns add b
ip -n a link add veth0 type veth peer name veth0 netns b
ip -n a link set veth0 up
ip -n b link set veth0 up
ip -n a addr add 10.0.0.1/24 dev veth0
ip -n a addr add 10.0.1.1/24 dev veth0 valid_lft 30 preferred_lft 10
ip -n a route add 192.168.7.0/24 via 10.0.1.2 metric 10
ip -n a route save > routes.bin
ip -n a route flush 192.168.7.0/24
ip -n a route restore < routes.bin
ip -n a route showdump < routes.bin
sleep 12
ip -n a addr show dev veth0
sleep 20
ip -n a -o addr show dev veth0
ip -n a route
ip netns set b 7
ip netns list-id
ip netns list

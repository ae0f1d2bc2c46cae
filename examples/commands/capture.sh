# tcpdump in the background while ping runs in the foreground.
ip netns add h1
ip netns add h2
ip -n h1 link add veth0 type veth peer name veth0 netns h2
ip -n h1 addr add 10.0.1.1/24 dev veth0
ip -n h2 addr add 10.0.1.2/24 dev veth0
ip -n h1 link set veth0 up
ip -n h2 link set veth0 up
sleep 1
ip netns exec h2 tcpdump -n -e -i veth0 -c 4 &
ip netns exec h1 ping -c 1 -q 10.0.1.2
wait
ip netns exec h1 arping -c 2 -I veth0 10.0.1.2

ip netns add h1
ip netns exec h1 ip monitor link &
sleep 100 &
jobs -l
ip netns identify 1001
ip netns pids h1
ip link add veth0 type veth peer name veth1
ip link set veth0 netns 1001
kill -9 %1
sleep 1
kill %1
wait $!

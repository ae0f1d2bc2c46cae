# ip nexthop: a resilient group keeps each flow's bucket on its nexthop; a weight change
# moves the idle buckets at once and the rest when they have been idle for idle_timer.
ip link add d0 type veth peer name p0
ip link set d0 up
ip link set p0 up
ip addr add 10.0.0.1/24 dev d0
ip nexthop add id 1 via 10.0.0.2 dev d0
ip nexthop add id 2 via 10.0.0.3 dev d0
ip nexthop add id 10 group 1/2 type resilient buckets 4 idle_timer 5
ip route add 192.168.0.0/16 nhid 10
ip nexthop show id 10
ip nexthop bucket show
ip route get 192.168.1.1
ip route get 192.168.7.7
ip monitor nexthop &
ip nexthop replace id 10 group 1/2,9 type resilient
ip nexthop bucket show
sleep 2
ip nexthop show id 10
sleep 4
ip nexthop show id 10
ip -j nexthop bucket get id 10 index 3

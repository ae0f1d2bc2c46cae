# ip nexthop: nexthop objects, a weighted group, and routes that use them by id.
ip link set lo up
ip link add d0 type veth peer name p0
ip link add d1 type veth peer name p1
ip link set d0 up
ip link set p0 up
ip link set d1 up
ip link set p1 up
ip addr add 10.0.0.1/24 dev d0
ip addr add 10.1.0.1/24 dev d1
ip nexthop add id 1 via 10.0.0.2 dev d0
ip nexthop add id 2 via 10.1.0.2 dev d1
ip nexthop add id 3 blackhole
ip nexthop add id 10 group 1/2,3
ip route add 192.168.0.0/16 nhid 10
ip route add 172.16.0.0/12 nhid 1
ip route add 10.99.0.0/16 nhid 3
ip nexthop
ip route
ip -d route show 172.16.0.0/12
ip route get 172.16.1.1
ip nexthop replace id 1 via 10.0.0.3 dev d0
ip route show 172.16.0.0/12
ip nexthop del id 2
ip nexthop show id 10
ip route show 192.168.0.0/16
ip link set d0 down
ip nexthop
ip route
ip route get 10.99.1.1

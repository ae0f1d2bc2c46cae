# rtmon records a's rtnetlink messages in a file (the kernel's bytes); ip monitor file
# prints the recording later, as the live monitor would have, with rtmon's time stamps.
ip netns add a
ip netns exec a rtmon file a.rtm &
ip -n a link add d0 address 02:00:00:00:00:01 type dummy
ip -n a addr add 10.0.0.1/24 dev d0
ip -n a link set d0 up
ip -n a neigh add 10.0.0.7 lladdr 02:00:00:00:00:07 dev d0
kill %1
ip -n a monitor label file a.rtm

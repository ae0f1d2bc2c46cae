# sysctl and /proc: the same knobs and counters, read and written the usual ways.
ip netns add r
sysctl net.ipv4.ip_forward
ip netns exec r sysctl -w net.ipv4.ip_forward=1
ip netns exec r cat /proc/sys/net/ipv4/ip_forward
sysctl net.ipv4.ip_forward
echo 2 > /proc/sys/net/ipv4/conf/all/rp_filter
sysctl -n net.ipv4.conf.all.rp_filter
sysctl -a -r 'neigh\.lo\.(base_reachable|retrans)'
ip netns exec r cat /proc/net/dev
ip netns exec r cat /proc/net/softnet_stat
sysctl net.ipv4.no_such_knob

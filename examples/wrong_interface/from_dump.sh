# Your own router: load its `ip -j` dumps into a namespace and ask the same questions.
# On the real box (as root):
#   ip -j -d link > link.json; ip -j addr > addr.json; ip -j route show table all > route.json
#   ip -j rule > rule.json; ip -j neigh > neigh.json
# These dumps were taken from r1 of scenario (a).
hostdump examples/wrong_interface/r1-dump --netns r1
# The dumps hold no sysctls: set the ones that matter (here, r1 is a router).
ip netns exec r1 sysctl -q -w net.ipv4.ip_forward=1
ip -n r1 route show root 10.20.0.0/16
ip -n r1 route get 10.20.0.1 from 10.0.1.1 iif eth0 explain

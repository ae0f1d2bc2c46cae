# The network: h1 behind r1, a router with two uplinks. Run from the repository root.
. examples/wrong_interface/topology.sh

# ---- Scenario (e). Something was changed after the setup:
ip netns exec r1 sysctl -q -w net.ipv4.conf.all.ignore_routes_with_linkdown=1
ip -n gwa link set eth0 down
sleep 1
# ---- Investigate.
echo "== 1. the symptom, and the journey of the echo request"
trace on dst 10.20.0.1 and (func veth_xmit or func kfree_skb_reason)
ip netns exec h1 ping -c 1 -W 1 10.20.0.1
trace off
trace show
echo "== 2. why did r1 send it out of eth2?"
ip -n r1 route show 10.20.0.0/24
ip -n r1 -br link show eth1
ip -n r1 route get 10.20.0.1 from 10.0.1.1 iif eth0 explain
echo "== 3. the fix: plug gwa's cable back in, and restore the route it lost"
ip -n gwa link set eth0 up
ip -n gwa route add default via 192.168.1.1
sleep 1
ip -n r1 route show 10.20.0.0/24
ip netns exec h1 ping -c 1 -W 1 10.20.0.1

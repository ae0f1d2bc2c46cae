# The network: h1 behind r1, a router with two uplinks. Run from the repository root.
. examples/wrong_interface/topology.sh

# ---- Scenario (b). Something was changed after the setup:
ip -n r1 route add default via 192.168.2.2 table 100
ip -n r1 rule add from 10.0.1.0/24 lookup 100 pref 100
# ---- Investigate.
echo "== 1. the symptom, and the journey of the echo request"
trace on dst 10.20.0.1 and (func veth_xmit or func kfree_skb_reason)
ip netns exec h1 ping -c 1 -W 1 10.20.0.1
trace off
trace show
echo "== 2. why did r1 send it out of eth2?"
ip -n r1 rule
ip -n r1 route get 10.20.0.1 from 10.0.1.1 iif eth0 explain
echo "== 3. the fix: let table 100 know the servers too"
ip -n r1 route add 10.20.0.0/24 via 192.168.1.2 table 100
ip netns exec h1 ping -c 1 -W 1 10.20.0.1

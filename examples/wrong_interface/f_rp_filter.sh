# The network: h1 behind r1, a router with two uplinks. Run from the repository root.
. examples/wrong_interface/topology.sh

# ---- Scenario (f). Something was changed after the setup:
ip netns exec r1 sysctl -q -w net.ipv4.conf.all.rp_filter=1
ip -n gwa route add 10.0.1.0/24 via 192.168.3.2
# ---- Investigate.
echo "== 1. the symptom, and the journey of the echo request and its reply"
trace on icmp and host 10.20.0.1 and (func veth_xmit or func icmp_rcv or func kfree_skb_reason)
ip netns exec h1 ping -c 1 -W 1 10.20.0.1
trace off
trace show
echo "== 2. why did r1 drop the reply?"
ip netns exec r1 nstat -az TcpExtIPReversePathFilter
ip netns exec r1 explain route from 10.20.0.1 iif eth2 10.0.1.1
echo "== 3. the fix: gwa sends the replies back the way the requests came"
ip -n gwa route del 10.0.1.0/24 via 192.168.3.2
ip netns exec h1 ping -c 1 -W 1 10.20.0.1

"""A new IPv4 protocol: a handler for protocol number 253 (RFC 3692, for experiments).

`inet_add_protocol` puts the handler in the namespace's `inet_protos` table, where
`ip_local_deliver_finish` finds it by the IP header's protocol byte. The sender builds the
datagram itself, as a raw socket with IP_HDRINCL does: route, allocate with link-layer
headroom, write the IP header, attach the route, `ip_local_out`.

Run: python examples/extending/protocol.py
"""

from __future__ import annotations

from skbuff.net import flow
from skbuff.net.core import dev as core_dev
from skbuff.net.core import skbuff as core_skbuff
from skbuff.net.core.net_namespace import Net
from skbuff.net.core.skbuff import sk_buff
from skbuff.net.ipv4 import ip_output, protocol, route
from skbuff.sim.world import World
from skbuff.uapi import inet, ip

IPPROTO_EXP = 253


def exp_rcv(skb: sk_buff) -> int:
    """net_protocol.handler: owns the skb; skb.data is at the payload (IP header pulled).
    Softirq context."""
    net = skb.dev.nd_net
    text = core_skbuff.skb_copy_bits(skb, 0, skb.len) or b""
    src = ip.iphdr(skb.buf, core_skbuff.skb_network_header(skb)).saddr
    print(f"{net.name}: protocol {IPPROTO_EXP} from {inet.ntoa(src)}: {text.decode()}")
    core_skbuff.consume_skb(skb)
    return 0


def exp_send(net: Net, daddr: str, text: bytes) -> int:
    """Route `daddr`, build the datagram, send it. Process context; 0 or -errno."""
    fl4 = flow.flowi4(daddr=inet.in_aton(daddr), flowi4_proto=IPPROTO_EXP)
    rt = route.ip_route_output_key(net, fl4)
    if isinstance(rt, int):
        return rt
    hlen = core_dev.LL_RESERVED_SPACE(rt.dst.dev)
    data = ip.build_ipv4(fl4.saddr, fl4.daddr, IPPROTO_EXP, text)
    skb = core_skbuff.alloc_skb(hlen + len(data), core_skbuff.GFP_KERNEL)
    core_skbuff.skb_reserve(skb, hlen)
    core_skbuff.skb_reset_network_header(skb)
    core_skbuff.skb_put_data(skb, data)
    core_skbuff.skb_dst_set(skb, rt.dst)  # the route's reference goes to the skb
    return ip_output.ip_local_out(net, None, skb)


def main() -> None:
    w = World()
    for line in ("ip netns add a", "ip netns add b",
                 "ip -n a link add eth0 type veth peer name eth0 netns b",
                 "ip -n a addr add 10.0.0.1/24 dev eth0", "ip -n b addr add 10.0.0.2/24 dev eth0",
                 "ip -n a link set eth0 up", "ip -n b link set eth0 up", "sleep 1"):
        w.run(line)
    k = w.kernel
    b = w.netns("b")
    k.run_task(protocol.inet_add_protocol, b, protocol.net_protocol(exp_rcv), IPPROTO_EXP)
    print("send:", k.run_task(exp_send, w.netns("a"), "10.0.0.2", b"hello, protocol 253"))
    k.run_for(1_000_000)
    print(w.run("ip netns exec b nstat -az IpInDelivers IpInUnknownProtos").stdout, end="")


if __name__ == "__main__":
    main()

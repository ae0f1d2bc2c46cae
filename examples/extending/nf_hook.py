"""A netfilter hook: a tiny firewall on r1's FORWARD hook that drops pings to h2.

`nf_register_net_hook` adds the hook to r1's namespace; `NF_HOOK(NFPROTO_IPV4,
NF_INET_FORWARD, …)` in `ip_forward` calls it for every packet r1 forwards, in priority order.
The hook returns a verdict: NF_ACCEPT lets the packet continue to `ip_forward_finish`,
NF_DROP frees it (the drop is counted, with reason NETFILTER_DROP).

Run: python examples/extending/nf_hook.py
"""

from __future__ import annotations

from skbuff.net.core import skbuff as core_skbuff
from skbuff.net.core.skbuff import sk_buff
from skbuff.net.netfilter import core as nf
from skbuff.sim import topology
from skbuff.sim.world import World
from skbuff.uapi import icmp, in_, inet, ip


class no_ping_to:
    """Drop ICMP echo requests to one address; count what was dropped."""

    def __init__(self, daddr: str) -> None:
        self.daddr = inet.in_aton(daddr)
        self.dropped = 0

    def hook(self, priv: object, skb: sk_buff, state: nf.nf_hook_state) -> int:
        """nf_hook_ops.hook: softirq context; the skb stays the caller's."""
        nh = core_skbuff.skb_network_header(skb)
        iph = ip.iphdr(skb.buf, nh)
        if (iph.daddr == self.daddr and iph.protocol == in_.IPPROTO_ICMP
                and skb.buf[nh + iph.ihl * 4] == icmp.ICMP_ECHO):
            self.dropped += 1
            return nf.NF_DROP
        return nf.NF_ACCEPT


def main() -> None:
    w = World()
    topology.apply(w, topology.routed())
    fw = no_ping_to("10.0.2.2")
    ops = nf.nf_hook_ops(nf.NF_INET_FORWARD, nf.NFPROTO_IPV4, nf.NF_IP_PRI_FILTER, fw.hook)
    print("register:", nf.nf_register_net_hook(w.netns("r1"), ops))
    print(w.run("ip netns exec h1 ping -c 2 -W 1 10.0.2.2").stdout, end="")
    print(f"r1 dropped {fw.dropped} echo requests")
    nf.nf_unregister_net_hook(w.netns("r1"), ops)
    print(w.run("ip netns exec h1 ping -c 1 10.0.2.2").stdout, end="")


if __name__ == "__main__":
    main()

"""A link-layer protocol handler: a tap that sees every frame one device receives or sends.

`dev_add_pack(packet_type(ETH_P_ALL, dev, func))` puts `func` on the `ptype_all` list, which
`__netif_receive_skb_core` walks before the protocol handlers and `dev_queue_xmit_nit` walks
for outgoing frames: this is how tcpdump's AF_PACKET socket sees traffic. A tap gets its own
reference to the skb (`users` is raised), so it must drop that reference when done.

Run: python examples/extending/tap.py
"""

from __future__ import annotations

from collections import Counter

from skbuff.net.core import dev as core_dev
from skbuff.net.core import skbuff as core_skbuff
from skbuff.net.core.dev import net_device, packet_type
from skbuff.net.core.skbuff import sk_buff
from skbuff.sim.world import World
from skbuff.uapi.if_ether import ETH_P_ALL
from skbuff.uapi.if_packet import PACKET_OUTGOING

NAMES = {0x0800: "IPv4", 0x0806: "ARP"}


class tap:
    """Counts frames by direction and ethertype."""

    def __init__(self) -> None:
        self.seen: Counter[tuple[str, str]] = Counter()

    def rcv(self, skb: sk_buff, dev: net_device, pt: packet_type, orig_dev: net_device) -> int:
        """packet_type.func: softirq (receive) or BH-disabled (transmit) context; owns its
        reference to `skb`."""
        way = "out" if skb.pkt_type == PACKET_OUTGOING else "in"
        self.seen[way, NAMES.get(skb.protocol, hex(skb.protocol))] += 1
        core_skbuff.consume_skb(skb)
        return core_dev.NET_RX_SUCCESS


def main() -> None:
    w = World()
    for line in ("ip netns add a", "ip netns add b",
                 "ip -n a link add eth0 type veth peer name eth0 netns b",
                 "ip -n a addr add 10.0.0.1/24 dev eth0", "ip -n b addr add 10.0.0.2/24 dev eth0",
                 "ip -n a link set eth0 up", "ip -n b link set eth0 up", "sleep 1"):
        w.run(line)
    t = tap()
    pt = packet_type(ETH_P_ALL, w.netns("a").dev_base_head["eth0"], t.rcv)
    w.kernel.run_task(core_dev.dev_add_pack, pt)
    w.run("ip netns exec a ping -c 3 10.0.0.2")
    w.kernel.run_task(core_dev.dev_remove_pack, pt)
    for (way, proto), n in sorted(t.seen.items()):
        print(f"{way:>3} {proto:<5} {n}")


if __name__ == "__main__":
    main()

"""A booted machine with one Ethernet device, for the IPv4 engine tests: crafted frames in,
drop reasons (from the kfree_skb tracepoint) and MIB deltas out.

Routing is not needed: tests that go past the input route give the skb a hand-made rtable
(`Bed.rt`), exactly as the kernel would find one attached after ip_route_input_noref.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from skbuff.kernel.kernel import Kernel
from skbuff.net.core import dev as core_dev
from skbuff.net.core import skbuff
from skbuff.net.core.net_namespace import Net
from skbuff.net.core.skbuff import sk_buff
from skbuff.net.ipv4 import route
from skbuff.sim.machine import boot
from skbuff.uapi import snmp
from skbuff.uapi.inet import in_aton
from skbuff.uapi.ip import build_ipv4

A = in_aton("192.0.2.1")
B = in_aton("198.51.100.7")


class Bed:
    """One kernel, `init_net`, device `eth0` (registered, up not needed for these paths)."""

    def __init__(self, seed: int = 0) -> None:
        self.k: Kernel = boot(seed=seed)
        self.token = self.k.__enter__()
        self.net: Net = self.k.init_net
        dev = core_dev.alloc_etherdev()
        assert dev is not None
        dev.nd_net = self.net
        assert core_dev.register_netdevice(dev) == 0
        self.dev = dev
        self.drops: list[tuple[int, str]] = []
        self.sent: list[bytes] = []
        self.lookups: list[tuple[int, int, int]] = []
        self.route_ok = False
        self.k.trace.attach("kfree_skb", self._on_drop)
        self.ip0 = list(self.net.mib.ip_statistics)

    def close(self) -> None:
        self.k.trace.detach("kfree_skb", self._on_drop)
        self.k.__exit__(None, None, None)

    def _on_drop(self, skb: sk_buff, location: Any, reason: Any) -> None:
        self.drops.append((skb.id, reason.name if hasattr(reason, "name") else str(reason)))

    def reasons(self) -> list[str]:
        return [r for _, r in self.drops]

    def frame(self, pkt: bytes, pkt_type: int = 0, headroom: int = 64) -> sk_buff:
        """An skb as the driver + eth_type_trans hand it to ip_rcv (data at the IP header)."""
        skb = skbuff.alloc_skb(len(pkt) + headroom, 0)
        skbuff.skb_reserve(skb, headroom)
        skbuff.skb_put_data(skb, pkt)
        skbuff.skb_reset_network_header(skb)
        skb.dev = self.dev
        skb.skb_iif = self.dev.ifindex
        skb.pkt_type = pkt_type
        return skb

    def packet(self, payload: bytes = b"x" * 32, **kw: Any) -> bytes:
        kw.setdefault("saddr", A)
        kw.setdefault("daddr", B)
        kw.setdefault("protocol", 17)
        return build_ipv4(kw.pop("saddr"), kw.pop("daddr"), kw.pop("protocol"), payload, **kw)

    def rt(self, rt_type: int, input: Callable[[sk_buff], int] | None = None,
           output: Callable[..., int] | None = None, mtu: int = 1500) -> route.rtable:
        rt = route.rtable(self.dev, 0, rt_type, 0, self.k.jiffies, 0)
        self.dev.mtu = mtu
        if input is not None:
            rt.input = input
        if output is not None:
            rt.output = output
        return rt

    def ip_delta(self) -> dict[str, int]:
        """Every Ip/IpExt counter that moved since the bed was made (or last reset)."""
        names = {f: n for n, f in snmp.snmp4_ipstats_list + snmp.snmp4_ipextstats_list}
        now = self.net.mib.ip_statistics
        return {names[i]: now[i] - self.ip0[i] for i in range(len(now))
                if now[i] != self.ip0[i] and i in names}

    def reset(self) -> None:
        self.ip0 = list(self.net.mib.ip_statistics)
        self.drops.clear()

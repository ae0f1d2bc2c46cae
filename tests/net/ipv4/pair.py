"""Two namespaces joined by a veth pair, with a tap on each end: crafted frames in, frames on
the wire and sockets out. Shared by the IPv4 output tests (corking, options, /proc/net/udp).
"""

from __future__ import annotations

import socket
from typing import Any

from skbuff.net import socket as bsd
from skbuff.net.core import dev as core_dev
from skbuff.net.core import skbuff
from skbuff.net.packet import af_packet
from skbuff.sim.world import World
from skbuff.uapi.if_packet import PACKET_HOST

H1, H1B, H2 = "10.6.0.1", "10.6.0.3", "10.6.0.2"


class Pair:
    """h1 (e0: 10.6.0.1 and 10.6.0.3) -- h2 (e1: 10.6.0.2), both ends at `mtu`."""

    def __init__(self, mtu: int = 1500, seed: int = 1) -> None:
        self.w = World(seed=seed)
        r = self.w.script(f"""
            ip netns add h1
            ip netns add h2
            ip -n h1 link add e0 type veth peer name e1 netns h2
            ip -n h1 link set e0 mtu {mtu}
            ip -n h2 link set e1 mtu {mtu}
            ip -n h1 addr add {H1}/24 dev e0
            ip -n h1 addr add {H1B}/24 dev e0
            ip -n h2 addr add {H2}/24 dev e1
            ip -n h1 link set e0 up
            ip -n h2 link set e1 up
        """)
        assert r.status == 0, r.stderr
        self.k = self.w.kernel
        self.h1, self.h2 = self.w.netns("h1"), self.w.netns("h2")
        self.e0 = self.h1.dev_base_head["e0"]
        self.e1 = self.h2.dev_base_head["e1"]
        self.tap1 = self.k.run_task(af_packet.packet_create, self.h1, self.e0)
        self.tap2 = self.k.run_task(af_packet.packet_create, self.h2, self.e1)

    def socket(self, net: Any, type: int = socket.SOCK_DGRAM, proto: int = 0) -> Any:
        return self.k.run_task(bsd.net_socket, net, socket.AF_INET, type, proto)

    def call(self, fn: Any, *args: Any) -> Any:
        return self.k.run_task(fn, *args)

    def settle(self, seconds: float = 0.5) -> None:
        self.w.run(f"sleep {seconds}")

    @staticmethod
    def ip_frames(tap: Any) -> list[bytes]:
        """IPv4 packets (from the IP header) that arrived on the tapped device."""
        return [bytes(r.data[14:]) for r in tap.records
                if r.pkt_type == PACKET_HOST and r.data[12:14] == b"\x08\x00"]

    def inject(self, ip_packet: bytes) -> None:
        """Send an IPv4 packet from h1's e0 to h2 as a packet socket would (the whole frame,
        straight to the device)."""
        frame = bytes(self.e1.dev_addr) + bytes(self.e0.dev_addr) + b"\x08\x00" + ip_packet

        def xmit() -> int:
            skb = skbuff.alloc_skb(len(frame) + 32, skbuff.GFP_ATOMIC)
            skbuff.skb_reserve(skb, 32)
            skbuff.skb_put_data(skb, frame)
            skbuff.skb_reset_mac_header(skb)
            skb.dev = self.e0
            skb.protocol = 0x0800
            return core_dev.dev_queue_xmit(skb)

        self.k.run_task(xmit)
        self.settle(0.1)

    def proc(self, net_name: str, path: str) -> str:
        return self.w.run(f"ip netns exec {net_name} cat {path}").stdout

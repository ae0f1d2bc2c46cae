"""IPv4 fragmentation speed: ip_do_fragment's frag_list fast path (the datagram ip_make_skb
builds) against its slow path (the same datagram as one linear skb), as a ratio measured in
the same run; and a whole UDP datagram (socket to socket across a veth pair) in empty-call units.

Run: PYTHONPATH=src python benchmarks/bench_frag.py. Times are process CPU time, best of 5.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

from skbuff.net import flow
from skbuff.net import socket as bsd
from skbuff.net.core import skbuff as S
from skbuff.net.core import sock
from skbuff.net.ipv4 import ip_output, route
from skbuff.sim.world import World
from skbuff.uapi.inet import in_aton

SIZE = 8000  # data bytes: 6 fragments at MTU 1500
N = 2000


def _empty() -> None:
    """Baseline: an empty function call."""


def _best(fn: Callable[[], float]) -> float:
    return min(fn() for _ in range(5))


def main() -> None:
    w = World(seed=0)
    r = w.script("""
        ip netns add h1
        ip netns add h2
        ip -n h1 link add e0 type veth peer name e1 netns h2
        ip -n h1 addr add 10.7.0.1/24 dev e0
        ip -n h2 addr add 10.7.0.2/24 dev e1
        ip -n h1 link set e0 up
        ip -n h2 link set e1 up
    """)
    assert r.status == 0, r.stderr
    k = w.kernel
    h1 = w.netns("h1")
    sk = k.run_task(bsd.net_socket, h1, socket.AF_INET, socket.SOCK_DGRAM, 0).sk
    sk.pmtudisc = 0
    sk.sk_sndbuf = 1 << 40  # N datagrams are held at once: no send-buffer limit here
    fl4 = flow.flowi4(daddr=in_aton("10.7.0.2"), saddr=in_aton("10.7.0.1"), flowi4_proto=17)
    payload = bytes(8) + bytes(SIZE)

    def consume(net: Any, sk_: Any, skb: S.sk_buff) -> int:
        S.consume_skb(skb)
        return 0

    def datagrams(linear: bool) -> list[S.sk_buff]:
        out = []
        for _ in range(N):
            rt = route.ip_route_output_key(h1, fl4)
            assert not isinstance(rt, int)
            skb = ip_output.ip_make_skb(sk, fl4, payload, len(payload), 8,
                                        ip_output.ipcm_cookie(sk, fl4.daddr), [rt],
                                        sock.inet_cork(), 0)
            assert isinstance(skb, S.sk_buff)
            if linear:
                assert S.skb_linearize(skb) == 0
            out.append(skb)
        return out

    def fragment(linear: bool) -> float:
        skbs = datagrams(linear)
        t0 = time.process_time()
        for skb in skbs:
            ip_output.ip_do_fragment(h1, None, skb, consume)
        return time.process_time() - t0

    def empty_calls() -> float:
        f = _empty
        t0 = time.process_time()
        for _ in range(1_000_000):
            f()
        return (time.process_time() - t0) / 1_000_000

    tx = k.run_task(bsd.net_socket, h1, socket.AF_INET, socket.SOCK_DGRAM, 0)
    rx = k.run_task(bsd.net_socket, w.netns("h2"), socket.AF_INET, socket.SOCK_DGRAM, 0)
    k.run_task(rx.bind, ("10.7.0.2", 9))
    rx.sk.sk_rcvbuf = 1 << 40

    def sends(size: int) -> float:
        """N datagrams sent, delivered (reassembled) and queued on h2's socket."""
        data = bytes(size)

        def run() -> float:
            t0 = time.process_time()
            for _ in range(N):
                tx.sendto(data, ("10.7.0.2", 9))
            k.run_for(100_000_000)
            return time.process_time() - t0
        return float(k.run_task(run))

    empty = _best(empty_calls)
    fast = _best(lambda: float(k.run_task(fragment, False)))
    slow = _best(lambda: float(k.run_task(fragment, True)))
    small = _best(lambda: sends(64)) / N
    big = _best(lambda: sends(SIZE)) / N
    print(f"ip_do_fragment {SIZE} B / MTU 1500, frag_list fast path: {N / fast:10,.0f} /s")
    print(f"ip_do_fragment {SIZE} B / MTU 1500, linear slow path   : {N / slow:10,.0f} /s "
          f"(fast path = {slow / fast:4.2f} x faster)")
    print(f"udp sendto 64 B, socket to socket     : {1 / small:10,.0f} /s "
          f"= {small / empty:8.0f} empty calls each")
    print(f"udp sendto {SIZE} B (6 fragments)       : {1 / big:10,.0f} /s "
          f"= {big / small:5.2f} x a 64 B send")


if __name__ == "__main__":
    main()

"""Forwarding speed: packets/s through a router namespace (veth in → ip_rcv → ip_forward →
ip_output → neighbour → veth out) with a 1,000-route FIB and ARP resolved, as ratios to a
baseline measured in the same run (building and freeing the same frames without the stack).

Topology (set up with the same `ip` command lines as on Linux):
    h1 (10.1.0.2) --veth-- (10.1.0.1) r (10.2.0.1) --veth-- (10.2.0.2) h2
Frames are injected on r's ingress veth as the peer would deliver them (an Ethernet frame
addressed to r, handed to netif_receive_skb). Reported:

- router only: batches of BATCH frames received with BHs disabled, as in the NET_RX softirq
  of a NAPI driver, so r's work ends when veth_xmit queues the frame on h2's backlog; then
  h2's receive of the batch (ip_rcv → input route → ip_error, h2 does not forward) is timed
  separately when local_bh_enable runs the pending softirq.
- end to end: each frame received from task context, so h2's softirq runs inline when r's
  transmit re-enables BHs (router + receiving host), tracing off and with a
  kfree_skb/consume_skb probe attached.

Times are this process's CPU time (`time.process_time`), best of TRIALS: on a shared
machine wall-clock rates swing by 3x between runs, CPU time far less.

`--calls` also prints the Python calls one forwarded packet makes on r (cProfile), the
measure of how much of the kernel's inlining the hot path mirrors; `--bytecodes` the
bytecodes executed per packet on r and on h2 (opcode tracing: exact and independent of
machine load, so two trees compare run to run) with the functions that execute the most.

Run: python benchmarks/bench_forward.py [--calls] [--bytecodes] (any runtime: CPython or PyPy,
see docs/runtimes.md; best of TRIALS also lets PyPy's JIT warm up)
"""

from __future__ import annotations

import cProfile
import platform
import pstats
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any

from skbuff.kernel import softirq
from skbuff.kernel.kernel import Kernel
from skbuff.net.core import dev as D
from skbuff.net.core import skbuff as S
from skbuff.net.core.net_namespace import Net
from skbuff.net.ethernet import eth
from skbuff.sim.world import World
from skbuff.uapi import snmp
from skbuff.uapi.if_ether import ETH_P_IP, build_eth
from skbuff.uapi.inet import in_aton
from skbuff.uapi.ip import build_ipv4
from skbuff.uapi.udp import build_udp

N = 5_000
TRIALS = 5
BATCH = 250  # below netdev_max_backlog (1000): h2's backlog never overflows
ROUTES = 1000
SETUP = """\
ip netns add h1
ip netns add r
ip netns add h2
ip -n h1 link add v1 type veth peer name r1 netns r
ip -n h2 link add v2 type veth peer name r2 netns r
ip -n h1 addr add 10.1.0.2/24 dev v1
ip -n r addr add 10.1.0.1/24 dev r1
ip -n r addr add 10.2.0.1/24 dev r2
ip -n h2 addr add 10.2.0.2/24 dev v2
ip -n h1 link set v1 up
ip -n h2 link set v2 up
ip -n r link set r1 up
ip -n r link set r2 up
ip netns exec r sysctl -w net.ipv4.ip_forward=1
ip -n h1 route add default via 10.1.0.1
ip -n h2 route add default via 10.2.0.1
"""


@dataclass
class Bench:
    """The built topology and the frame to inject on r1."""

    world: World
    k: Kernel
    r: Net
    r1: D.net_device
    frame: bytes

    def rx(self) -> None:
        """Hand one frame to r1's receive path (netif_receive_skb)."""
        skb = S.netdev_alloc_skb(self.r1, len(self.frame))
        S.skb_put_data(skb, self.frame)
        skb.protocol = eth.eth_type_trans(skb, self.r1)
        D.netif_receive_skb(skb)

    def forwarded(self) -> int:
        """r's OutForwDatagrams."""
        return self.r.mib.ip_statistics[snmp.IPSTATS_MIB_OUTFORWDATAGRAMS]


def build() -> Bench:
    """Set up the topology and resolve the next hop (run inside `with bench.k:` afterwards)."""
    w = World(ncpus=1)
    for line in SETUP.splitlines():
        res = w.run(line)
        assert res.status == 0, (line, res)
    for i in range(ROUTES):
        res = w.run(f"ip -n r route add 172.{16 + i // 256}.{i % 256}.0/24 via 10.2.0.2")
        assert res.status == 0, res
    r = w.netns("r")
    r1 = r.dev_base_head["r1"]
    h1_v1 = w.netns("h1").dev_base_head["v1"]
    payload = build_udp(in_aton("10.1.0.2"), in_aton("172.16.3.9"), 4000, 9, bytes(18))
    packet = build_ipv4(in_aton("10.1.0.2"), in_aton("172.16.3.9"), 17, payload, ttl=64)
    frame = build_eth(bytes(r1.dev_addr), bytes(h1_v1.dev_addr), ETH_P_IP, packet)
    b = Bench(w, w.kernel, r, r1, frame)
    with b.k:
        # The first packet queues on ARP; the reply completes the neighbour entry.
        b.rx()
        b.k.run_for(10**9)
    return b


def _rate(fn: Callable[[int], None], n: int) -> float:
    """Packets per second of `fn(n)` (best of TRIALS)."""
    best = float("inf")
    for _ in range(TRIALS):
        t0 = time.process_time()
        fn(n)
        best = min(best, time.process_time() - t0)
    return n / best


def _split_rates(b: Bench, n: int) -> tuple[float, float]:
    """(router pkt/s, receiving host pkt/s), best of TRIALS, in batches of BATCH frames."""
    k = b.k
    best_r = best_h = float("inf")
    for _ in range(TRIALS):
        t_r = t_h = 0.0
        for _ in range(n // BATCH):
            t0 = time.process_time()
            softirq.local_bh_disable(k)
            for _ in range(BATCH):
                b.rx()
            t1 = time.process_time()
            softirq.local_bh_enable(k)
            t_h += time.process_time() - t1
            t_r += t1 - t0
        best_r = min(best_r, t_r)
        best_h = min(best_h, t_h)
    return n / best_r, n / best_h


def calls_per_packet(b: Bench, n: int) -> float:
    """Python function calls (cProfile's count, C functions included) per packet on r."""
    k = b.k
    prof = cProfile.Profile()
    softirq.local_bh_disable(k)
    prof.enable()
    for _ in range(n):
        b.rx()
    prof.disable()
    softirq.local_bh_enable(k)
    stats = pstats.Stats(prof)
    total: int = stats.total_calls  # type: ignore[attr-defined]
    return total / n


def bytecodes_per_packet(b: Bench, n: int) -> tuple[float, float, Counter[str]]:
    """(bytecodes per packet on r, on h2, per-function counts for r's n packets), counted
    with opcode tracing (sys.settrace with f_trace_opcodes)."""
    k = b.k
    counts: Counter[str] = Counter()

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        frame.f_trace_opcodes = True
        frame.f_trace_lines = False
        if event == "opcode":
            code = frame.f_code
            counts[f"{code.co_name} ({code.co_filename.rpartition('/')[2]})"] += 1
        return tracer

    softirq.local_bh_disable(k)
    sys.settrace(tracer)
    for _ in range(n):
        b.rx()
    sys.settrace(None)
    router = counts.copy()
    counts.clear()
    sys.settrace(tracer)
    softirq.local_bh_enable(k)
    sys.settrace(None)
    return router.total() / n, counts.total() / n, router


def main() -> None:
    b = build()
    k = b.k
    r1, frame = b.r1, b.frame
    with k:

        def baseline(n: int) -> None:
            for _ in range(n):
                skb = S.netdev_alloc_skb(r1, len(frame))
                S.skb_put_data(skb, frame)
                skb.protocol = eth.eth_type_trans(skb, r1)
                S.consume_skb(skb)

        def forward(n: int) -> None:
            for _ in range(n):
                b.rx()
            k.run_for(10**6)

        base = _rate(baseline, N)
        before = b.forwarded()
        router, host = _split_rates(b, N)
        off = _rate(forward, N)
        assert b.forwarded() - before == 2 * TRIALS * N, b.forwarded() - before

        def probe(*_: object) -> None:
            return None

        k.trace.attach("kfree_skb", probe)
        k.trace.attach("consume_skb", probe)
        on = _rate(forward, N)
        k.trace.detach("kfree_skb", probe)
        k.trace.detach("consume_skb", probe)
        calls = calls_per_packet(b, BATCH) if "--calls" in sys.argv[1:] else 0.0
        ops = bytecodes_per_packet(b, 100) if "--bytecodes" in sys.argv[1:] else None

    print(f"runtime: {platform.python_implementation()} {platform.python_version()}")
    print(f"baseline (alloc+free):       {base:12,.0f} pkt/s")
    print(f"router only (r forwards):    {router:12,.0f} pkt/s  ({router / base:.3f} of baseline)")
    print(f"receiving host (h2 rx):      {host:12,.0f} pkt/s  ({host / base:.3f} of baseline)")
    print(f"end to end, tracing off:     {off:12,.0f} pkt/s  ({off / base:.3f} of baseline)")
    print(f"end to end, tracing on:      {on:12,.0f} pkt/s  ({on / base:.3f} of baseline)")
    if calls:
        print(f"calls per forwarded packet:  {calls:12.1f} (router only, cProfile)")
    if ops is not None:
        r_ops, h_ops, per_fn = ops
        print(f"bytecodes per packet:        {r_ops:12.0f} (router only), {h_ops:.0f} (h2 rx)")
        for name, count in per_fn.most_common(15):
            print(f"  {count / 100:8.1f}  {name}")


if __name__ == "__main__":
    main()

"""Receive-path speed: frames/s through netif_receive_skb to a protocol handler, and through
the full NAPI path (poll → napi_gro_receive → netif_receive_skb), as ratios to a baseline
measured in the same run (allocating + freeing the same skbs without the stack).

Run: python benchmarks/bench_rx.py
"""

from __future__ import annotations

import time
from collections.abc import Callable

from skbuff.drivers.net import dummy
from skbuff.kernel import softirq
from skbuff.kernel.kernel import Kernel
from skbuff.net.core import dev as D
from skbuff.net.core import skbuff as S
from skbuff.net.ethernet import eth
from skbuff.sim.machine import boot
from skbuff.uapi.if_ether import build_eth

ETH_P_TEST = 0x88B5
N = 20_000


def _rate(fn: Callable[[int], None], n: int) -> float:
    """Frames per second of `fn(n)` (best of 5, in process CPU time: wall-clock rates swing
    several-fold on a shared machine)."""
    best = float("inf")
    for _ in range(5):
        t0 = time.process_time()
        fn(n)
        best = min(best, time.process_time() - t0)
    return n / best


def main() -> None:
    k: Kernel = boot(ncpus=1)
    with k:
        dev = D.alloc_netdev(None, "bench%d", D.NET_NAME_USER, dummy.dummy_setup)
        assert dev is not None
        k.run_task(D.register_netdevice, dev)
        k.run_task(D.dev_open, dev, None)
        frame = build_eth(dev.dev_addr, b"\x02\x00\x00\x00\x00\x09", ETH_P_TEST, bytes(50))

        def handler(skb: S.sk_buff, d: D.net_device, pt: D.packet_type,
                    orig: D.net_device) -> int:
            S.consume_skb(skb)
            return 0

        D.dev_add_pack(D.packet_type(ETH_P_TEST, None, handler))

        def make() -> S.sk_buff:
            skb = S.netdev_alloc_skb(dev, len(frame))
            S.skb_put_data(skb, frame)
            skb.protocol = eth.eth_type_trans(skb, dev)
            return skb

        def baseline(n: int) -> None:
            for _ in range(n):
                S.consume_skb(make())

        def direct(n: int) -> None:
            rx = D.netif_receive_skb
            for _ in range(n):
                rx(make())

        pending = [0]

        def poll(napi: D.napi_struct, budget: int) -> int:
            work = 0
            while pending[0] and work < budget:
                D.napi_gro_receive(napi, make())
                pending[0] -= 1
                work += 1
            if work < budget:
                D.napi_complete_done(napi, work)
            return work

        napi = D.napi_struct()
        D.netif_napi_add(dev, napi, poll)
        D.napi_enable(napi)

        def napi_path(n: int) -> None:
            pending[0] = n
            softirq.local_bh_disable(k)
            D.napi_schedule(napi)
            softirq.local_bh_enable(k)
            while pending[0]:
                k.run_for(1_000_000)

        base = k.run_task(_rate, baseline, N)
        rates = {
            "netif_receive_skb -> handler": k.run_task(_rate, direct, N),
            "NAPI poll -> gro batch -> handler": k.run_task(_rate, napi_path, N),
        }
    print(f"baseline (alloc + eth_type_trans + free): {base:,.0f} frames/s")
    for name, rate in rates.items():
        print(f"{name:<36} {rate:>12,.0f} frames/s  ({rate / base:.2f} x baseline)")


if __name__ == "__main__":
    main()

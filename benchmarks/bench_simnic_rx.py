"""simnic receive speed: frames/s (wall clock) through the whole simulated path — generator →
simnic DMA → IRQ → NAPI poll → napi_gro_receive → netif_receive_skb → a packet_type handler —
as a ratio to a baseline measured in the same run: a bare Python loop making the same number
of handler calls. Also the legacy (netif_rx per frame from the ISR) path, each with and
without interrupt moderation (rx-usecs 50: one interrupt, one poll for ~20 frames).

Run: python benchmarks/bench_simnic_rx.py
"""

from __future__ import annotations

import time

from skbuff.drivers.net.simnic import driver as simnic_driver
from skbuff.drivers.net.simnic import hw as simnic_hw
from skbuff.net.core import dev as D
from skbuff.net.core import skbuff as S
from skbuff.sim.machine import boot
from skbuff.uapi.if_ether import build_eth

ETH_P_TEST = 0x88B5
N = 30_000
RATE_PPS = 400_000  # below the simulated CPU's capacity: nothing is dropped


def simnic_rate(mode: str, n: int, rx_usecs: int = 0) -> float:
    """Wall-clock frames/s for `n` frames through simnic in `mode` with interrupt moderation
    `rx_usecs` (best of 3 fresh runs)."""
    best = float("inf")
    for _ in range(3):
        k = boot(ncpus=1)
        hw = simnic_hw.simnic_hw(k)
        dev = k.run_task(simnic_driver.simnic_probe, k.init_net, hw, "eth%d", mode)
        assert isinstance(dev, D.net_device)
        k.run_task(D.dev_open, dev, None)
        hw.rx_usecs = rx_usecs
        got = [0]

        def handler(skb: S.sk_buff, d: D.net_device, pt: D.packet_type,
                    orig: D.net_device, got: list[int] = got) -> int:
            got[0] += 1
            S.consume_skb(skb)
            return 0

        k.run_task(D.dev_add_pack, D.packet_type(ETH_P_TEST, None, handler))
        frame = build_eth(dev.dev_addr, b"\x02\x00\x00\x00\x00\x09", ETH_P_TEST, bytes(50))
        start = k.now_ns + 1000
        stop = start + int(n * 1e9 / RATE_PPS)
        gen = simnic_hw.simnic_traffic_gen(hw, frame, RATE_PPS, start, stop)
        t0 = time.perf_counter()
        k.run_until(stop + 1_000_000)
        best = min(best, time.perf_counter() - t0)
        assert got[0] == gen.offered, (got[0], gen.offered)
    return n / best


def baseline_rate(n: int) -> float:
    """A bare loop calling a handler of the same shape `n` times (best of 3)."""
    got = [0]

    def handler(skb: S.sk_buff | None, d: object, pt: object, orig: object) -> int:
        got[0] += 1
        S.consume_skb(skb)
        return 0

    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(n):
            handler(None, None, None, None)
        best = min(best, time.perf_counter() - t0)
    return n / best


def main() -> None:
    base = baseline_rate(N)
    print(f"baseline (bare handler loop): {base:,.0f} calls/s")
    for mode in simnic_driver.SIMNIC_MODES:
        for rx_usecs in (0, 50):
            rate = simnic_rate(mode, N, rx_usecs)
            print(f"simnic {mode:<6} rx-usecs {rx_usecs:>2} -> handler: {rate:>10,.0f} frames/s "
                  f"({rate / base:.4f} x baseline, {base / rate:.0f} x slower)")


if __name__ == "__main__":
    main()

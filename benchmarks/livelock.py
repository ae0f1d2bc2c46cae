"""Receive livelock: interrupt-per-packet (legacy) vs NAPI, the classic experiment.

Mogul & Ramakrishnan, "Eliminating Receive Livelock in an Interrupt-driven Kernel" (1996), the
result NAPI (Linux 2.5/2.6) was built on. A traffic generator offers 64-byte frames to a simnic
at rates swept from far below to far above what one simulated CPU can process; a protocol
handler (a packet_type that costs PROTO_COST_NS of CPU per packet) counts what is delivered
inside a measurement window, all in simulated time.

- legacy: every frame interrupts; the ISR allocates, DMA-unmaps and `netif_rx`es it; the
  softirq that would deliver it only gets the CPU time interrupts leave. Past the knee, work
  is spent on frames that are then dropped at the backlog (CPU_BACKLOG) and delivery collapses.
- NAPI: the first frame interrupts, the device stays masked while polls drain the ring;
  excess frames are dropped by the NIC (rx_missed_errors) at no CPU cost and delivery holds
  its plateau.

Run: python benchmarks/livelock.py [--points 15] [--duration-ms 50] [--out docs/img]
Writes livelock.csv and livelock.png (matplotlib, Agg) and prints a table.
"""

from __future__ import annotations

import argparse
import csv
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from skbuff.drivers.net.simnic import driver as simnic_driver
from skbuff.drivers.net.simnic import hw as simnic_hw
from skbuff.kernel.kernel import Kernel
from skbuff.net.core import dev as D
from skbuff.net.core import skbuff as S
from skbuff.sim.machine import boot
from skbuff.uapi.if_ether import build_eth

ETH_P_TEST = 0x88B5
PROTO_COST_NS = 1000  # the protocol's own work per packet (IP + UDP + socket queueing)
WARMUP_NS = 2_000_000
MODES = ("legacy", "napi")


@dataclass
class point:
    """One measurement: offered and delivered rates plus where the rest went."""

    mode: str
    offered_pps: int
    delivered_pps: int
    nic_missed: int
    backlog_dropped: int
    interrupts: int
    net_rx_softirqs: int
    time_squeeze: int


class sink:
    """The protocol handler: counts deliveries inside the window, charging the protocol's
    CPU cost."""

    def __init__(self, k: Kernel, start_ns: int, end_ns: int) -> None:
        self.k = k
        self.start_ns = start_ns
        self.end_ns = end_ns
        self.delivered = 0
        self.pt = D.packet_type(ETH_P_TEST, None, self.func)

    def func(self, skb: S.sk_buff, dev: D.net_device, pt: D.packet_type,
             orig_dev: D.net_device) -> int:
        k = self.k
        k.charge(PROTO_COST_NS)
        if self.start_ns <= k.now_ns < self.end_ns:
            self.delivered += 1
        S.consume_skb(skb)
        return D.NET_RX_SUCCESS


def run_point(mode: str, rate_pps: float, duration_ns: int) -> point:
    """Offer `rate_pps` for WARMUP_NS + `duration_ns` to a fresh one-CPU machine; measure
    deliveries in the last `duration_ns`."""
    k = boot(ncpus=1)
    hw = simnic_hw.simnic_hw(k)
    dev = k.run_task(simnic_driver.simnic_probe, k.init_net, hw, "eth%d", mode)
    assert isinstance(dev, D.net_device)
    assert k.run_task(D.dev_open, dev, None) == 0
    t0 = k.now_ns + 100_000
    start, end = t0 + WARMUP_NS, t0 + WARMUP_NS + duration_ns
    counter = sink(k, start, end)
    k.run_task(D.dev_add_pack, counter.pt)
    frame = build_eth(dev.dev_addr, b"\x02\x00\x00\x00\x00\x01", ETH_P_TEST, bytes(50))
    simnic_hw.simnic_traffic_gen(hw, frame, rate_pps, t0, end)
    irqs = hw.irqs_raised
    k.run_until(end)
    cpu = k.cpus[0]
    return point(mode=mode, offered_pps=round(rate_pps),
                 delivered_pps=round(counter.delivered * 1e9 / duration_ns),
                 nic_missed=hw.mpc, backlog_dropped=cpu.softnet_data.dropped,
                 interrupts=hw.irqs_raised - irqs, net_rx_softirqs=cpu.softirqs[3],
                 time_squeeze=cpu.softnet_data.time_squeeze)


def rates(points: int, low: float = 10_000, high: float = 2_000_000) -> list[float]:
    """`points` offered loads, log-spaced from `low` to `high` pps."""
    step = (high / low) ** (1 / (points - 1))
    return [low * step**i for i in range(points)]


def sweep(points: int, duration_ns: int) -> list[point]:
    return [run_point(mode, r, duration_ns) for mode in MODES for r in rates(points)]


def write_csv(results: list[point], path: Path) -> None:
    with path.open("w", newline="") as fp:
        w = csv.DictWriter(fp, fieldnames=[f.name for f in fields(point)])
        w.writeheader()
        for p in results:
            w.writerow(asdict(p))


def plot(results: list[point], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for mode, style in zip(MODES, ("o-", "s-"), strict=True):
        pts = [p for p in results if p.mode == mode]
        ax.plot([p.offered_pps / 1e3 for p in pts], [p.delivered_pps / 1e3 for p in pts],
                style, label="interrupt per packet (legacy)" if mode == "legacy" else "NAPI")
    # y = x through every offered load, so the line follows the diagonal on the log x axis.
    offered = sorted({p.offered_pps / 1e3 for p in results})
    ax.plot(offered, offered, ":", color="grey", label="delivered = offered")
    ax.set_xscale("log")
    ax.set_xlabel("offered load (kpps, 64-byte frames)")
    ax.set_ylabel("delivered to the protocol (kpps)")
    ax.set_ylim(0, max(p.delivered_pps for p in results) / 1e3 * 1.2)
    ax.set_title("Receive livelock on one simulated CPU (skbuff simnic)")
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def table(results: list[point]) -> str:
    head = (f"{'mode':<7} {'offered':>9} {'delivered':>9} {'nic_miss':>9} {'backlog':>8} "
            f"{'irqs':>7} {'squeeze':>7}")
    rows = [head] + [
        f"{p.mode:<7} {p.offered_pps:>9} {p.delivered_pps:>9} {p.nic_missed:>9} "
        f"{p.backlog_dropped:>8} {p.interrupts:>7} {p.time_squeeze:>7}" for p in results]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=15)
    ap.add_argument("--duration-ms", type=float, default=50.0)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent.parent / "docs" / "img")
    args = ap.parse_args(argv)
    wall = time.perf_counter()
    results = sweep(args.points, int(args.duration_ms * 1e6))
    args.out.mkdir(parents=True, exist_ok=True)
    write_csv(results, args.out / "livelock.csv")
    plot(results, args.out / "livelock.png")
    print(table(results))
    for mode in MODES:
        pts = [p for p in results if p.mode == mode]
        peak = max(p.delivered_pps for p in pts)
        print(f"{mode}: peak {peak} pps, at the highest load {pts[-1].delivered_pps} pps "
              f"({100 * pts[-1].delivered_pps / peak:.0f}% of peak)")
    print(f"wrote {args.out / 'livelock.csv'} and livelock.png "
          f"in {time.perf_counter() - wall:.1f} s")


if __name__ == "__main__":
    main()

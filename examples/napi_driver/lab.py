"""The test bench for mynic (tutorial 1): put the driver under load and watch NAPI work.

    python examples/napi_driver/lab.py ping          # two mynics on a cable, ping across
    python examples/napi_driver/lab.py flood [PPS]   # frames at one NIC for 1 ms (1 Mpps)
    python examples/napi_driver/lab.py shared [PPS]  # and a second vector scheduling NAPI
    python examples/napi_driver/lab.py txhang        # the NIC stops sending: TX watchdog
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import mynic

from skbuff.drivers.net.simnic import hw as simnic
from skbuff.kernel import irq as kirq
from skbuff.kernel.bug import KernelBug
from skbuff.kernel.kernel import Kernel
from skbuff.net.core import dev as core_dev
from skbuff.net.core import skbuff as core_skbuff
from skbuff.net.core.dev import napi_struct, net_device
from skbuff.sim.world import World
from skbuff.uapi.if_ether import build_eth

ETH_P_LAB = 0x88B5
NSEC_PER_MSEC = 1_000_000


class counter:
    """A protocol handler for the lab's frames: counts them, and the polls that passed them."""

    def __init__(self, k: Kernel) -> None:
        self.frames = 0
        self.polls: list[int] = []
        k.trace.attach("napi_poll", self.on_poll)
        k.run_task(core_dev.dev_add_pack, core_dev.packet_type(ETH_P_LAB, None, self.rcv))

    def rcv(self, skb: core_skbuff.sk_buff, dev: net_device, pt: core_dev.packet_type,
            orig_dev: net_device) -> int:
        self.frames += 1
        core_skbuff.consume_skb(skb)
        return core_dev.NET_RX_SUCCESS

    def on_poll(self, napi: napi_struct, work: int, budget: int) -> None:
        if napi.dev is not None:
            self.polls.append(work)


def nic_up(w: World, hw: simnic.simnic_hw) -> net_device:
    """Probe mynic on `hw` in init_net and bring it up with `ip`."""
    dev: net_device = w.kernel.run_task(mynic.mynic_probe, w.init_net, hw)
    res = w.run(f"ip link set {dev.name} up")
    assert res.status == 0, res.stderr
    return dev


def flood(w: World, dev: net_device, hw: simnic.simnic_hw, rate_pps: int, ms: int) -> counter:
    """Offer 64-byte frames to `hw` at `rate_pps` for `ms` milliseconds."""
    k = w.kernel
    seen = counter(k)
    frame = build_eth(dev.dev_addr, b"\x02\x00\x00\x00\x00\x01", ETH_P_LAB, bytes(50))
    start = k.now_ns
    simnic.simnic_traffic_gen(hw, frame, rate_pps, start, start + ms * NSEC_PER_MSEC)
    k.run_for((ms + 1) * NSEC_PER_MSEC)
    return seen


def report(dev: net_device, hw: simnic.simnic_hw, seen: counter) -> None:
    full = sum(1 for work in seen.polls if work == 64)
    k = hw.k
    taken = sum(k.hw.irq_count(hw.irq, cpu.id) for cpu in k.cpus)  # /proc/interrupts
    print(f"NIC: {hw.gprc} frames in, {hw.mpc} missed (ring full), {taken} interrupts taken")
    print(f"NAPI: {len(seen.polls)} polls, {full} used the whole budget of 64, "
          f"{seen.frames} frames passed to the stack")
    print(f"{dev.name}: rx_packets {dev.stats.rx_packets}, interrupt mask now {hw.ims:#x}")


def exp_ping(w: World, rate_pps: int) -> None:
    """Two machines' worth of namespaces, a mynic in each, joined by a 1 Gb/s cable."""
    k = w.kernel
    hw_a, hw_b = simnic.simnic_hw(k), simnic.simnic_hw(k)
    simnic.simnic_connect(hw_a, hw_b, speed_mbps=1000, latency_ns=5_000)
    for ns, hw, addr in (("a", hw_a, "10.0.0.1/24"), ("b", hw_b, "10.0.0.2/24")):
        w.run(f"ip netns add {ns}")
        dev: net_device = k.run_task(mynic.mynic_probe, w.netns(ns), hw)
        for line in (f"ip -n {ns} addr add {addr} dev {dev.name}",
                     f"ip -n {ns} link set {dev.name} up"):
            res = w.run(line)
            assert res.status == 0, res.stderr
    for line in ("sleep 1", "ip netns exec a ping -c 3 10.0.0.2", "ip -n a -s link show eth0"):
        print(f"skbuff# {line}")
        res = w.run(line)
        print(res.stdout + res.stderr, end="")


def exp_flood(w: World, rate_pps: int) -> None:
    hw = simnic.simnic_hw(w.kernel)
    dev = nic_up(w, hw)
    report(dev, hw, flood(w, dev, hw, rate_pps, 1))


def exp_shared(w: World, rate_pps: int) -> None:
    """Another vector (a TX queue's, or busy polling) schedules our NAPI while it polls: its
    napi_complete_done() then returns false and the instance is polled again."""
    k = w.kernel
    hw = simnic.simnic_hw(k)
    dev = nic_up(w, hw)
    vec = simnic.simnic_alloc_vector(k)

    def other_vector(irq: int, d: net_device) -> int:
        core_dev.napi_schedule(d.priv.napi)
        return kirq.IRQ_HANDLED

    k.run_task(kirq.request_irq, k, vec, other_vector, 0, "mynic-tx", dev)
    for t in range(10):
        k.hw.schedule(k.now_ns + 20_000 + t * 97_000, k.hw.assert_irq, vec)
    report(dev, hw, flood(w, dev, hw, rate_pps, 1))


def exp_txhang(w: World, rate_pps: int) -> None:
    k = w.kernel
    hw = simnic.simnic_hw(k, tx_ring_size=16)
    dev = nic_up(w, hw)
    hw.tx_stalled = True  # the transmitter is wedged: descriptors are never written back
    frame = build_eth(b"\x02\x00\x00\x00\x00\x01", dev.dev_addr, ETH_P_LAB, bytes(50))

    def send() -> None:
        skb = core_skbuff.alloc_skb(len(frame), core_skbuff.GFP_KERNEL)
        core_skbuff.skb_put_data(skb, frame)
        skb.dev = dev
        core_dev.dev_queue_xmit(skb)

    for _ in range(20):
        k.run_task(send)
    print(f"queue stopped: {core_dev.netif_queue_stopped(dev)}")
    hw.tx_stalled = False  # the ring stays wedged until the driver resets the TX unit
    k.run_for(7_000 * NSEC_PER_MSEC)
    for rec in k.dmesg:
        if dev.name in rec.text:
            print(f"[{rec.ns / 1e9:12.6f}] {rec.text}")
    print(f"queue stopped: {core_dev.netif_queue_stopped(dev)}, "
          f"tx_errors {dev.stats.tx_errors}, tx_packets {dev.stats.tx_packets}")


EXPERIMENTS: dict[str, Callable[[World, int], None]] = {
    "ping": exp_ping, "flood": exp_flood, "shared": exp_shared, "txhang": exp_txhang,
}


def main(argv: list[str]) -> int:
    rate = argv[1] if len(argv) == 2 else "1000000"
    if len(argv) not in (1, 2) or argv[0] not in EXPERIMENTS or not rate.isdigit():
        print(f"usage: lab.py {{{','.join(EXPERIMENTS)}}} [RATE_PPS]", file=sys.stderr)
        return 2
    w = World(ncpus=1)
    try:
        EXPERIMENTS[argv[0]](w, int(rate))
    except KernelBug as e:
        print(f"{type(e).__name__}: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""simnic hardware + driver: rings, DMA, drops, interrupt moderation, the cable, TX flow control,
the TX watchdog, open/close (drivers/net/simnic; e1000_main.c is the model)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.net.core.test_dev import dev_boot

from skbuff.drivers.net.simnic import driver as drv
from skbuff.drivers.net.simnic import hw as simhw
from skbuff.kernel import irq as kirq
from skbuff.kernel import procfs
from skbuff.kernel.kernel import Kernel
from skbuff.net.core import dev as D
from skbuff.net.core import net_namespace
from skbuff.net.core import skbuff as S
from skbuff.sim.world import World
from skbuff.uapi.if_ether import build_eth

ETH_P_TEST = 0x88B5
SRC_MAC = b"\x02\x00\x00\x00\x00\x09"


@pytest.fixture
def k() -> Iterator[Kernel]:
    k = dev_boot(ncpus=1)
    with k:
        yield k


class Sink:
    """A protocol handler for ETH_P_TEST recording (time, seq, len) and the device's mask."""

    def __init__(self, k: Kernel, hw: simhw.simnic_hw | None = None) -> None:
        self.k = k
        self.hw = hw
        self.got: list[tuple[int, int, int]] = []
        self.ims_seen: set[int] = set()
        self.pt = D.packet_type(ETH_P_TEST, None, self.func)
        D.dev_add_pack(self.pt)

    def func(self, skb: S.sk_buff, dev: D.net_device, pt: D.packet_type,
             orig_dev: D.net_device) -> int:
        seq = int.from_bytes(S.skb_copy_bits(skb, 0, 4) or b"", "big")
        self.got.append((self.k.now_ns, seq, skb.len))
        if self.hw is not None:
            self.ims_seen.add(self.hw.ims)
        S.consume_skb(skb)
        return D.NET_RX_SUCCESS

    @property
    def seqs(self) -> list[int]:
        return [s for _, s, _ in self.got]


def make_frame(dst: bytes, seq: int, size: int = 64) -> bytes:
    """An ETH_P_TEST frame of `size` bytes whose payload starts with `seq`."""
    return build_eth(dst, SRC_MAC, ETH_P_TEST, seq.to_bytes(4, "big") + bytes(size - 18))


def nic(k: Kernel, mode: str = "napi", ring: int = 256,
        poll: drv.PollFn = drv.simnic_poll) -> tuple[D.net_device, simhw.simnic_hw]:
    """A simnic (no cable: a traffic generator is its link partner), registered and up."""
    hw = simhw.simnic_hw(k, ring, ring)
    dev = k.run_task(drv.simnic_probe, k.init_net, hw, "eth%d", mode, poll)
    assert isinstance(dev, D.net_device)
    assert k.run_task(D.dev_open, dev, None) == 0
    return dev, hw


def offer(hw: simhw.simnic_hw, dst: bytes, n: int, rate_pps: float, start_ns: int,
          first_seq: int = 0) -> simhw.simnic_traffic_gen:
    """About `n` frames at `rate_pps` from `start_ns`, numbered from `first_seq`."""
    stop = start_ns + int(n * 1e9 / rate_pps)
    return simhw.simnic_traffic_gen(hw, lambda seq: make_frame(dst, first_seq + seq), rate_pps,
                                    start_ns, stop)


def no_leaks(k: Kernel, *devs: D.net_device) -> bool:
    """Every live skb is a buffer posted on an RX ring of `devs`."""
    posted = sum(d.buf is not None for dev in devs for d in dev.priv.hw.rx_ring)
    return S.skb_leak_report(k).startswith(f"{posted} live")


# -- probe, open, close --------------------------------------------------------------------


def test_open_fills_ring_requests_irq_and_unmasks(k: Kernel) -> None:
    dev, hw = nic(k, ring=64)
    assert dev.name == "eth0" and dev.dev_addr == hw.perm_addr
    assert dev.netdev_ops.ndo_open is drv.simnic_open
    posted = [d for d in hw.rx_ring if d.buf is not None]
    assert len(posted) == 63 and hw.rx_tail == 63 and hw.rx_head == 0
    assert all(d.buf_len >= 1522 for d in posted)
    assert hw.ims == simhw.SIMNIC_IMS_ENABLE_MASK
    assert D.netif_carrier_ok(dev) and not D.netif_queue_stopped(dev)
    interrupts = kirq.show_interrupts(k)
    assert f"{hw.irq}:" in interrupts and "eth0" in interrupts


def test_close_frees_everything_and_reopen_works(k: Kernel) -> None:
    dev, hw = nic(k)
    Sink(k)
    offer(hw, dev.dev_addr, 10, 100_000, k.now_ns)
    k.run_for(1_000_000)
    D.dev_close(dev)
    assert hw.ims == 0 and not hw.rx_enabled
    assert all(d.buf is None for d in hw.rx_ring)
    assert not k.hw.descs[hw.irq].action
    assert no_leaks(k)
    assert D.dev_open(dev, None) == 0
    assert sum(d.buf is not None for d in hw.rx_ring) == 255


def test_receive_counts_bytes_and_packets(k: Kernel) -> None:
    dev, hw = nic(k)
    sink = Sink(k)
    offer(hw, dev.dev_addr, 20, 100_000, k.now_ns)
    k.run_for(1_000_000)
    assert sink.seqs == list(range(20))
    assert {length for _, _, length in sink.got} == {50}  # 64 - ETH_HLEN
    st = D.dev_get_stats(dev)
    assert (st.rx_packets, st.rx_bytes) == (20, 20 * 64)
    assert (hw.gprc, hw.gorc) == (20, 20 * 64)
    assert st.rx_missed_errors == st.rx_fifo_errors == 0


def test_no_posted_buffer_is_a_hardware_drop(k: Kernel) -> None:
    """With the line disabled nobody cleans the ring: after count-1 frames the device drops
    and counts (MPC -> rx_missed_errors, RQDPC -> rx_fifo_errors), costing no CPU."""
    dev, hw = nic(k, ring=32)
    sink = Sink(k)
    kirq.disable_irq_nosync(k, hw.irq)
    clock = k.this_cpu().clock
    offer(hw, dev.dev_addr, 100, 1_000_000, k.now_ns)
    k.run_for(1_000_000)
    assert hw.gprc == 31 and hw.mpc == 69
    st = D.dev_get_stats(dev)
    assert st.rx_missed_errors == 69 and st.rx_fifo_errors == 69
    assert not sink.got
    assert k.this_cpu().clock - clock == 1_000_000  # the world moved; the CPU did no work
    kirq.enable_irq(k, hw.irq)
    k.run_for(1_000_000)
    assert sink.seqs == list(range(31))


def test_oversized_frame_is_a_length_error(k: Kernel) -> None:
    dev, hw = nic(k)
    sink = Sink(k)
    simhw.simnic_traffic_gen(hw, make_frame(dev.dev_addr, 0, 1600), 1000, k.now_ns,
                             k.now_ns + 1)
    k.run_for(100_000)
    assert hw.rlec == 1 and not sink.got
    assert D.dev_get_stats(dev).rx_length_errors == 1


def test_interrupt_moderation_rx_usecs_and_rx_frames(k: Kernel) -> None:
    """100 kpps (10 µs apart): rx-usecs 50 gives ~1 IRQ per 5 frames; rx-frames 8 one per 8."""
    dev, hw = nic(k, mode="legacy")
    sink = Sink(k)
    base = hw.irqs_raised
    hw.rx_usecs = 50
    offer(hw, dev.dev_addr, 100, 100_000, k.now_ns)
    k.run_for(2_000_000)
    assert len(sink.got) == 100
    assert 18 <= hw.irqs_raised - base <= 22
    hw.rx_usecs, hw.rx_frames = 0, 8
    base = hw.irqs_raised
    offer(hw, dev.dev_addr, 96, 100_000, k.now_ns)
    k.run_for(2_000_000)
    assert len(sink.got) == 196
    assert hw.irqs_raised - base == 12


def test_every_frame_interrupts_without_moderation(k: Kernel) -> None:
    dev, hw = nic(k, mode="legacy")
    Sink(k)
    base = hw.irqs_raised
    offer(hw, dev.dev_addr, 50, 50_000, k.now_ns)
    k.run_for(2_000_000)
    assert hw.irqs_raised - base == 50
    assert k.hw.irq_count(hw.irq, 0) >= 50


# -- the cable -----------------------------------------------------------------------------


@pytest.fixture
def pair(k: Kernel) -> tuple[D.net_device, D.net_device]:
    net_b = net_namespace.copy_net_ns(k, "b")
    a, b = drv.simnic_pair(k.init_net, net_b, speed_mbps=100, latency_ns=5_000,
                           names=("left", "right"), ring_size=16)
    for dev in (a, b):
        assert D.dev_open(dev, None) == 0
    k.run_for(2_000_000)  # linkwatch
    return a, b


def send(dev: D.net_device, dst: bytes, seq: int, size: int = 64) -> int:
    data = make_frame(dst, seq, size)
    skb = S.alloc_skb(len(data), S.GFP_ATOMIC)
    S.skb_put_data(skb, data)
    skb.dev = dev
    skb.protocol = ETH_P_TEST
    return D.dev_queue_xmit(skb)


def test_pair_lives_in_two_namespaces_with_carrier(
        k: Kernel, pair: tuple[D.net_device, D.net_device]) -> None:
    a, b = pair
    assert a.nd_net is k.init_net and b.nd_net.name == "b"
    assert (a.name, b.name) == ("left", "right")
    assert D.netif_carrier_ok(a) and D.netif_carrier_ok(b)
    D.dev_close(b)
    k.run_for(2_000_000)
    assert not D.netif_carrier_ok(a)
    assert D.dev_open(b, None) == 0
    k.run_for(2_000_000)
    assert D.netif_carrier_ok(a) and D.netif_carrier_ok(b)


def test_frame_crosses_the_cable_after_serialization_and_latency(
        k: Kernel, pair: tuple[D.net_device, D.net_device]) -> None:
    a, b = pair
    sink = Sink(k)
    t0 = k.now_ns
    assert send(a, b.dev_addr, 7, size=1000) == D.NET_XMIT_SUCCESS
    k.run_for(1_000_000)
    assert sink.seqs == [7]
    wire = (1000 + 24) * 8 * 1000 // 100  # 100 Mb/s: 81.92 µs
    arrival = sink.got[0][0] - t0
    assert wire + 5_000 < arrival < wire + 5_000 + 20_000  # + CPU time on both sides
    assert D.dev_get_stats(a).tx_packets == 1 and D.dev_get_stats(b).rx_packets == 1
    assert b.priv.hw.gprc == 1 and a.priv.hw.gptc == 1
    assert no_leaks(k, a, b)


def test_full_tx_ring_stops_the_queue_and_completions_wake_it(
        k: Kernel, pair: tuple[D.net_device, D.net_device]) -> None:
    """16 descriptors at 100 Mb/s: a burst of 40 fills the ring (15 usable), the qdisc keeps
    the rest; TX completions wake the queue and everything arrives in order."""
    a, b = pair
    sink = Sink(k)
    stopped: list[bool] = []
    for seq in range(40):
        send(a, b.dev_addr, seq, size=1500)
        stopped.append(D.netif_queue_stopped(a))
    assert stopped[-1] and not stopped[0]
    k.run_for(20_000_000)
    assert sink.seqs == list(range(40))
    assert not D.netif_queue_stopped(a)
    assert D.dev_get_stats(a).tx_packets == 40
    assert no_leaks(k, a, b)


def test_tx_hang_fires_watchdog_and_reset(
        k: Kernel, pair: tuple[D.net_device, D.net_device]) -> None:
    a, b = pair
    sink = Sink(k)
    a.priv.hw.tx_stalled = True
    for seq in range(20):
        send(a, b.dev_addr, seq)
    assert D.netif_queue_stopped(a)
    k.run_for(7_000_000_000)
    text = "\n".join(r.text for r in k.dmesg)
    assert "NETDEV WATCHDOG" in text and "left: Reset adapter: TX unit hang" in text
    assert D.dev_get_stats(a).tx_errors == 1
    assert not D.netif_queue_stopped(a)
    assert sink.seqs[-5:] == list(range(15, 20))  # the ring was dropped, the qdisc's rest sent


def test_proc_net_dev_shows_hardware_drops(k: Kernel) -> None:
    dev, hw = nic(k, ring=8)
    kirq.disable_irq_nosync(k, hw.irq)
    offer(hw, dev.dev_addr, 20, 1_000_000, k.now_ns)
    k.run_for(1_000_000)
    text = procfs.read_proc(k.init_net, "/proc/net/dev") or ""
    row = next(line for line in text.splitlines() if line.strip().startswith("eth0:"))
    fields = row.split(":")[1].split()
    assert fields[1] == "0"  # rx packets: nothing was cleaned
    assert fields[3] == "13" and fields[4] == "13"  # drop (incl. missed), fifo


# -- the link kind -------------------------------------------------------------------------


def test_ip_link_add_type_simnic_and_a_late_cable() -> None:
    """`ip link add NAME type simnic` makes a cable-less controller (carrier on: a traffic
    generator is its partner); plugging a cable to a down simnic takes the carrier away."""
    w = World(ncpus=1)
    for line in ("ip link add nic0 type simnic", "ip link add nic1 type simnic",
                 "ip link set nic0 up"):
        assert w.run(line).status == 0, line
    k = w.kernel
    k.run_for(1_100_000_000)  # linkwatch batches non-urgent events up to 1 s
    out = w.run("ip -d link show nic0").stdout
    assert "state UP" in out and "\n    simnic " in out
    nic0, nic1 = (w.init_net.dev_base_head[n] for n in ("nic0", "nic1"))
    assert isinstance(nic0.priv, drv.simnic_adapter) and nic0.dev_addr == nic0.priv.hw.perm_addr
    simhw.simnic_connect(nic0.priv.hw, nic1.priv.hw)
    k.run_for(1_000_000)
    assert not D.netif_carrier_ok(nic0)
    assert w.run("ip link set nic1 up").status == 0
    k.run_for(1_000_000)
    assert D.netif_carrier_ok(nic0) and D.netif_carrier_ok(nic1)


def test_legacy_overload_drops_at_the_backlog(k: Kernel) -> None:
    """Interrupt-per-packet at 2 Mpps: the ISR keeps up with the ring, so the NIC drops
    nothing, but netif_rx overflows the backlog (softnet_stat column 2, dev rx_dropped)."""
    dev, hw = nic(k, mode="legacy")
    sink = Sink(k)
    gen = offer(hw, dev.dev_addr, 4000, 2_000_000, k.now_ns)
    k.run_for(5_000_000)
    sd = k.this_cpu().softnet_data
    assert sd.dropped > 0
    assert D.dev_get_stats(dev).rx_dropped == sd.dropped
    assert len(sink.got) + sd.dropped + hw.mpc == gen.offered
    cols = (procfs.read_proc(k.init_net, "/proc/net/softnet_stat") or "").split()
    assert int(cols[1], 16) == sd.dropped


def test_pair_with_a_taken_name_fails_cleanly(k: Kernel,
                                               pair: tuple[D.net_device, D.net_device]) -> None:
    with pytest.raises(ValueError, match="'left'"):
        drv.simnic_pair(k.init_net, pair[1].nd_net, names=("left", "other"))
    assert "other" not in pair[1].nd_net.dev_base_head

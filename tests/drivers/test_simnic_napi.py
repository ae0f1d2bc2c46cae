"""simnic under NAPI: bursts spread over polls and softirq rounds, masked interrupts while
polling, time_squeeze and /proc/net/softnet_stat, and the three classic driver bugs caught
(include/linux/netdevice.h NAPI contract; net/core/dev.c net_rx_action, __napi_poll)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.drivers.test_simnic import Sink, nic, offer
from tests.net.core.test_dev import dev_boot

from skbuff.drivers.net.simnic import driver as drv
from skbuff.drivers.net.simnic import hw as simhw
from skbuff.kernel import irq as kirq
from skbuff.kernel import procfs, softirq
from skbuff.kernel.bug import NapiContractViolation
from skbuff.kernel.kernel import Kernel
from skbuff.net.core import dev as D


@pytest.fixture
def k() -> Iterator[Kernel]:
    k = dev_boot(ncpus=1)
    with k:
        yield k


def preload(k: Kernel, dev: D.net_device, hw: simhw.simnic_hw, n: int) -> None:
    """Land `n` frames in the ring with the line disabled, then let the interrupt through."""
    kirq.disable_irq_nosync(k, hw.irq)
    offer(hw, dev.dev_addr, n, 10_000_000, k.now_ns)
    k.run_for(n * 100 + 1_000)
    assert hw.gprc >= n


def polls(k: Kernel) -> list[tuple[str, int, int]]:
    seen: list[tuple[str, int, int]] = []
    k.trace.attach("napi_poll", lambda napi, work, budget: seen.append(
        (napi.dev.name if napi.dev is not None else "backlog", work, budget)))
    return seen


def test_burst_larger_than_budget_spreads_over_polls_and_softirq_rounds(k: Kernel) -> None:
    dev, hw = nic(k)
    sink = Sink(k, hw)
    preload(k, dev, hw, 200)
    seen = polls(k)
    rounds = k.this_cpu().softirqs[softirq.NET_RX_SOFTIRQ]
    irqs = hw.irqs_raised
    kirq.enable_irq(k, hw.irq)
    k.run_for(2_000_000)
    assert sink.seqs == list(range(200))
    assert [w for _, w, _ in seen] == [64, 64, 64, 8]
    assert all(b == 64 for _, _, b in seen)
    # alone on the CPU, a full poll ends net_rx_action (repoll) and re-raises: one round each
    assert k.this_cpu().softirqs[softirq.NET_RX_SOFTIRQ] - rounds == 4
    assert hw.irqs_raised - irqs == 0  # the latched assertion replayed; no new interrupt
    assert hw.ims == simhw.SIMNIC_IMS_ENABLE_MASK
    assert not D.napi_is_scheduled(dev.priv.napi)


def test_interrupts_stay_masked_while_polling(k: Kernel) -> None:
    """At 3 Mpps (over this CPU's capacity) the device interrupts a handful of times: once
    NAPI runs, every frame is delivered with IMS = 0; the mask log alternates."""
    dev, hw = nic(k)
    sink = Sink(k, hw)
    hw.ims_log = []
    irqs = hw.irqs_raised
    gen = offer(hw, dev.dev_addr, 6000, 3_000_000, k.now_ns)
    k.run_for(5_000_000)
    assert len(sink.got) + hw.mpc == gen.offered and hw.mpc > 0
    assert sink.ims_seen == {0}
    assert hw.irqs_raised - irqs < 20
    masks = [m for _, m in hw.ims_log]
    assert masks[0] == 0 and masks[-1] == simhw.SIMNIC_IMS_ENABLE_MASK
    assert all(a != b for a, b in zip(masks, masks[1:]))  # strictly alternating
    times = [t for t, _ in hw.ims_log]
    assert times == sorted(times)


def test_time_squeeze_and_softnet_stat(k: Kernel) -> None:
    """Two devices with bursts on one CPU and netdev_budget 100: each net_rx_action polls
    both (64 + 64 > 100) and is squeezed; softnet_stat shows processed and time_squeeze."""
    k.net_hotdata.netdev_budget = 100
    (d1, h1), (d2, h2) = nic(k), nic(k)
    sink = Sink(k)
    preload(k, d1, h1, 150)
    preload(k, d2, h2, 150)
    sd = k.this_cpu().softnet_data
    processed, squeeze = sd.processed, sd.time_squeeze
    softirq.local_bh_disable(k)  # both ISRs run; NET_RX then finds both instances
    kirq.enable_irq(k, h1.irq)
    kirq.enable_irq(k, h2.irq)
    softirq.local_bh_enable(k)
    k.run_for(3_000_000)
    assert len(sink.got) == 300
    assert sd.processed - processed == 300
    assert sd.time_squeeze - squeeze >= 2
    line = (procfs.read_proc(k.init_net, "/proc/net/softnet_stat") or "").splitlines()[0]
    cols = [int(c, 16) for c in line.split()]
    assert len(cols) == 15
    assert cols[0] == sd.processed and cols[2] == sd.time_squeeze and cols[1] == 0


def test_missed_schedule_repolls_before_unmasking(k: Kernel) -> None:
    """Another context schedules the instance mid-poll (MISSED): napi_complete_done returns
    false, the correct driver keeps the device masked and is polled again."""
    dev, hw = nic(k)
    sink = Sink(k, hw)
    foreign = schedule_from_other_vector(k, dev)
    refused: list[int] = []  # polls that completed early but were rescheduled (MISSED)
    k.trace.attach("napi_poll", lambda napi, work, budget: refused.append(work) if (
        work < budget and D.napi_is_scheduled(napi)) else None)
    preload(k, dev, hw, 20)
    k.hw.schedule(k.now_ns + 2_000, k.hw.assert_irq, foreign)
    kirq.enable_irq(k, hw.irq)
    k.run_for(1_000_000)
    assert refused == [20]
    assert sink.seqs == list(range(20))
    assert sink.ims_seen == {0}
    assert hw.ims == simhw.SIMNIC_IMS_ENABLE_MASK


def schedule_from_other_vector(k: Kernel, dev: D.net_device) -> int:
    """A second interrupt vector whose handler schedules `dev`'s NAPI (as a busy-poll or a
    shared TX vector would); returns the vector to assert."""
    vec = simhw.simnic_alloc_vector(k)

    def handler(irq: int, data: D.net_device) -> int:
        D.napi_schedule(data.priv.napi)
        return kirq.IRQ_HANDLED

    assert kirq.request_irq(k, vec, handler, 0, "other", dev) == 0
    return vec


# -- the three classic driver bugs -------------------------------------------------------


class buggy_simnic:
    """A test driver: simnic's poll with one classic bug switched on."""

    def __init__(self, over_budget: bool = False, complete_on_full: bool = False,
                 unmask_always: bool = False) -> None:
        self.over_budget = over_budget
        self.complete_on_full = complete_on_full
        self.unmask_always = unmask_always

    def poll(self, napi: D.napi_struct, budget: int) -> int:
        dev = napi.dev
        assert dev is not None
        adapter: drv.simnic_adapter = dev.priv
        drv.simnic_clean_tx_irq(adapter)
        limit = budget + 1 if self.over_budget else budget
        work = drv.simnic_clean_rx_irq(adapter, napi, limit)
        if self.complete_on_full:
            if D.napi_complete_done(napi, work):
                drv.simnic_irq_enable(adapter)
        elif work < budget:
            done = D.napi_complete_done(napi, work)
            if done or self.unmask_always:
                drv.simnic_irq_enable(adapter)
        return work


@pytest.mark.parametrize(("bug", "message"), [
    ("over_budget", r"returned 65, exceeding its budget of 64"),
    ("complete_on_full", r"completed after consuming its whole budget of 64"),
])
def test_budget_bugs_are_caught(k: Kernel, bug: str, message: str) -> None:
    dev, hw = nic(k, poll=buggy_simnic(**{bug: True}).poll)
    Sink(k, hw)
    preload(k, dev, hw, 100)
    with pytest.raises(NapiContractViolation, match=message):
        kirq.enable_irq(k, hw.irq)  # the latched interrupt: ISR, then NET_RX at irq_exit
    if bug == "over_budget":
        assert any("exceeding its budget" in r.text for r in k.dmesg)


def test_unmask_after_refused_completion_is_caught(k: Kernel) -> None:
    dev, hw = nic(k, poll=buggy_simnic(unmask_always=True).poll)
    Sink(k, hw)
    foreign = schedule_from_other_vector(k, dev)
    preload(k, dev, hw, 20)
    k.hw.schedule(k.now_ns + 2_000, k.hw.assert_irq, foreign)
    offer(hw, dev.dev_addr, 20, 1_000_000, k.now_ns + 10_000)
    with pytest.raises(NapiContractViolation, match=r"napi_complete_done\(\) returned false"):
        kirq.enable_irq(k, hw.irq)
        k.run_for(1_000_000)


def test_correct_driver_passes_the_same_scenarios(k: Kernel) -> None:
    dev, hw = nic(k, poll=buggy_simnic().poll)
    sink = Sink(k, hw)
    foreign = schedule_from_other_vector(k, dev)
    preload(k, dev, hw, 100)
    k.hw.schedule(k.now_ns + 2_000, k.hw.assert_irq, foreign)
    offer(hw, dev.dev_addr, 20, 1_000_000, k.now_ns + 10_000)
    kirq.enable_irq(k, hw.irq)
    k.run_for(1_000_000)
    assert len(sink.got) == 120


# -- invariants --------------------------------------------------------------------------


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    bursts=st.lists(st.tuples(st.integers(1, 300), st.sampled_from([50_000, 400_000, 3_000_000])),
                    min_size=1, max_size=4),
    ring=st.sampled_from([16, 64, 256]),
    budget=st.integers(8, 300),
    rx_usecs=st.sampled_from([0, 20]),
    mode=st.sampled_from(["napi", "napi", "legacy"]),
)
def test_rx_invariants(bursts: list[tuple[int, int]], ring: int, budget: int,
                       rx_usecs: int, mode: str) -> None:
    """Whatever the load: every frame is delivered once and in order or counted as dropped
    (NIC or backlog), no poll exceeds its weight; under NAPI nothing is delivered with the
    device unmasked. Once idle the device is unmasked, NAPI released and the ring refilled."""
    k = dev_boot(ncpus=1)
    with k:
        k.net_hotdata.netdev_budget = budget
        dev, hw = nic(k, mode=mode, ring=ring)
        hw.rx_usecs = rx_usecs
        sink = Sink(k, hw)
        seen = polls(k)
        gens: list[simhw.simnic_traffic_gen] = []
        start = k.now_ns
        for n, rate in bursts:
            gens.append(offer(hw, dev.dev_addr, n, rate, start, first_seq=1000 * len(gens)))
            start = gens[-1].stop_ns + 50_000
        k.run_for(start - k.now_ns + 2_000_000)
        offered = sum(g.offered for g in gens)
        seqs = sink.seqs
        backlog_dropped = k.this_cpu().softnet_data.dropped
        assert len(seqs) + hw.mpc + backlog_dropped == offered
        assert all(w <= b for _, w, b in seen)
        if mode == "napi":
            assert sink.ims_seen <= {0} and backlog_dropped == 0
            assert not D.napi_is_scheduled(dev.priv.napi)
        assert hw.ims == simhw.SIMNIC_IMS_ENABLE_MASK
        assert sum(d.buf is not None for d in hw.rx_ring) == ring - 1
        assert all(a < b for a, b in zip(seqs, seqs[1:]))

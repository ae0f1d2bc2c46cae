"""Hard IRQs: preemption at charge points, latching, masking, affinity, sharing, counts."""

from __future__ import annotations

import errno
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skbuff.kernel import cpu as C
from skbuff.kernel import irq, softirq
from skbuff.kernel.bug import KernelBug
from skbuff.kernel.kernel import Kernel


def test_irq_preempts_a_long_softirq_charge_at_the_right_time() -> None:
    k = Kernel()
    costs = k.costs
    log: list[tuple[Any, ...]] = []

    def rx(k: Kernel) -> None:
        start = k.now_ns
        k.charge(1_000_000)
        log.append(("rx", start, k.now_ns))

    def isr(n: int, dev: object) -> int:
        log.append(("isr", k.now_ns, C.in_hardirq(k), C.in_serving_softirq(k)))
        return irq.IRQ_HANDLED

    with k:
        softirq.open_softirq(k, softirq.NET_RX_SOFTIRQ, rx)
        irq.request_irq(k, 11, isr, 0, "nic", None)
        softirq.local_bh_disable(k)
        softirq.raise_softirq(k, softirq.NET_RX_SOFTIRQ)
        t0 = k.now_ns
        k.hw.schedule(t0 + 300_000, k.hw.assert_irq, 11)
        softirq.local_bh_enable(k)
    isr_entry = log[0]
    rx_start, rx_end = log[1][1], log[1][2]
    assert isr_entry == ("isr", t0 + 300_000 + costs.hardirq_entry, True, True)
    assert rx_end - rx_start == 1_000_000 + costs.hardirq_entry + costs.hardirq_exit


def test_masked_line_latches_one_assertion_until_enable_irq() -> None:
    k = Kernel()
    hits: list[int] = []
    with k:
        irq.request_irq(k, 7, lambda n, d: (hits.append(k.now_ns), irq.IRQ_HANDLED)[1], 0,
                        "nic", None)
        irq.disable_irq_nosync(k, 7)
        irq.disable_irq_nosync(k, 7)
        k.hw.assert_irq(7)
        k.hw.assert_irq(7)
        irq.enable_irq(k, 7)
        assert hits == []  # depth 1 still masked
        k.charge(5000)
        irq.enable_irq(k, 7)
        assert len(hits) == 1
        assert k.hw.irq_count(7, 0) == 1
        irq.enable_irq(k, 7)
    assert k.dmesg[-1].text == "Unbalanced enable for IRQ 7"


def test_local_irq_disable_defers_delivery_to_enable() -> None:
    k = Kernel()
    order: list[str] = []
    with k:
        irq.request_irq(k, 2, lambda n, d: (order.append("isr"), irq.IRQ_HANDLED)[1], 0, "x",
                        None)
        flags = irq.local_irq_save(k)
        k.hw.assert_irq(2)
        k.hw.assert_irq(2)  # latched once on the CPU
        order.append("irqs off")
        irq.local_irq_restore(k, flags)
        order.append("irqs on")
    assert order == ["irqs off", "isr", "irqs on"]


def test_affinity_routes_to_the_other_cpu_which_runs_in_parallel() -> None:
    k = Kernel(ncpus=2)
    where: list[tuple[int, int]] = []
    with k:
        irq.request_irq(k, 5, lambda n, d: (where.append((k.this_cpu().id, k.now_ns)),
                                            irq.IRQ_HANDLED)[1], 0, "x", None)
        assert irq.irq_set_affinity(k, 5, 1) == 0
        assert irq.irq_set_affinity(k, 5, 2) == -errno.EINVAL
        k.hw.schedule(1000, k.hw.assert_irq, 5)
        k.charge(10_000)
        assert k.this_cpu().id == 0
        assert k.now_ns == 10_000  # CPU 0 was not delayed by CPU 1's interrupt
    assert where == [(1, 1000 + k.costs.hardirq_entry)]
    assert (k.hw.irq_count(5, 0), k.hw.irq_count(5, 1)) == (0, 1)


def test_shared_lines_busy_and_free() -> None:
    k = Kernel()
    calls: list[str] = []
    with k:
        a, b = object(), object()
        h = lambda name, ret: lambda n, d: (calls.append(name), ret)[1]  # noqa: E731
        assert irq.request_irq(k, 3, h("a", irq.IRQ_NONE), irq.IRQF_SHARED, "a", a) == 0
        assert irq.request_irq(k, 3, h("b", irq.IRQ_HANDLED), irq.IRQF_SHARED, "b", b) == 0
        assert irq.request_irq(k, 3, h("c", irq.IRQ_HANDLED), 0, "c", None) == -errno.EBUSY
        assert irq.request_irq(k, 3, h("d", 0), irq.IRQF_SHARED, "d", None) == -errno.EINVAL
        k.hw.assert_irq(3)
        assert calls == ["a", "b"]
        assert irq.free_irq(k, 3, a) == "a"
        assert irq.free_irq(k, 3, a) is None
        assert k.dmesg[-1].text == "Trying to free already-free IRQ 3"
        k.hw.assert_irq(3)
        assert calls == ["a", "b", "b"]
        irq.free_irq(k, 3, b)
        k.hw.assert_irq(3)
        assert k.hw.spurious == 1


def test_tracepoints_order() -> None:
    k = Kernel()
    events: list[tuple[Any, ...]] = []
    for name in ("irq_handler_entry", "irq_handler_exit", "softirq_entry", "softirq_exit",
                 "softirq_raise"):
        k.trace.attach(name, lambda *a, _n=name: events.append((_n, *a)))
    with k:
        softirq.open_softirq(k, softirq.NET_RX_SOFTIRQ, lambda k: None)
        irq.request_irq(k, 8, lambda n, d: (softirq.raise_softirq_irqoff(
            k, softirq.NET_RX_SOFTIRQ), irq.IRQ_HANDLED)[1], 0, "eth0", None)
        k.hw.assert_irq(8)
    assert events == [
        ("irq_handler_entry", 8, "eth0"),
        ("softirq_raise", softirq.NET_RX_SOFTIRQ),
        ("irq_handler_exit", 8, irq.IRQ_HANDLED),
        ("softirq_entry", softirq.NET_RX_SOFTIRQ),
        ("softirq_exit", softirq.NET_RX_SOFTIRQ),
    ]


def test_raising_handler_unwinds_contexts() -> None:
    k = Kernel()

    def bad(n: int, dev: object) -> int:
        raise KernelBug("driver bug")

    with k:
        irq.request_irq(k, 6, bad, 0, "bad", None)
        with pytest.raises(KernelBug, match="driver bug"):
            k.hw.assert_irq(6)
        assert C.in_task(k) and not C.irqs_disabled(k) and C.preempt_count(k) == 0


def test_leaked_bh_disable_is_reported_when_the_task_ends() -> None:
    k = Kernel()
    k.run_task(softirq.local_bh_disable, k)
    assert k.dmesg[-1].text == ("BUG: task on CPU0 exited with preempt_count 0x00000200 "
                                "irqs_disabled False")
    assert k.cpus[0].preempt_count == 0


ops = st.lists(st.sampled_from(["irq_off", "irq_on", "bh_off", "bh_on", "assert", "raise",
                                "charge"]), max_size=40)


@settings(max_examples=80, deadline=None)
@given(ops)
def test_interrupt_delivery_matches_a_latch_model(seq: list[str]) -> None:
    k = Kernel()
    hits: list[bool] = []
    runs: list[bool] = []
    with k:
        softirq.open_softirq(k, softirq.NET_TX_SOFTIRQ, lambda k: runs.append(C.in_softirq(k)))
        irq.request_irq(k, 1, lambda n, d: (hits.append(C.in_hardirq(k)), irq.IRQ_HANDLED)[1],
                        0, "x", None)
        irqs_off = bh = 0
        latched = pending = False
        want_hits = want_runs = 0
        for op in seq:
            if op == "irq_off" and not irqs_off:
                irq.local_irq_disable(k)
                irqs_off = 1
            elif op == "irq_on" and irqs_off:
                irq.local_irq_enable(k)
                irqs_off = 0
                want_hits += latched
                latched = False
            elif op == "bh_off":
                softirq.local_bh_disable(k)
                bh += 1
            elif op == "bh_on" and bh and not irqs_off:
                softirq.local_bh_enable(k)
                bh -= 1
                if not bh and pending:
                    want_runs += 1
                    pending = False
            elif op == "assert":
                k.hw.assert_irq(1)
                if irqs_off:
                    latched = True
                else:
                    want_hits += 1
            elif op == "raise" and bh:
                softirq.raise_softirq(k, softirq.NET_TX_SOFTIRQ)
                pending = True
            elif op == "charge":
                k.charge(1000)
            assert len(hits) == want_hits and all(hits)
            assert len(runs) == want_runs and all(runs)
        if irqs_off:
            irq.local_irq_enable(k)
        for _ in range(bh):
            softirq.local_bh_enable(k)
    assert len(hits) == want_hits + latched
    assert len(runs) == want_runs + pending


def test_proc_interrupts_format() -> None:
    k = Kernel(ncpus=2)
    with k:
        irq.request_irq(k, 24, lambda n, d: irq.IRQ_HANDLED, 0, "eth0", None)
        irq.irq_set_affinity(k, 24, 1)
        k.hw.assert_irq(24)
        k.hw.assert_irq(24)
    assert irq.show_interrupts(k).splitlines() == [
        "           CPU0       CPU1       ",
        " 24:          0          2   SIM-MSI  24-edge      eth0",
        "LOC:          0          0   Local timer interrupts",
        "ERR:          0",
    ]

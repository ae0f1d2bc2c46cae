"""The simulation: determinism, tasks sleeping in run_for, world advance, current kernel."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skbuff.kernel import irq, printk, softirq, timer, wait
from skbuff.kernel.bug import KernelBug
from skbuff.kernel.current import current_kernel, current_kernel_or_none
from skbuff.kernel.kernel import Kernel


def _scenario(seed: int) -> tuple[list[str], list[tuple[Any, ...]]]:
    k = Kernel(seed=seed, ncpus=2)
    trace: list[tuple[Any, ...]] = []
    for name in ("irq_handler_entry", "softirq_entry", "timer_expire_entry"):
        k.trace.attach(name, lambda *a, _n=name: trace.append((_n, k.now_ns, a[-1])))

    def isr(n: int, dev: object) -> int:
        softirq.raise_softirq_irqoff(k, softirq.NET_RX_SOFTIRQ)
        return irq.IRQ_HANDLED

    def rx(k: Kernel) -> None:
        k.charge(k.rng.get_random_u32_below(5000))
        printk.pr_info(k, f"rx on {k.this_cpu().id} r={k.rng.get_random_u32()}")

    def tick(t: timer.timer_list) -> None:
        printk.pr_info(k, "tick")
        k.hw.assert_irq(10 + k.rng.get_random_u32_below(2))
        timer.mod_timer(t, k.jiffies + 1 + k.rng.get_random_u32_below(5))

    with k:
        softirq.open_softirq(k, softirq.NET_RX_SOFTIRQ, rx)
        for n in (10, 11):
            irq.request_irq(k, n, isr, 0, f"q{n}", None)
        irq.irq_set_affinity(k, 11, 1)
        t = timer.timer_list()
        timer.timer_setup(t, tick, 0)
        timer.mod_timer(t, k.jiffies + 1)
        for i in range(20):
            k.hw.schedule(k.rng.get_random_u32_below(50_000_000), k.hw.assert_irq, 10 + i % 2)
    k.run_until(60_000_000)
    return [str(r) for r in k.dmesg], trace


def test_same_seed_same_log_and_trace() -> None:
    a, b = _scenario(7), _scenario(7)
    assert a == b
    assert len(a[0]) > 40
    assert _scenario(8) != a


def test_run_for_inside_a_task_lets_the_world_move() -> None:
    k = Kernel(ncpus=2)
    log: list[tuple[str, int, int]] = []

    def isr(n: int, dev: object) -> int:
        log.append(("isr", k.this_cpu().id, k.now_ns))
        return irq.IRQ_HANDLED

    def ping() -> int:
        log.append(("send", k.this_cpu().id, k.now_ns))
        k.charge(1000)
        k.run_for(5_000_000)  # wait for the reply
        log.append(("wake", k.this_cpu().id, k.now_ns))
        return 42

    with k:
        irq.request_irq(k, 1, isr, 0, "a", None)
        irq.request_irq(k, 2, isr, 0, "b", None)
        irq.irq_set_affinity(k, 2, 1)
        k.hw.schedule(2_000_000, k.hw.assert_irq, 1)
        k.hw.schedule(3_000_000, k.hw.assert_irq, 2)
    assert k.run_task(ping) == 42
    e = k.costs.hardirq_entry
    assert log == [("send", 0, 0), ("isr", 0, 2_000_000 + e), ("isr", 1, 3_000_000 + e),
                   ("wake", 0, 5_001_000)]
    assert k.now_ns == 5_001_000


def test_run_until_idle_stops_at_the_last_event() -> None:
    k = Kernel()
    hits: list[int] = []
    with k:
        k.hw.schedule(7_000, hits.append, 1)
        ev = k.hw.schedule(9_000, hits.append, 2)
        k.hw.cancel(ev)
    k.run_until_idle(10**9)
    assert hits == [1] and k.now_ns == 7_000
    k.run_until(20_000)
    assert k.now_ns == 20_000
    k.run_until(10)  # never backwards
    assert k.now_ns == 20_000


def test_current_kernel_and_cpu_context() -> None:
    k = Kernel()
    assert current_kernel_or_none() is None
    with pytest.raises(KernelBug):
        k.this_cpu()
    with k:
        assert current_kernel() is k and k.this_cpu().id == 0
        assert k.run_task(lambda: (current_kernel(), k.this_cpu().id), cpu=1) == (k, 1)
        assert k.this_cpu().id == 0
    assert current_kernel_or_none() is None
    seen: list[object] = []
    k.hw.schedule(5, lambda: seen.append((current_kernel(), k._cpu)))
    k.run_until(10)
    assert seen == [(k, None)]  # hardware events run on no CPU


def test_defaults() -> None:
    k = Kernel(seed=3, hz=250, ncpus=4, skb_debug=True)
    assert (k.hz, len(k.cpus), k.skb_debug) == (250, 4, True)
    assert (k.arch.NET_SKB_PAD, k.arch.NET_IP_ALIGN, k.arch.L1_CACHE_BYTES) == (64, 0, 64)
    k.arch.NET_IP_ALIGN = 2
    assert k.arch.NET_IP_ALIGN == 2
    assert k.nets == [] and k.pernet_list == [] and k.skbuff_head_cache is None
    assert k.net_ratelimit_state.interval == 5 * 250 and k.net_ratelimit_state.burst == 10
    assert k.softirq_vec[softirq.TIMER_SOFTIRQ] is timer.run_timer_softirq


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5_000_000), st.integers(0, 2), st.integers(0, 3)),
                max_size=25),
       st.integers(1, 3))
def test_world_invariants_under_random_hardware(
        events: list[tuple[int, int, int]], ncpus: int) -> None:
    k = Kernel(ncpus=ncpus)
    entries: list[tuple[int, int]] = []
    rx_runs: list[int] = []

    def isr(n: int, dev: object) -> int:
        entries.append((k.this_cpu().id, k.now_ns))
        k.charge(2000)
        softirq.raise_softirq_irqoff(k, softirq.NET_RX_SOFTIRQ)
        return irq.IRQ_HANDLED

    def rx(k: Kernel) -> None:
        rx_runs.append(k.this_cpu().id)
        k.charge(50_000)

    with k:
        softirq.open_softirq(k, softirq.NET_RX_SOFTIRQ, rx)
        for line in range(3):
            irq.request_irq(k, line, isr, 0, f"q{line}", None)
            irq.irq_set_affinity(k, line, line % ncpus)
        for at, line, extra in events:
            k.hw.schedule(at, k.hw.assert_irq, line)
            if extra == 3:
                t = timer.timer_list()
                timer.timer_setup(t, lambda _t: k.hw.assert_irq(0), 0)
                timer.mod_timer(t, k.jiffies + 1 + at // 1_000_000)
    k.run_until_idle(10**10)
    n_timers = sum(1 for *_, extra in events if extra == 3)
    # assertions arriving while the CPU is in the handler coalesce into one latched IRQ
    assert bool(entries) == bool(events) and len(entries) <= len(events) + n_timers
    for c in k.cpus:
        times = [t for cpu, t in entries if cpu == c.id]
        assert times == sorted(times)  # each CPU's clock only moves forward
        assert (c.preempt_count, c.irqs_disabled, c.softirq_pending, c.ksoftirqd_woken,
                c.active) == (0, False, 0, False, 0)
    assert bool(rx_runs) == bool(entries) and len(rx_runs) <= len(entries)


def test_wait_event_timeout_and_sleeps() -> None:
    k = Kernel(hz=1000)
    got: list[int] = []
    with k:
        k.hw.schedule(3_500_000, got.append, 1)
        j0 = k.jiffies
        assert wait.wait_event_timeout(k, lambda: bool(got), 10) == 10 - 3
        assert k.now_ns == 3_500_000
        assert wait.wait_event_timeout(k, lambda: bool(got), 5) == 5  # already true
        assert wait.wait_event_timeout(k, lambda: len(got) > 1, 4) == 0
        assert k.jiffies == j0 + 7
        timer.msleep(k, 10)
        assert k.jiffies == j0 + 18
        assert timer.schedule_timeout(k, 2) == 0 and k.jiffies == j0 + 20


def test_run_task_nests_in_tasks_but_not_in_interrupts() -> None:
    k = Kernel()
    with k:
        assert k.run_task(lambda: k.run_task(lambda: 5)) == 5
        softirq.local_bh_disable(k)
        with pytest.raises(KernelBug, match="from interrupt context"):
            k.run_task(lambda: None)
        softirq.local_bh_enable(k)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20_000_000), st.integers(0, 2), st.booleans()),
                max_size=12),
       st.lists(st.integers(0, 3_000_000), min_size=1, max_size=12))
def test_run_for_steps_equal_run_until(events: list[tuple[int, int, bool]],
                                       steps: list[int]) -> None:
    """run_for from outside any task (its nothing-due shortcut included) is run_until of
    now + ns: the same handlers at the same times, the same clock after every step."""
    def world() -> tuple[Kernel, list[tuple[int, int, int]]]:
        k = Kernel(ncpus=2)
        log: list[tuple[int, int, int]] = []

        def isr(n: int, dev: object) -> int:
            log.append((n, k.this_cpu().id, k.now_ns))
            softirq.raise_softirq_irqoff(k, softirq.NET_RX_SOFTIRQ)
            return irq.IRQ_HANDLED

        with k:
            softirq.open_softirq(k, softirq.NET_RX_SOFTIRQ, lambda k: k.charge(30_000))
            for line in range(3):
                irq.request_irq(k, line, isr, 0, f"q{line}", None)
                irq.irq_set_affinity(k, line, line % 2)
            for at, line, cancel in events:
                ev = k.hw.schedule(at, k.hw.assert_irq, line)
                if cancel:
                    k.hw.cancel(ev)
        return k, log

    a, log_a = world()
    b, log_b = world()
    for ns in steps:
        a.run_for(ns)
        b.run_until(b.now_ns + ns)
        assert a.now_ns == b.now_ns and log_a == log_b

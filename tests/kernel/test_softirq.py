"""Softirqs: contexts, irq_exit/local_bh_enable runs, restart limits and ksoftirqd."""

from __future__ import annotations

import pytest

from skbuff.kernel import cpu as C
from skbuff.kernel import irq, softirq
from skbuff.kernel.bug import KernelBug
from skbuff.kernel.kernel import Kernel


def test_contexts_in_task_softirq_and_hardirq() -> None:
    k = Kernel()
    seen: dict[str, tuple[bool, ...]] = {}

    def ctx() -> tuple[bool, ...]:
        return (C.in_task(k), C.in_softirq(k), C.in_serving_softirq(k), C.in_hardirq(k),
                C.in_interrupt(k))

    def rx(k: Kernel) -> None:
        seen["softirq"] = ctx()

    def isr(n: int, dev: object) -> int:
        seen["hardirq"] = ctx()
        softirq.raise_softirq_irqoff(k, softirq.NET_RX_SOFTIRQ)
        return irq.IRQ_HANDLED

    with k:
        softirq.open_softirq(k, softirq.NET_RX_SOFTIRQ, rx)
        assert irq.request_irq(k, 9, isr, 0, "eth0", k) == 0
        seen["task"] = ctx()
        softirq.local_bh_disable(k)
        seen["bh-off"] = ctx()
        softirq.local_bh_enable(k)
        k.hw.assert_irq(9)
    assert seen == {
        "task": (True, False, False, False, False),
        "bh-off": (True, True, False, False, True),
        "hardirq": (False, False, False, True, True),
        "softirq": (False, True, True, False, True),
    }


def test_local_bh_enable_runs_pending_and_irq_exit_defers_under_bh_off() -> None:
    k = Kernel()
    order: list[str] = []
    with k:
        softirq.open_softirq(k, softirq.NET_TX_SOFTIRQ, lambda k: order.append("tx"))
        irq.request_irq(k, 3, lambda n, d: (softirq.raise_softirq_irqoff(
            k, softirq.NET_TX_SOFTIRQ), irq.IRQ_HANDLED)[1], 0, "x", None)
        softirq.local_bh_disable(k)
        k.hw.assert_irq(3)  # ISR runs now; its softirq waits for local_bh_enable
        order.append("isr done")
        softirq.local_bh_enable(k)
        order.append("after enable")
    assert order == ["isr done", "tx", "after enable"]
    assert not k.cpus[0].ksoftirqd_woken


def test_raise_from_task_wakes_ksoftirqd_which_runs_when_cpu_idles() -> None:
    k = Kernel()
    log: list[tuple[str, bool]] = []
    with k:
        softirq.open_softirq(k, softirq.NET_RX_SOFTIRQ,
                             lambda k: log.append(("rx", C.in_serving_softirq(k))))
        softirq.raise_softirq(k, softirq.NET_RX_SOFTIRQ)
        assert k.cpus[0].ksoftirqd_woken
        log.append(("task continues", False))
    assert log == [("task continues", False), ("rx", True)]
    assert k.cpus[0].ksoftirqd_runs == 1 and not k.cpus[0].ksoftirqd_woken


def _reraiser(k: Kernel, rounds: list[int], total: int, cost: int) -> None:
    def action(k: Kernel) -> None:
        rounds.append(k.this_cpu().ksoftirqd_runs)
        k.charge(cost)
        if len(rounds) < total:
            softirq.raise_softirq_irqoff(k, softirq.NET_RX_SOFTIRQ)

    softirq.open_softirq(k, softirq.NET_RX_SOFTIRQ, action)


def test_restart_limit_defers_to_ksoftirqd() -> None:
    k = Kernel()
    rounds: list[int] = []
    with k:
        _reraiser(k, rounds, 25, 1000)
        irq.request_irq(k, 4, lambda n, d: (softirq.raise_softirq_irqoff(
            k, softirq.NET_RX_SOFTIRQ), irq.IRQ_HANDLED)[1], 0, "x", None)
        k.hw.schedule(10_000, k.hw.assert_irq, 4)
    k.run_until(10**9)
    # irq_exit ran MAX_SOFTIRQ_RESTART rounds, then ksoftirqd took the rest
    assert rounds[: softirq.MAX_SOFTIRQ_RESTART] == [0] * softirq.MAX_SOFTIRQ_RESTART
    assert rounds[softirq.MAX_SOFTIRQ_RESTART :] == [1] * 15
    assert k.cpus[0].softirqs[softirq.NET_RX_SOFTIRQ] == 25


def test_time_limit_defers_to_ksoftirqd() -> None:
    k = Kernel(hz=1000)
    rounds: list[int] = []
    with k:
        _reraiser(k, rounds, 8, 900_000)  # 0.9 ms a round: 2 jiffies pass within 3 rounds
        irq.request_irq(k, 4, lambda n, d: (softirq.raise_softirq_irqoff(
            k, softirq.NET_RX_SOFTIRQ), irq.IRQ_HANDLED)[1], 0, "x", None)
        k.hw.assert_irq(4)
    k.run_until(10**9)
    assert 1 < rounds.count(0) < softirq.MAX_SOFTIRQ_RESTART
    n = rounds.count(0)
    assert len(rounds) == 8 and all(r >= 1 for r in rounds[n:])  # the rest ran in ksoftirqd


def test_need_resched_stops_restarting() -> None:
    k = Kernel()
    rounds: list[int] = []
    with k:
        _reraiser(k, rounds, 5, 10)
        k.cpus[0].need_resched = True
        softirq.local_bh_disable(k)
        softirq.raise_softirq(k, softirq.NET_RX_SOFTIRQ)
        softirq.local_bh_enable(k)
        assert rounds == [0]
        assert k.cpus[0].ksoftirqd_woken
        k.cpus[0].need_resched = False
    assert len(rounds) == 5


def test_ksoftirqd_yields_at_the_horizon_and_resumes() -> None:
    k = Kernel()
    rounds: list[int] = []
    with k:
        _reraiser(k, rounds, 10**6, 1_000_000)
        softirq.raise_softirq(k, softirq.NET_RX_SOFTIRQ)
        k.run_for(20_000_000)  # the task sleeps: ksoftirqd gets the CPU for ~20 ms
        first = len(rounds)
        assert 15 <= first <= 25
        softirq.local_bh_disable(k)
        with pytest.raises(KernelBug, match="scheduling while atomic"):
            k.run_for(1)
        softirq.local_bh_enable(k)
    assert len(rounds) > first


def test_proc_softirqs_format() -> None:
    k = Kernel(ncpus=2)
    with k:
        softirq.open_softirq(k, softirq.NET_RX_SOFTIRQ, lambda k: None)
        softirq.local_bh_disable(k)
        softirq.raise_softirq(k, softirq.NET_RX_SOFTIRQ)
        softirq.local_bh_enable(k)
    lines = softirq.show_softirqs(k).splitlines()
    assert lines[0] == "                    CPU0       CPU1       "
    assert lines[4] == "      NET_RX:          1          0"
    assert len(lines) == 1 + softirq.NR_SOFTIRQS


def test_handler_leaking_bh_disable_is_logged_and_repaired() -> None:
    k = Kernel()
    with k:
        softirq.open_softirq(k, softirq.NET_TX_SOFTIRQ, softirq.local_bh_disable)
        softirq.local_bh_disable(k)
        softirq.raise_softirq(k, softirq.NET_TX_SOFTIRQ)
        softirq.local_bh_enable(k)
        assert C.preempt_count(k) == 0
    assert k.dmesg[-1].text == ("huh, entered softirq 2 NET_TX local_bh_disable with "
                                "preempt_count 00000100, exited with 00000300?")

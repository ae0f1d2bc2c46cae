"""Timers: jiffy rounding, order, mod/del semantics, hrtimers; a Hypothesis reference model."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from skbuff.kernel import cpu as C
from skbuff.kernel import irq, timer
from skbuff.kernel.jiffies import jiffy_to_ns, ns_to_jiffies
from skbuff.kernel.kernel import Kernel


def _timer(k: Kernel, log: list[tuple[str, int]], name: str) -> timer.timer_list:
    t = timer.timer_list()
    with k:
        timer.timer_setup(t, lambda _t: log.append((name, k.jiffies)), 0)
    return t


def test_timer_runs_in_timer_softirq_on_the_arming_cpu_at_its_jiffy() -> None:
    k = Kernel(hz=250)
    seen: list[tuple[int, int, bool, int]] = []

    def fn(t: timer.timer_list) -> None:
        seen.append((k.jiffies, k.this_cpu().id, C.in_serving_softirq(k), k.now_ns))

    t = timer.timer_list()

    def arm() -> None:
        timer.timer_setup(t, fn, 0)
        timer.mod_timer(t, k.jiffies + 3)

    k.run_task(arm, cpu=1)
    start = k.jiffies
    k.run_until(10**9)
    assert len(seen) == 1
    j, cpu, in_sirq, ns = seen[0]
    assert (j, cpu, in_sirq) == (start + 3, 1, True)
    assert ns >= jiffy_to_ns(k, start + 3) == 12_000_000
    assert not timer.timer_pending(t)
    assert k.hw.irq_count(irq.LOCAL_TIMER_IRQ, 1) == 1


def test_expired_or_current_expiry_runs_at_next_tick() -> None:
    k = Kernel()
    log: list[tuple[str, int]] = []
    a, b = _timer(k, log, "past"), _timer(k, log, "now")
    with k:
        k.charge(400_000)  # mid-jiffy
        j = k.jiffies
        timer.mod_timer(a, j - 5)
        timer.mod_timer(b, j)
    k.run_until(10**8)
    assert log == [("past", j + 1), ("now", j + 1)]


def test_same_jiffy_in_arming_order_and_mod_del_returns() -> None:
    k = Kernel()
    log: list[tuple[str, int]] = []
    ts = {n: _timer(k, log, n) for n in "abcd"}
    with k:
        j = k.jiffies
        assert timer.mod_timer(ts["b"], j + 5) == 0
        assert timer.mod_timer(ts["a"], j + 5) == 0
        assert timer.mod_timer(ts["c"], j + 2) == 0
        assert timer.mod_timer(ts["c"], j + 5) == 1  # re-armed: now after a
        assert timer.mod_timer(ts["b"], j + 5) == 1  # same expiry: keeps its place
        ts["d"].expires = j + 1
        timer.add_timer(ts["d"])
        assert timer.del_timer(ts["d"]) == 1
        assert timer.del_timer_sync(ts["d"]) == 0
        assert timer.mod_timer_pending(ts["d"], j + 1) == 0
        assert not timer.timer_pending(ts["d"])
    k.run_until(10**8)
    assert log == [("b", j + 5), ("a", j + 5), ("c", j + 5)]


def test_timer_reduce_only_moves_earlier() -> None:
    k = Kernel()
    log: list[tuple[str, int]] = []
    t = _timer(k, log, "t")
    with k:
        j = k.jiffies
        assert timer.timer_reduce(t, j + 10) == 0
        assert timer.timer_reduce(t, j + 20) == 1
        assert t.expires == j + 10
        assert timer.timer_reduce(t, j + 4) == 1
    k.run_until(10**8)
    assert log == [("t", j + 4)]


def test_rearming_from_the_callback_and_idle_stop() -> None:
    k = Kernel()
    fired: list[int] = []
    t = timer.timer_list()

    def fn(tl: timer.timer_list) -> None:
        fired.append(k.jiffies)
        if len(fired) < 3:
            timer.mod_timer(tl, k.jiffies + 100)

    with k:
        timer.timer_setup(t, fn, 0)
        j = k.jiffies
        timer.mod_timer(t, j + 100)
    k.run_until_idle(10**10)
    assert fired == [j + 100, j + 200, j + 300]
    assert ns_to_jiffies(k, k.now_ns) == j + 300  # stopped when nothing was left
    assert k.cpus[0].next_event is None


def test_hrtimer_runs_in_hardirq_at_ns_and_restarts() -> None:
    k = Kernel()
    seen: list[tuple[int, bool]] = []
    ht = timer.hrtimer()

    def fn(h: timer.hrtimer) -> int:
        seen.append((k.now_ns, C.in_hardirq(k)))
        if len(seen) < 3:
            timer.hrtimer_forward_now(h, 50_000)
            return timer.HRTIMER_RESTART
        return timer.HRTIMER_NORESTART

    with k:
        timer.hrtimer_init(ht, timer.CLOCK_MONOTONIC, timer.HRTIMER_MODE_REL)
        ht.function = fn
        timer.hrtimer_start(ht, 20_000, timer.HRTIMER_MODE_REL)
        assert timer.hrtimer_active(ht)
    k.run_until(10**6)
    entry = k.costs.hardirq_entry + k.costs.hrtimer_entry
    assert [t for t, _ in seen] == [20_000 + entry, 70_000 + entry, 120_000 + entry]
    assert all(h for _, h in seen)
    assert not timer.hrtimer_active(ht)
    with k:
        timer.hrtimer_start(ht, 5_000_000, timer.HRTIMER_MODE_ABS)
        assert timer.hrtimer_cancel(ht) == 1
        assert timer.hrtimer_cancel(ht) == 0
    k.run_until(10**7)
    assert len(seen) == 3


def test_timer_latched_while_irqs_off_runs_after_enable() -> None:
    k = Kernel()
    log: list[tuple[str, int]] = []
    t = _timer(k, log, "t")
    with k:
        timer.mod_timer(t, k.jiffies + 1)
        irq.local_irq_disable(k)
        k.charge(3_000_000)
        assert log == []
        irq.local_irq_enable(k)
        assert len(log) == 1


ops = st.lists(
    st.one_of(
        st.tuples(st.just("mod"), st.integers(0, 3), st.integers(-3, 40)),
        st.tuples(st.just("del"), st.integers(0, 3), st.just(0)),
        st.tuples(st.just("run"), st.just(0), st.integers(0, 30)),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(ops, st.sampled_from([250, 1000]))
def test_timers_match_reference_model(seq: list[tuple[str, int, int]], hz: int) -> None:
    k = Kernel(hz=hz)
    log: list[tuple[str, int]] = []
    timers = [_timer(k, log, str(i)) for i in range(4)]
    model: dict[int, tuple[int, int, int]] = {}  # id -> (fire jiffy, order, expires)
    expected: list[tuple[str, int]] = []
    order = 0
    for op, i, arg in seq:
        now = k.jiffies
        if op == "mod":
            expires = now + arg
            was = k.run_task(timer.mod_timer, timers[i], expires)
            assert was == int(i in model)
            if i not in model or model[i][2] != expires:
                order += 1
                model[i] = (now + max(1, arg), order, expires)
        elif op == "del":
            assert k.run_task(timer.del_timer, timers[i]) == int(i in model)
            model.pop(i, None)
        else:
            until = k.now_ns + arg * 1_000_000
            k.run_until(until)
            due = sorted((f, o, tid) for tid, (f, o, _) in model.items()
                         if jiffy_to_ns(k, f) <= until)
            for f, _, tid in due:
                expected.append((str(tid), f))
                del model[tid]
        assert log == expected
        assert {i for i, t in enumerate(timers) if timer.timer_pending(t)} == set(model)


def test_round_jiffies() -> None:
    k = Kernel(hz=1000, ncpus=2)
    with k:
        k.charge(804_000_000)
        j = k.jiffies
        assert j % 1000 == 100  # INITIAL_JIFFIES is not second-aligned
        base = j - 100
        assert timer.round_jiffies(k, base + 1000 + 100) == base + 1000  # just past: down
        assert timer.round_jiffies(k, base + 1000 + 600) == base + 2000
        assert timer.round_jiffies_up(k, base + 1000 + 100) == base + 2000
        assert timer.round_jiffies(k, j + 10) == j + 10  # rounding down would be in the past
        assert timer.round_jiffies_relative(k, 1500) == base + 2000 - j
        assert timer.round_jiffies_up_relative(k, 1) == base + 1000 - j
        assert k.run_task(timer.round_jiffies, k, base + 2000, cpu=1) == base + 1997

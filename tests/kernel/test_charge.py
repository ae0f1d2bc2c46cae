"""charge() against hardware events: whatever mix of scheduling, cancelling and charging, every
live event runs exactly once, at its own time, in time order, inside the charge that crosses
it, and the CPU's clock ends at the sum of the charges (events take no CPU time)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from skbuff.kernel.kernel import Kernel

step = st.one_of(
    st.tuples(st.just("schedule"), st.integers(0, 20_000)),  # at now + this
    st.tuples(st.just("cancel"), st.integers(0, 30)),  # the n-th scheduled event
    st.tuples(st.just("charge"), st.integers(1, 5_000)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(step, max_size=40))
def test_events_run_once_in_order_within_charges(steps: list[tuple[str, int]]) -> None:
    k = Kernel(seed=0, ncpus=1)
    ran: list[tuple[int, int]] = []  # (event number, the time it ran at)
    due: dict[int, int] = {}  # live event number -> its time
    expected: list[tuple[int, int]] = []
    events = []
    with k:
        cpu = k.this_cpu()
        charged = cpu.clock
        for what, arg in steps:
            if what == "schedule":
                at = cpu.clock + arg
                n = len(events)
                events.append(k.hw.schedule(at, lambda n=n: ran.append((n, k.now_ns))))
                due[n] = at
            elif what == "cancel" and arg < len(events):
                k.hw.cancel(events[arg])
                due.pop(arg, None)
            elif what == "charge":
                before = cpu.clock
                k.charge(arg)
                charged += arg
                assert cpu.clock == charged
                crossed = sorted((t, n) for n, t in due.items() if t <= cpu.clock)
                expected += [(n, t) for t, n in crossed]
                assert ran == expected
                for t, n in crossed:
                    assert before <= t
                    del due[n]
        assert ran == expected

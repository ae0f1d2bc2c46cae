"""What tracing costs, end to end through the h1 — r — h2 router of bench_forward.py (frames
injected on r1, forwarded by r, received by h2), as ratios measured in the same run:

- stripped: every tracepoint attribute replaced by a C-level no-op (`"".format`), the
  closest Python gets to a build without the call sites;
- off: the tree as shipped (tracepoints are the shared Python no-op; function-entry tracing
  is not installed, so the traced functions are the plain functions — nothing to strip);
- off after on: a journey tracer attached then detached (the original code objects are back);
- on, filtered out: a journey tracer whose filter matches nothing (probes run, nothing kept);
- on: a journey tracer recording every step.

Target: off ≥ 0.95 of stripped. Run: python benchmarks/bench_trace.py
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bench_forward import Bench, build

from skbuff.trace import ftrace, journey
from skbuff.trace.tracepoint import TRACEPOINTS

N = 3_000


def _rate(fn: Callable[[int], None], n: int) -> float:
    """Packets per second of `fn(n)` (best of 5)."""
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        fn(n)
        best = min(best, time.perf_counter() - t0)
    return n / best


def _forward(b: Bench) -> Callable[[int], None]:
    def forward(n: int) -> None:
        for _ in range(n):
            b.rx()
        b.k.run_for(10**6)

    return forward


def _stripped(b: Bench, forward: Callable[[int], None]) -> float:
    trace = b.k.trace
    saved = {name: getattr(trace, name) for name in TRACEPOINTS}
    for name in TRACEPOINTS:
        setattr(trace, name, "".format)
    try:
        return _rate(forward, N)
    finally:
        for name, fn in saved.items():
            setattr(trace, name, fn)


def _traced(b: Bench, forward: Callable[[int], None], filt: str) -> tuple[float, int]:
    t = journey.journey_tracer(b.k, filt)
    assert t.attach() == 0

    def run(n: int) -> None:
        t.events.clear()
        forward(n)

    try:
        rate = _rate(run, N)
    finally:
        t.detach()
    return rate, len(t.events)


def main() -> None:
    b = build()
    forward = _forward(b)
    codes = [fn.__code__ for fn in ftrace.traceable_functions()]
    with b.k:
        stripped = _stripped(b, forward)
        off = _rate(forward, N)
        on, steps = _traced(b, forward, "")
        filtered, kept = _traced(b, forward, "host 192.0.2.1")
        assert kept == 0
        assert [fn.__code__ for fn in ftrace.traceable_functions()] == codes
        after = _rate(forward, N)
    print(f"stripped (C no-op tracepoints): {stripped:10,.0f} pkt/s")
    print(f"off:                            {off:10,.0f} pkt/s  ({off / stripped:.3f} of stripped)")
    print(f"off after on:                   {after:10,.0f} pkt/s  "
          f"({after / stripped:.3f} of stripped)")
    print(f"on, filtered out:               {filtered:10,.0f} pkt/s  "
          f"({filtered / off:.3f} of off)")
    print(f"on ({steps // N} steps/packet):          {on:10,.0f} pkt/s  ({on / off:.3f} of off)")


if __name__ == "__main__":
    main()

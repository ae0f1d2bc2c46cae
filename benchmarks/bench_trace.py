"""What tracing costs, end to end through the h1 — r — h2 router of bench_forward.py (frames
injected on r1, forwarded by r, received by h2), as ratios measured in the same run, the
configurations interleaved round by round (best of ROUNDS each):

- stripped: every tracepoint attribute replaced by a C-level no-op (`"".format`), the
  closest Python gets to a build without the call sites;
- off: the tree as shipped (tracepoints are the shared Python no-op; function-entry tracing
  is not installed, so the traced functions are the plain functions — nothing to strip; the
  run also checks every traced function has its original code back after the "on" rounds);
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

N = 500
ROUNDS = 25


def _once(fn: Callable[[int], None], n: int) -> float:
    t0 = time.perf_counter()
    fn(n)
    return time.perf_counter() - t0


def _forward(b: Bench) -> Callable[[int], None]:
    def forward(n: int) -> None:
        for _ in range(n):
            b.rx()
        b.k.run_for(10**6)

    return forward


def _stripped(b: Bench, forward: Callable[[int], None]) -> Callable[[int], None]:
    trace = b.k.trace

    def run(n: int) -> None:
        saved = {name: getattr(trace, name) for name in TRACEPOINTS}
        for name in TRACEPOINTS:
            setattr(trace, name, "".format)
        try:
            forward(n)
        finally:
            for name, fn in saved.items():
                setattr(trace, name, fn)

    return run


def _traced(b: Bench, forward: Callable[[int], None], filt: str,
            kept: list[int]) -> Callable[[int], None]:
    def run(n: int) -> None:
        t = journey.journey_tracer(b.k, filt)
        t.attach()
        try:
            forward(n)
        finally:
            t.detach()
        kept.append(len(t.events))

    return run


def main() -> None:
    b = build()
    forward = _forward(b)
    codes = [fn.__code__ for fn in ftrace.traceable_functions()]
    on_steps: list[int] = []
    filtered_steps: list[int] = []
    configs = {"stripped": _stripped(b, forward), "off": forward,
               "on, filtered out": _traced(b, forward, "host 192.0.2.1", filtered_steps),
               "on": _traced(b, forward, "", on_steps)}
    best = dict.fromkeys(configs, float("inf"))
    with b.k:
        forward(N)  # warm up: caches, neighbour state, allocator
        for _ in range(ROUNDS):  # interleaved, so drift hits every configuration alike
            for name, fn in configs.items():
                best[name] = min(best[name], _once(fn, N))
    assert not any(filtered_steps) and [f.__code__ for f in ftrace.traceable_functions()] == codes
    rate = {name: N / t for name, t in best.items()}
    print(f"stripped (C no-op tracepoints): {rate['stripped']:10,.0f} pkt/s")
    print(f"off (as shipped):               {rate['off']:10,.0f} pkt/s  "
          f"({rate['off'] / rate['stripped']:.3f} of stripped)")
    print(f"on, filtered out:               {rate['on, filtered out']:10,.0f} pkt/s  "
          f"({rate['on, filtered out'] / rate['off']:.3f} of off)")
    print(f"on ({on_steps[-1] // N} steps/packet):          {rate['on']:10,.0f} pkt/s  "
          f"({rate['on'] / rate['off']:.3f} of off)")


if __name__ == "__main__":
    main()

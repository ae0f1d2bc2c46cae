"""sk_buff hot-path speed, as ratios to baselines measured in the same run.

Run: python benchmarks/bench_skb.py. Prints
- alloc+reserve+put+push+pull+free cycles per second (and per-cycle cost in empty calls),
- a tracepoint call with no probe attached, relative to an empty Python function call.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from skbuff.kernel.kernel import Kernel
from skbuff.net.core import skbuff as S

PAYLOAD = bytes(64)


def _empty() -> None:
    """Baseline: an empty function call."""


def _rate(fn: Callable[[int], None], n: int) -> float:
    """Calls of fn's loop body per second (best of 5, in process CPU time: wall-clock rates swing
    several-fold on a shared machine)."""
    best = float("inf")
    for _ in range(5):
        t0 = time.process_time()
        fn(n)
        best = min(best, time.process_time() - t0)
    return n / best


def main() -> None:
    k = Kernel(seed=0, hz=1000, ncpus=1, skb_debug=False)
    with k:
        S.skb_init(k)
        trace = k.trace

        def cycle(n: int) -> None:
            alloc, reserve, put_data, push = (S.alloc_skb, S.skb_reserve, S.skb_put_data,
                                              S.skb_push)
            pull, consume = S.skb_pull, S.consume_skb
            for _ in range(n):
                skb = alloc(128, S.GFP_ATOMIC)
                reserve(skb, 64)
                put_data(skb, PAYLOAD)
                push(skb, 14)
                pull(skb, 14)
                consume(skb)

        def empty_calls(n: int) -> None:
            f = _empty
            for _ in range(n):
                f()

        def tracepoint_calls(n: int) -> None:
            for _ in range(n):
                trace.kfree_skb(None, "bench", 0)

        empty = _rate(empty_calls, 1_000_000)
        skb_rate = _rate(cycle, 100_000)
        tp = _rate(tracepoint_calls, 1_000_000)
    print(f"empty function call        : {empty:14,.0f} /s (baseline)")
    print(f"skb alloc..free cycle      : {skb_rate:14,.0f} /s "
          f"= {empty / skb_rate:6.1f} empty calls each")
    print(f"tracepoint, nothing attached: {tp:13,.0f} /s "
          f"= {empty / tp:6.2f} x an empty call")


if __name__ == "__main__":
    main()

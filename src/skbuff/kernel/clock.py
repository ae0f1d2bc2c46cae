"""Nanosecond time units and the ktime helpers of the simulated clock.

Kernel: include/vdso/time64.h (NSEC_PER_SEC …), include/linux/ktime.h.

Simulated time is an `int` of nanoseconds since boot (`ktime_t`). `k.now_ns` is the clock of
the CPU running the current code (see `skbuff.kernel.kernel` for the model); nothing here reads
the wall clock.
"""

from __future__ import annotations

MSEC_PER_SEC = 1000
USEC_PER_MSEC = 1000
NSEC_PER_USEC = 1000
NSEC_PER_MSEC = 1_000_000
USEC_PER_SEC = 1_000_000
NSEC_PER_SEC = 1_000_000_000


def ktime_to_ns(kt: int) -> int:
    """ktime_t is already ns. Kernel: include/linux/ktime.h ktime_to_ns."""
    return kt


def ktime_to_us(kt: int) -> int:
    """Kernel: include/linux/ktime.h ktime_to_us (truncating)."""
    return kt // NSEC_PER_USEC


def ktime_to_ms(kt: int) -> int:
    """Kernel: include/linux/ktime.h ktime_to_ms (truncating)."""
    return kt // NSEC_PER_MSEC


def ns_to_ktime(ns: int) -> int:
    """Kernel: include/linux/ktime.h ns_to_ktime."""
    return ns

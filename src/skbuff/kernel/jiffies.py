"""jiffies: the tick counter, its wrap-safe comparisons and unit conversions.

Kernel: include/linux/jiffies.h, kernel/time/time.c.

`jiffies` counts timer ticks, HZ per second. As in the kernel it starts at
`INITIAL_JIFFIES = (unsigned int)(-300 * HZ)`, i.e. 2**32 - 300*HZ, so the low 32 bits wrap five
minutes after boot and code comparing jiffies without `time_after()` breaks early, as it would on
a real box. `k.jiffies` is the 64-bit `jiffies_64`; comparisons use unsigned-long (64-bit)
wrap semantics. The tick of jiffy `j` happens at `jiffy_to_ns(k, j)` (first ns at which
`k.jiffies == j`); conversions take the kernel `k` because HZ is per machine here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skbuff.kernel.clock import MSEC_PER_SEC, NSEC_PER_SEC, USEC_PER_SEC

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel

BITS_PER_LONG = 64
ULONG_MASK = (1 << BITS_PER_LONG) - 1
LONG_MAX = (1 << (BITS_PER_LONG - 1)) - 1
INT_MAX = (1 << 31) - 1
UINT_MAX = (1 << 32) - 1
MAX_JIFFY_OFFSET = ((LONG_MAX >> 1) - 1)
USER_HZ = 100


def INITIAL_JIFFIES(hz: int) -> int:
    """jiffies at boot for this HZ: (unsigned int)(-300*HZ). Kernel: include/linux/jiffies.h."""
    return (-300 * hz) & UINT_MAX


def _slong(x: int) -> int:
    """(long)x for an unsigned long x."""
    x &= ULONG_MASK
    return x - (1 << BITS_PER_LONG) if x >> (BITS_PER_LONG - 1) else x


def time_after(a: int, b: int) -> bool:
    """True if jiffy `a` is after `b`, across wrap. Kernel: include/linux/jiffies.h time_after."""
    return _slong(b - a) < 0


def time_before(a: int, b: int) -> bool:
    """time_after(b, a). Kernel: include/linux/jiffies.h time_before."""
    return _slong(a - b) < 0


def time_after_eq(a: int, b: int) -> bool:
    """Kernel: include/linux/jiffies.h time_after_eq."""
    return _slong(a - b) >= 0


def time_before_eq(a: int, b: int) -> bool:
    """Kernel: include/linux/jiffies.h time_before_eq."""
    return _slong(b - a) >= 0


def time_in_range(a: int, b: int, c: int) -> bool:
    """b <= a <= c, wrap-safe. Kernel: include/linux/jiffies.h time_in_range."""
    return time_after_eq(a, b) and time_before_eq(a, c)


def time_in_range_open(a: int, b: int, c: int) -> bool:
    """b <= a < c, wrap-safe. Kernel: include/linux/jiffies.h time_in_range_open."""
    return time_after_eq(a, b) and time_before(a, c)


def ns_to_jiffies(k: Kernel, ns: int) -> int:
    """jiffies_64 at simulated time `ns` (ns since boot)."""
    return INITIAL_JIFFIES(k.hz) + ns * k.hz // NSEC_PER_SEC


def jiffy_to_ns(k: Kernel, j: int) -> int:
    """The simulated ns of the tick that makes jiffies_64 == j (j >= INITIAL_JIFFIES)."""
    return -(-(j - INITIAL_JIFFIES(k.hz)) * NSEC_PER_SEC // k.hz)


def msecs_to_jiffies(k: Kernel, m: int) -> int:
    """Rounds up; negative → MAX_JIFFY_OFFSET. Kernel: include/linux/jiffies.h msecs_to_jiffies."""
    if m < 0:
        return MAX_JIFFY_OFFSET
    return -(-m * k.hz // MSEC_PER_SEC)


def usecs_to_jiffies(k: Kernel, u: int) -> int:
    """Rounds up. Kernel: include/linux/jiffies.h usecs_to_jiffies."""
    if u < 0:
        return MAX_JIFFY_OFFSET
    return -(-u * k.hz // USEC_PER_SEC)


def jiffies_to_msecs(k: Kernel, j: int) -> int:
    """unsigned int; truncates when HZ <= 1000, rounds up above.

    Kernel: kernel/time/time.c jiffies_to_msecs.
    """
    hz = k.hz
    ms = (j * MSEC_PER_SEC) // hz if hz <= MSEC_PER_SEC else -(-j * MSEC_PER_SEC // hz)
    return ms & UINT_MAX


def jiffies_to_usecs(k: Kernel, j: int) -> int:
    """unsigned int, truncating. Kernel: kernel/time/time.c jiffies_to_usecs."""
    return ((j * USEC_PER_SEC) // k.hz) & UINT_MAX


def jiffies_to_clock_t(k: Kernel, x: int) -> int:
    """jiffies → USER_HZ (1/100 s) ticks, truncating. Kernel: kernel/time/time.c."""
    return (x * USER_HZ) // k.hz


def jiffies_delta_to_clock_t(k: Kernel, delta: int) -> int:
    """A jiffy difference (unsigned long) in USER_HZ ticks, negative as 0.

    Kernel: include/linux/jiffies.h jiffies_delta_to_clock_t."""
    return jiffies_to_clock_t(k, max(0, _slong(delta)))


def clock_t_to_jiffies(k: Kernel, x: int) -> int:
    """USER_HZ ticks → jiffies, saturating at ~0UL. Kernel: kernel/time/time.c."""
    hz = k.hz
    x &= ULONG_MASK
    if hz % USER_HZ == 0:
        if x >= ULONG_MASK // (hz // USER_HZ):
            return ULONG_MASK
        return (x * (hz // USER_HZ)) & ULONG_MASK
    if x >= ULONG_MASK // hz * USER_HZ:
        return ULONG_MASK
    return (x * hz) // USER_HZ

"""Rate limiting of log messages.

Kernel: lib/ratelimit.c ___ratelimit, include/linux/ratelimit_types.h, net/core/utils.c
net_ratelimit.

A `ratelimit_state` allows `burst` events per `interval` jiffies. When a new interval starts and
events were suppressed in the previous one, it logs "<func>: N callbacks suppressed" at
KERN_WARNING. `interval == 0` disables limiting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skbuff.kernel import printk
from skbuff.kernel.jiffies import time_after

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel

RATELIMIT_MSG_ON_RELEASE = 1
DEFAULT_RATELIMIT_BURST = 10


class ratelimit_state:
    """struct ratelimit_state; `interval` in jiffies.

    Kernel: include/linux/ratelimit_types.h struct ratelimit_state.
    """

    __slots__ = ("begin", "burst", "flags", "interval", "missed", "printed")

    def __init__(self, interval: int, burst: int, flags: int = 0) -> None:
        self.interval = interval
        self.burst = burst
        self.flags = flags
        self.printed = 0
        self.missed = 0
        self.begin = 0


def ___ratelimit(k: Kernel, rs: ratelimit_state, func: str) -> bool:
    """True if the caller may proceed (print). Kernel: lib/ratelimit.c ___ratelimit."""
    interval = rs.interval
    if not interval:
        return True
    now = k.jiffies
    if not rs.begin:
        rs.begin = now
    if time_after(now, rs.begin + interval):
        if rs.missed and not rs.flags & RATELIMIT_MSG_ON_RELEASE:
            printk.printk(k, printk.KERN_WARNING, f"{func}: {rs.missed} callbacks suppressed")
            rs.missed = 0
        rs.begin = now
        rs.printed = 0
    if rs.burst and rs.burst > rs.printed:
        rs.printed += 1
        return True
    rs.missed += 1
    return False


def net_ratelimit(k: Kernel) -> bool:
    """Guard for network warnings: `k.net_ratelimit_state` (5*HZ, burst 10; sysctls
    net.core.message_cost / message_burst). Kernel: net/core/utils.c net_ratelimit."""
    return ___ratelimit(k, k.net_ratelimit_state, "net_ratelimit")

"""printk: the kernel log (`dmesg`) of one simulated machine.

Kernel: kernel/printk/printk.c, include/linux/kern_levels.h, include/linux/net.h
(net_*_ratelimited).

Records are `LogRecord(ns, level, text)` appended to `k.dmesg`, stamped with the running CPU's
simulated clock; `text` has no trailing newline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from skbuff.kernel import ratelimit

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel

KERN_EMERG = 0
KERN_ALERT = 1
KERN_CRIT = 2
KERN_ERR = 3
KERN_WARNING = 4
KERN_NOTICE = 5
KERN_INFO = 6
KERN_DEBUG = 7


class LogRecord(NamedTuple):
    """One dmesg line: simulated ns, KERN_* level, text."""

    ns: int
    level: int
    text: str

    def __str__(self) -> str:
        """As `dmesg` prints it: `[    1.234567] text`."""
        return f"[{self.ns // 1_000_000_000:5d}.{self.ns // 1000 % 1_000_000:06d}] {self.text}"


def printk(k: Kernel, level: int, text: str) -> None:
    """Append `text` to `k.dmesg`. Kernel: kernel/printk/printk.c vprintk_emit."""
    k.dmesg.append(LogRecord(k.now_ns, level, text.rstrip("\n")))


def pr_err(k: Kernel, text: str) -> None:
    """printk(KERN_ERR …). Kernel: include/linux/printk.h pr_err."""
    printk(k, KERN_ERR, text)


def pr_warn(k: Kernel, text: str) -> None:
    """printk(KERN_WARNING …). Kernel: include/linux/printk.h pr_warn."""
    printk(k, KERN_WARNING, text)


def pr_notice(k: Kernel, text: str) -> None:
    """printk(KERN_NOTICE …). Kernel: include/linux/printk.h pr_notice."""
    printk(k, KERN_NOTICE, text)


def pr_info(k: Kernel, text: str) -> None:
    """printk(KERN_INFO …). Kernel: include/linux/printk.h pr_info."""
    printk(k, KERN_INFO, text)


def pr_debug(k: Kernel, text: str) -> None:
    """printk(KERN_DEBUG …). Kernel: include/linux/printk.h pr_debug."""
    printk(k, KERN_DEBUG, text)


def net_ratelimited(k: Kernel, level: int, text: str) -> bool:
    """printk if `net_ratelimit(k)` allows. Kernel: include/linux/net.h net_ratelimited_function."""
    if ratelimit.net_ratelimit(k):
        printk(k, level, text)
        return True
    return False


def net_info_ratelimited(k: Kernel, text: str) -> bool:
    """Kernel: include/linux/net.h net_info_ratelimited."""
    return net_ratelimited(k, KERN_INFO, text)


def net_warn_ratelimited(k: Kernel, text: str) -> bool:
    """Kernel: include/linux/net.h net_warn_ratelimited."""
    return net_ratelimited(k, KERN_WARNING, text)


def net_err_ratelimited(k: Kernel, text: str) -> bool:
    """Kernel: include/linux/net.h net_err_ratelimited."""
    return net_ratelimited(k, KERN_ERR, text)


def net_dbg_ratelimited(k: Kernel, text: str) -> bool:
    """Kernel: include/linux/net.h net_dbg_ratelimited."""
    return net_ratelimited(k, KERN_DEBUG, text)

"""Waiting in process context for a condition, with a timeout.

Kernel: include/linux/wait.h wait_event_timeout, ___wait_cond_timeout.

A waiting task sleeps while the world advances (`k.run_until_cond`); the condition is
re-checked after every hardware event or ksoftirqd run, as if every event woke the wait queue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from skbuff.kernel.jiffies import jiffy_to_ns

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel


def wait_event_timeout(k: Kernel, condition: Callable[[], bool], timeout: int) -> int:
    """Sleep until `condition()` or `timeout` jiffies pass. Returns 0 if it timed out with the
    condition false, 1 if the condition held only at the timeout, else the jiffies left (>= 1).

    Kernel: include/linux/wait.h wait_event_timeout.
    """
    if condition():
        return timeout or 1
    end = k.jiffies + timeout
    if not k.run_until_cond(jiffy_to_ns(k, end), condition):
        return 0
    return max(1, end - k.jiffies)

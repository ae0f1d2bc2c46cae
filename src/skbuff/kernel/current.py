"""The running kernel: skbuff's stand-in for the kernel's `current` and `smp_processor_id()`.

Code that has an object to reach its kernel from (`skb.dev.nd_net.kernel`, `net.kernel`) uses
that; code that has none (`alloc_skb(size, gfp)`) asks `current_kernel()`. A `Kernel` makes
itself current while it runs anything (tasks, IRQs, softirqs, timers) and inside `with kernel:`.
The running kernel is one slot, `_current.kernel`: the only module-level mutable state the
package has (DESIGN.md §2.4). skbuff runs a simulation on one Python thread, so one slot is
what a ContextVar gave; setting it is a store, where a ContextVar set/reset copies a mapping
(on PyPy a pure-Python HAMT, a measurable share of every command of a bulk route load).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel


class _Current:
    """Holder of the running kernel (one slot: cheaper to set than a module global)."""

    __slots__ = ("kernel",)

    def __init__(self) -> None:
        self.kernel: Kernel | None = None


_current = _Current()


def current_kernel() -> Kernel:
    """The kernel whose code is running. Raises if none is (use `with kernel:`)."""
    k = _current.kernel
    if k is None:
        raise RuntimeError("no kernel is running: wrap direct API use in `with kernel:`")
    return k


def current_kernel_or_none() -> Kernel | None:
    """Like `current_kernel`, but None outside any kernel."""
    return _current.kernel


def set_current(k: Kernel | None) -> Kernel | None:
    """Make `k` current; returns the token for `reset_current` (the kernel it replaced).
    For `Kernel` only; calls nest: each is undone by its own reset_current, last first."""
    prev = _current.kernel
    _current.kernel = k
    return prev


def reset_current(token: Kernel | None) -> None:
    """Undo a `set_current`: the kernel that was current before it is current again."""
    _current.kernel = token

"""The running kernel: skbuff's stand-in for the kernel's `current` and `smp_processor_id()`.

Code that has an object to reach its kernel from (`skb.dev.nd_net.kernel`, `net.kernel`) uses
that; code that has none (`alloc_skb(size, gfp)`) asks `current_kernel()`. A `Kernel` makes
itself current while it runs anything (tasks, IRQs, softirqs, timers) and inside `with kernel:`.
This ContextVar is the only module-level mutable state the package has (DESIGN.md §2.4).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel

_current: ContextVar[Kernel | None] = ContextVar("skbuff_current_kernel", default=None)


def current_kernel() -> Kernel:
    """The kernel whose code is running. Raises if none is (use `with kernel:`)."""
    k = _current.get()
    if k is None:
        raise RuntimeError("no kernel is running: wrap direct API use in `with kernel:`")
    return k


def current_kernel_or_none() -> Kernel | None:
    """Like `current_kernel`, but None outside any kernel."""
    return _current.get()


def set_current(k: Kernel | None) -> object:
    """Make `k` current; returns a token for `reset_current`. For `Kernel` only."""
    return _current.set(k)


def reset_current(token: object) -> None:
    """Undo a `set_current`."""
    _current.reset(token)  # type: ignore[arg-type]

"""Notifier chains: ordered callback lists (netdevice, inetaddr, netevent chains, …).

Kernel: kernel/notifier.c, include/linux/notifier.h.

A chain is a list of `notifier_block`s sorted by priority, higher first; blocks of equal priority
run in registration order. `*_call_chain` calls each `notifier_call(nb, val, v)` in order and
stops after one whose return has NOTIFY_STOP_MASK set. The raw/atomic/blocking variants differ
in the kernel only by locking; here they share one implementation (there is no concurrency).
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import Any

NOTIFY_DONE = 0x0000
NOTIFY_OK = 0x0001
NOTIFY_STOP_MASK = 0x8000
NOTIFY_BAD = NOTIFY_STOP_MASK | 0x0002
NOTIFY_STOP = NOTIFY_OK | NOTIFY_STOP_MASK


class notifier_block:
    """struct notifier_block. `notifier_call(nb, val, v) -> NOTIFY_*`.

    Kernel: include/linux/notifier.h struct notifier_block.
    """

    __slots__ = ("notifier_call", "priority")

    def __init__(
        self, notifier_call: Callable[[notifier_block, int, Any], int], priority: int = 0
    ) -> None:
        self.notifier_call = notifier_call
        self.priority = priority


class raw_notifier_head:
    """struct raw_notifier_head: the chain, as a list in call order.

    Kernel: include/linux/notifier.h struct raw_notifier_head.
    """

    __slots__ = ("head",)

    def __init__(self) -> None:
        self.head: list[notifier_block] = []


class atomic_notifier_head(raw_notifier_head):
    """struct atomic_notifier_head (callbacks must not sleep).

    Kernel: include/linux/notifier.h struct atomic_notifier_head.
    """

    __slots__ = ()


class blocking_notifier_head(raw_notifier_head):
    """struct blocking_notifier_head (callbacks may sleep).

    Kernel: include/linux/notifier.h struct blocking_notifier_head.
    """

    __slots__ = ()


def notifier_chain_register(nh: raw_notifier_head, n: notifier_block) -> int:
    """Insert after every block of priority >= n's. Double registration WARNs, returns -EEXIST.

    Kernel: kernel/notifier.c notifier_chain_register.
    """
    chain = nh.head
    if n in chain:
        return -errno.EEXIST
    pos = 0
    while pos < len(chain) and chain[pos].priority >= n.priority:
        pos += 1
    chain.insert(pos, n)
    return 0


def notifier_chain_unregister(nh: raw_notifier_head, n: notifier_block) -> int:
    """Remove `n`; -ENOENT if absent. Kernel: kernel/notifier.c notifier_chain_unregister."""
    chain = nh.head
    if n not in chain:
        return -errno.ENOENT
    chain.remove(n)
    return 0


def notifier_call_chain(nh: raw_notifier_head, val: int, v: Any, nr_to_call: int = -1) -> int:
    """Call blocks in order; stop on NOTIFY_STOP_MASK. Returns the last block's value.

    Kernel: kernel/notifier.c notifier_call_chain.
    """
    ret = NOTIFY_DONE
    for nb in tuple(nh.head):
        if nr_to_call == 0:
            break
        ret = nb.notifier_call(nb, val, v)
        nr_to_call -= 1
        if ret & NOTIFY_STOP_MASK:
            break
    return ret


raw_notifier_chain_register = notifier_chain_register
raw_notifier_chain_unregister = notifier_chain_unregister
raw_notifier_call_chain = notifier_call_chain
atomic_notifier_chain_register = notifier_chain_register
atomic_notifier_chain_unregister = notifier_chain_unregister
atomic_notifier_call_chain = notifier_call_chain
blocking_notifier_chain_register = notifier_chain_register
blocking_notifier_chain_unregister = notifier_chain_unregister
blocking_notifier_call_chain = notifier_call_chain


def notifier_from_errno(err: int) -> int:
    """Encode a negative errno as a stopping notifier value. Kernel: include/linux/notifier.h."""
    if err:
        return NOTIFY_STOP_MASK | (NOTIFY_OK - err)
    return NOTIFY_OK


def notifier_to_errno(ret: int) -> int:
    """Decode `notifier_from_errno`; 0 if `ret` carries none. Kernel: include/linux/notifier.h."""
    ret &= ~NOTIFY_STOP_MASK
    return NOTIFY_OK - ret if ret > NOTIFY_OK else 0

"""Network event notifiers: neighbour updates, redirects, parameter changes.

Kernel: net/core/netevent.c, include/net/netevent.h. The chain is the kernel's
`k.netevent_chain` (an atomic notifier head in the kernel; a raw head here, since nothing runs
concurrently). Callbacks run in the context of the event: softirq for neighbour updates.
"""

from __future__ import annotations

from typing import Any

from skbuff.kernel import current, notifier

NETEVENT_NEIGH_UPDATE = 1
NETEVENT_REDIRECT = 2
NETEVENT_DELAY_PROBE_TIME_UPDATE = 3
NETEVENT_IPV4_MPATH_HASH_UPDATE = 4
NETEVENT_IPV6_MPATH_HASH_UPDATE = 5
NETEVENT_IPV4_FWD_UPDATE_PRIORITY_UPDATE = 6


def register_netevent_notifier(nb: notifier.notifier_block) -> int:
    """Kernel: net/core/netevent.c register_netevent_notifier."""
    return int(notifier.notifier_chain_register(current.current_kernel().netevent_chain, nb))


def unregister_netevent_notifier(nb: notifier.notifier_block) -> int:
    """Kernel: net/core/netevent.c unregister_netevent_notifier."""
    k = current.current_kernel()
    return int(notifier.notifier_chain_unregister(k.netevent_chain, nb))


def call_netevent_notifiers(val: int, v: Any) -> int:
    """Tell every listener about event `val` with object `v` (a neighbour, a parms…).

    Kernel: net/core/netevent.c call_netevent_notifiers.
    """
    k = current.current_kernel()
    return int(notifier.notifier_call_chain(k.netevent_chain, val, v))

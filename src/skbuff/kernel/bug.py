"""Programming errors of the API's user: the kernel's BUG()/WARN() and panics.

Kernel: include/asm-generic/bug.h. A bad *packet* is never one of these: it is a counted drop
(`kfree_skb_reason`). These are raised when *code* breaks a contract: an skb pushed below its
head, a NAPI poll overrunning its budget, a freed skb used again.
"""

from __future__ import annotations


class KernelBug(Exception):
    """BUG(): the caller broke an invariant the kernel would crash on."""


class SkbPanic(KernelBug):
    """skb_over_panic / skb_under_panic. The message carries the kernel's fields and a picture."""


class SkbUseAfterFree(KernelBug):
    """An skb (or its data) was used after its last reference was dropped."""


class NapiContractViolation(KernelBug):
    """A driver broke the NAPI contract (budget overrun, completing after a full budget, …)."""

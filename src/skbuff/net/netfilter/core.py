"""Netfilter hook points: registration and traversal.

Kernel: net/netfilter/core.c (nf_register_net_hook, nf_hook_slow), include/linux/netfilter.h
(NF_HOOK, NF_HOOK_COND), include/uapi/linux/netfilter.h (verdicts, NF_INET_* hooks).

Hooks are per namespace (`net.ipv4.nf_hooks_ipv4[hooknum]`, a tuple of `nf_hook_ops` sorted by
priority, or `()`); `NF_HOOK` with nothing registered costs one tuple test.
"""

from __future__ import annotations

import errno
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from skbuff.kernel import bug
from skbuff.net.core import dropreason, skbuff

if TYPE_CHECKING:
    from skbuff.net.core.dev import net_device
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff

# Verdicts (include/uapi/linux/netfilter.h)
NF_DROP = 0
NF_ACCEPT = 1
NF_STOLEN = 2
NF_QUEUE = 3
NF_REPEAT = 4
NF_STOP = 5
NF_VERDICT_MASK = 0x000000FF

# Hooks (enum nf_inet_hooks)
NF_INET_PRE_ROUTING = 0
NF_INET_LOCAL_IN = 1
NF_INET_FORWARD = 2
NF_INET_LOCAL_OUT = 3
NF_INET_POST_ROUTING = 4
NF_INET_NUMHOOKS = 5

NFPROTO_IPV4 = 2

# Priorities (include/uapi/linux/netfilter_ipv4.h enum nf_ip_hook_priorities)
NF_IP_PRI_FIRST = -(2**31)
NF_IP_PRI_RAW = -300
NF_IP_PRI_CONNTRACK = -200
NF_IP_PRI_MANGLE = -150
NF_IP_PRI_NAT_DST = -100
NF_IP_PRI_FILTER = 0
NF_IP_PRI_SECURITY = 50
NF_IP_PRI_NAT_SRC = 100
NF_IP_PRI_LAST = 2**31 - 1

OkFn = Callable[["Net", Any, "sk_buff"], int]


def NF_DROP_ERR(err: int) -> int:
    """A DROP verdict carrying a (negative) errno for the caller.

    Kernel: include/uapi/linux/netfilter.h NF_DROP_ERR.
    """
    return ((-err) << 16) | NF_DROP


class nf_hook_state:
    """Kernel: include/linux/netfilter.h struct nf_hook_state (`in` is `in_` in Python)."""

    __slots__ = ("hook", "in_", "net", "okfn", "out", "pf", "sk")

    def __init__(
        self,
        hook: int,
        pf: int,
        in_: net_device | None,
        out: net_device | None,
        sk: Any,
        net: Net,
        okfn: OkFn,
    ) -> None:
        self.hook = hook
        self.pf = pf
        self.in_ = in_
        self.out = out
        self.sk = sk
        self.net = net
        self.okfn = okfn


NfHookFn = Callable[[Any, "sk_buff", nf_hook_state], int]


class nf_hook_ops:
    """Kernel: include/linux/netfilter.h struct nf_hook_ops. `hook(priv, skb, state) -> verdict`."""

    __slots__ = ("hook", "hooknum", "pf", "priority", "priv")

    def __init__(
        self, hooknum: int, pf: int, priority: int, hook: NfHookFn, priv: Any = None
    ) -> None:
        self.hooknum = hooknum
        self.pf = pf
        self.priority = priority
        self.hook = hook
        self.priv = priv

    def __repr__(self) -> str:
        return f"<nf_hook_ops hook={self.hooknum} pf={self.pf} prio={self.priority}>"


def nf_register_net_hook(net: Net, reg: nf_hook_ops) -> int:
    """Insert `reg` after every hook of equal or lower priority. Returns 0 or -EINVAL.

    Kernel: net/netfilter/core.c nf_register_net_hook, nf_hook_entries_grow.
    """
    if reg.pf != NFPROTO_IPV4 or not 0 <= reg.hooknum < NF_INET_NUMHOOKS:
        return -errno.EINVAL
    hooks = net.ipv4.nf_hooks_ipv4
    old = hooks[reg.hooknum]
    pos = len(old)
    for i, ops in enumerate(old):
        if reg.priority < ops.priority:
            pos = i
            break
    hooks[reg.hooknum] = (*old[:pos], reg, *old[pos:])
    return 0


def nf_unregister_net_hook(net: Net, reg: nf_hook_ops) -> None:
    """Remove `reg`; unregistering a hook that is not registered is a bug (kernel WARNs).

    Kernel: net/netfilter/core.c nf_unregister_net_hook, __nf_unregister_net_hook.
    """
    hooks = net.ipv4.nf_hooks_ipv4
    old = hooks[reg.hooknum]
    if reg not in old:
        raise bug.KernelBug(f"nf_unregister_net_hook: {reg!r} is not registered")
    hooks[reg.hooknum] = tuple(ops for ops in old if ops is not reg)


def nf_hook_slow(skb: sk_buff, state: nf_hook_state, entries: tuple[nf_hook_ops, ...]) -> int:
    """Run the hooks in priority order. 1 = accepted (caller runs okfn); 0 = stolen/queued;
    negative errno = dropped (the skb is freed here with NETFILTER_DROP).

    Kernel: net/netfilter/core.c nf_hook_slow, net/netfilter/nf_queue.c nf_queue (no queue
    handler is ever bound: a QUEUE verdict frees the skb and returns 0).
    """
    i = 0
    n = len(entries)
    while i < n:
        ops = entries[i]
        verdict = ops.hook(ops.priv, skb, state)
        v = verdict & NF_VERDICT_MASK
        if v == NF_ACCEPT:
            i += 1
        elif v == NF_REPEAT:
            continue
        elif v == NF_DROP:
            skbuff.kfree_skb_reason(skb, dropreason.SKB_DROP_REASON.NETFILTER_DROP)
            err = -(verdict >> 16)
            return err if err else -errno.EPERM
        elif v == NF_QUEUE:
            skbuff.kfree_skb(skb)
            return 0
        elif v == NF_STOLEN:
            return -(verdict >> 16)
        else:
            raise bug.KernelBug(f"netfilter hook {ops!r} returned bad verdict {verdict:#x}")
    return 1


def nf_hook(
    pf: int,
    hook: int,
    net: Net,
    sk: Any,
    skb: sk_buff,
    in_: net_device | None,
    out: net_device | None,
    okfn: OkFn,
) -> int:
    """Traverse hook `hook` without calling okfn: 1 = go on (the caller calls okfn), else the
    skb is gone (0 stolen, negative errno dropped). Kernel: include/linux/netfilter.h nf_hook.
    """
    entries = net.ipv4.nf_hooks_ipv4[hook]
    if not entries:
        return 1
    return nf_hook_slow(skb, nf_hook_state(hook, pf, in_, out, sk, net, okfn), entries)


def NF_HOOK(
    pf: int,
    hook: int,
    net: Net,
    sk: Any,
    skb: sk_buff,
    in_: net_device | None,
    out: net_device | None,
    okfn: OkFn,
) -> int:
    """Traverse hook `hook`; on accept return `okfn(net, sk, skb)`. The skb is consumed either way.

    Kernel: include/linux/netfilter.h NF_HOOK, nf_hook.
    """
    entries = net.ipv4.nf_hooks_ipv4[hook]
    if not entries:
        return okfn(net, sk, skb)
    ret = nf_hook_slow(skb, nf_hook_state(hook, pf, in_, out, sk, net, okfn), entries)
    if ret == 1:
        return okfn(net, sk, skb)
    return ret


def NF_HOOK_COND(
    pf: int,
    hook: int,
    net: Net,
    sk: Any,
    skb: sk_buff,
    in_: net_device | None,
    out: net_device | None,
    okfn: OkFn,
    cond: bool,
) -> int:
    """NF_HOOK when `cond`, else straight to okfn.

    Kernel: include/linux/netfilter.h NF_HOOK_COND.
    """
    if cond:
        return NF_HOOK(pf, hook, net, sk, skb, in_, out, okfn)
    return okfn(net, sk, skb)

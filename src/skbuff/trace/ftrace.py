"""Function-entry tracing of the skb path (what pwru/retis get from kprobes and fentry).

Kernel: kernel/trace/ftrace.c (`struct ftrace_ops`, `register_ftrace_function`,
`unregister_ftrace_function`, `ftrace_set_filter`).

Nothing is paid when no journey tracer is on: the traced functions are the plain functions.
`register_ftrace_function(ops)` swaps the *code object* of each selected function for a
trampoline that calls `ops.func(name, caller, args)` and then the untouched original;
`unregister_ftrace_function(ops)` puts the original code back. Because the function object
itself is patched (not a module attribute), every call site is covered: bare calls inside a
module, `module.fn(...)` calls, and references captured in data — `packet_type.func`,
`net_device_ops.ndo_start_xmit`, `neigh.output`, `dst.input`, `net_protocol.handler` — so no
call site needs fixing. Only plain module-level functions (no closure) can be patched.

`TRACED_FUNCTIONS` is the default set (the functions an IPv4 skb passes through); other
modules add theirs with the `@skb_traced` decorator, which only marks the function and
returns it unchanged (identity: no cost when tracing is off).
"""

from __future__ import annotations

import fnmatch
import importlib
import sys
import types
from collections.abc import Callable, Iterable
from typing import Any

from skbuff.kernel.bug import KernelBug

# (module, function): the IPv4 skb path, receive → forward/deliver → output → xmit, and the
# protocol handlers. kfree_skb_reason/consume_skb are seen through their tracepoints instead
# (they fire only when the last reference goes, with the reason and location).
TRACED_FUNCTIONS: tuple[tuple[str, str], ...] = (
    ("skbuff.net.core.dev", "netif_rx"),
    ("skbuff.net.core.dev", "netif_receive_skb"),
    ("skbuff.net.core.dev", "__netif_receive_skb"),
    ("skbuff.net.core.dev", "__netif_receive_skb_core"),
    ("skbuff.net.core.dev", "napi_gro_receive"),
    ("skbuff.net.core.dev", "__dev_queue_xmit"),
    ("skbuff.net.core.dev", "dev_hard_start_xmit"),
    ("skbuff.net.ipv4.ip_input", "ip_rcv"),
    ("skbuff.net.ipv4.ip_input", "ip_rcv_core"),
    ("skbuff.net.ipv4.ip_input", "ip_rcv_finish"),
    ("skbuff.net.ipv4.ip_input", "ip_rcv_finish_core"),
    ("skbuff.net.ipv4.ip_input", "ip_local_deliver"),
    ("skbuff.net.ipv4.ip_input", "ip_local_deliver_finish"),
    ("skbuff.net.ipv4.route", "ip_route_input_noref"),
    ("skbuff.net.ipv4.route", "ip_error"),
    ("skbuff.net.ipv4.ip_forward", "ip_forward"),
    ("skbuff.net.ipv4.ip_forward", "ip_forward_finish"),
    ("skbuff.net.ipv4.ip_output", "ip_local_out"),
    ("skbuff.net.ipv4.ip_output", "__ip_local_out"),
    ("skbuff.net.ipv4.ip_output", "ip_output"),
    ("skbuff.net.ipv4.ip_output", "ip_finish_output"),
    ("skbuff.net.ipv4.ip_output", "ip_finish_output2"),
    ("skbuff.net.ipv4.ip_output", "ip_fragment"),
    ("skbuff.net.ipv4.ip_output", "ip_do_fragment"),
    ("skbuff.net.ipv4.ip_fragment", "ip_defrag"),
    ("skbuff.net.core.neighbour", "neigh_resolve_output"),
    ("skbuff.net.core.neighbour", "neigh_connected_output"),
    ("skbuff.net.ipv4.arp", "arp_rcv"),
    ("skbuff.net.ipv4.arp", "arp_process"),
    ("skbuff.net.ipv4.icmp", "icmp_rcv"),
    ("skbuff.net.ipv4.icmp", "icmp_send"),
    ("skbuff.net.ipv4.udp", "udp_rcv"),
    ("skbuff.drivers.net.veth", "veth_xmit"),
    ("skbuff.drivers.net.loopback", "loopback_xmit"),
)

# Functions the kernel has as `static inline` or macros: the compiler folds them into their
# callers, so they have no symbol to trace and are never anybody's caller. A traced function's
# caller is the first frame outside this set. (include/linux/netfilter.h NF_HOOK, NF_HOOK_COND,
# nf_hook; include/net/dst.h dst_input, dst_output; include/linux/netdevice.h dev_queue_xmit;
# include/net/neighbour.h neigh_output, neigh_hh_output.)
INLINE_FUNCTIONS: frozenset[str] = frozenset(
    {"NF_HOOK", "NF_HOOK_COND", "nf_hook", "dst_input", "dst_output", "dev_queue_xmit",
     "neigh_output"}
)

# Argument names that carry the packet, in preference order.
SKB_ARG_NAMES: tuple[str, ...] = ("skb", "skb_in", "head")

FtraceFunc = Callable[[str, str, Any], None]


def skb_traced(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a module-level kernel function as on the skb path. Returns `fn` itself."""
    fn.__skb_traced__ = True  # type: ignore[attr-defined]
    return fn


def _trampoline(*args: Any, _ftrace_orig: Any, _ftrace_hook: Any, **kwargs: Any) -> Any:
    """The code a traced function runs while traced: hook, then the original."""
    _ftrace_hook(args, kwargs)
    return _ftrace_orig(*args, **kwargs)


_TRAMPOLINE_CODE = _trampoline.__code__


class ftrace_ops:
    """One tracer's registration. Kernel: include/linux/ftrace.h struct ftrace_ops.

    `func(name, caller, skb)` runs at the entry of every selected function, in the
    function's own context, before its body; `caller` is the calling function's name and
    `skb` the packet argument (`SKB_ARG_NAMES`; None if the function has none).
    `filter` holds fnmatch globs over function names (empty: all of them).
    """

    __slots__ = ("filter", "func", "patched")

    def __init__(self, func: FtraceFunc, filter: Iterable[str] = ()) -> None:
        self.func = func
        self.filter: tuple[str, ...] = tuple(filter)
        self.patched: list[types.FunctionType] = []


def ftrace_set_filter(ops: ftrace_ops, globs: Iterable[str]) -> None:
    """Restrict `ops` to functions matching any glob. Kernel: ftrace.c ftrace_set_filter."""
    if ops.patched:
        raise KernelBug("ftrace_set_filter on a registered ftrace_ops")
    ops.filter = tuple(globs)


def traceable_functions() -> list[types.FunctionType]:
    """The default set plus every `@skb_traced` function of the loaded skbuff modules."""
    out: list[types.FunctionType] = []
    for modname, name in TRACED_FUNCTIONS:
        fn = getattr(importlib.import_module(modname), name)
        if fn not in out:
            out.append(fn)
    for modname, mod in list(sys.modules.items()):
        if not modname.startswith("skbuff.") or mod is None:
            continue
        for obj in vars(mod).values():
            if (isinstance(obj, types.FunctionType) and getattr(obj, "__skb_traced__", False)
                    and obj.__module__ == modname and obj not in out):
                out.append(obj)
    return out


class ftrace_hook:
    """What a patched function calls first: every registered ops' func, in registration
    order. Keeps the function's own code, defaults and kwdefaults for the restore."""

    __slots__ = ("argname", "code", "defaults", "funcs", "idx", "kwdefaults", "name")

    def __init__(self, fn: types.FunctionType) -> None:
        self.name = fn.__name__
        self.idx = skb_arg_index(fn)
        self.argname = fn.__code__.co_varnames[self.idx] if self.idx >= 0 else ""
        self.code = fn.__code__
        self.defaults = fn.__defaults__
        self.kwdefaults = fn.__kwdefaults__
        self.funcs: tuple[FtraceFunc, ...] = ()

    def __call__(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        idx = self.idx
        skb = args[idx] if 0 <= idx < len(args) else kwargs.get(self.argname)
        # frame 0: this call, 1: the trampoline (the traced function), 2: its caller, unless
        # that is a kernel inline (then the caller's caller, and so on).
        frame = sys._getframe(2)
        caller = frame.f_code.co_name
        while caller in INLINE_FUNCTIONS and frame.f_back is not None:
            frame = frame.f_back
            caller = frame.f_code.co_name
        for func in self.funcs:
            func(self.name, caller, skb)


def _patch(fn: types.FunctionType) -> ftrace_hook:
    """The function's hook, patching it first if no ops traces it yet."""
    if fn.__code__ is _TRAMPOLINE_CODE:
        hook: ftrace_hook = fn.__kwdefaults__["_ftrace_hook"]  # type: ignore[index]
        return hook
    if fn.__closure__ is not None:
        raise KernelBug(f"{fn.__qualname__}: only plain module-level functions are traced")
    hook = ftrace_hook(fn)
    orig = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, None)
    orig.__kwdefaults__ = fn.__kwdefaults__
    fn.__code__ = _TRAMPOLINE_CODE
    fn.__defaults__ = None
    fn.__kwdefaults__ = {"_ftrace_orig": orig, "_ftrace_hook": hook}
    return hook


def register_ftrace_function(ops: ftrace_ops) -> int:
    """Start tracing the selected functions with `ops.func`. Several ops may trace one
    function; each sees every call. Returns 0 (the kernel's int; it cannot fail here).
    Process context.

    Kernel: kernel/trace/ftrace.c register_ftrace_function.
    """
    if ops.patched:
        raise KernelBug("ftrace_ops registered twice")
    for fn in traceable_functions():
        if ops.filter and not any(fnmatch.fnmatchcase(fn.__name__, g) for g in ops.filter):
            continue
        hook = _patch(fn)
        hook.funcs = (*hook.funcs, ops.func)
        ops.patched.append(fn)
    return 0


def unregister_ftrace_function(ops: ftrace_ops) -> None:
    """Stop `ops`; a function no ops traces any more gets its own code back.

    Kernel: kernel/trace/ftrace.c unregister_ftrace_function.
    """
    for fn in ops.patched:
        hook: ftrace_hook = fn.__kwdefaults__["_ftrace_hook"]  # type: ignore[index]
        hook.funcs = tuple(f for f in hook.funcs if f is not ops.func)
        if not hook.funcs:
            fn.__code__ = hook.code
            fn.__defaults__ = hook.defaults
            fn.__kwdefaults__ = hook.kwdefaults
    ops.patched = []


def skb_arg_index(fn: types.FunctionType) -> int:
    """Position of the packet among `fn`'s positional parameters (-1 if none); read before
    patching (a patched function's code is the trampoline's)."""
    code = fn.__code__
    names = code.co_varnames[:code.co_argcount]
    for want in SKB_ARG_NAMES:
        if want in names:
            return names.index(want)
    return -1

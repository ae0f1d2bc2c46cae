"""Tracepoints with the kernel's names, free when nothing is attached.

Kernel: include/linux/tracepoint.h, include/trace/events/{skb,net,napi,neigh,fib,irq}.h.

`k.trace` is a `Tracepoints`; each tracepoint is an attribute holding either the shared no-op
(nothing attached) or a dispatcher over the attached probes. A call site is one line,
`k.trace.kfree_skb(skb, location, reason)`, and costs one empty call when off; per-packet
sites first test the static key, `if k.trace.X is not TRACEPOINT_OFF:`, as the kernel's
inline trace_X() does, and so cost no call at all. A probe that
raises is detached and the error logged (trio's instrumentation rule): tracing never breaks the
traced code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Probe = Callable[..., None]

TRACEPOINTS: tuple[str, ...] = (
    # include/trace/events/skb.h
    "kfree_skb",
    "consume_skb",
    "skb_copy_datagram_iovec",
    # include/trace/events/net.h
    "net_dev_start_xmit",
    "net_dev_xmit",
    "net_dev_queue",
    "netif_receive_skb",
    "netif_rx",
    "napi_gro_receive_entry",
    "netif_receive_skb_entry",
    "netif_rx_entry",
    # include/trace/events/napi.h
    "napi_poll",
    # include/trace/events/neigh.h
    "neigh_create",
    "neigh_update",
    "neigh_update_done",
    "neigh_timer_handler",
    "neigh_event_send_done",
    "neigh_event_send_dead",
    "neigh_cleanup_and_release",
    # include/trace/events/fib.h
    "fib_table_lookup",
    # include/trace/events/irq.h
    "irq_handler_entry",
    "irq_handler_exit",
    "softirq_entry",
    "softirq_exit",
    "softirq_raise",
    # include/trace/events/timer.h
    "timer_expire_entry",
    "timer_expire_exit",
    # include/trace/events/sock.h, udp.h
    "sock_rcvqueue_full",
    "udp_fail_queue_rcv_skb",
    # include/trace/events/icmp.h
    "icmp_send",
)


def _noop(*args: Any) -> None:
    """The whole cost of a tracepoint with nothing attached."""


TRACEPOINT_OFF: Probe = _noop
"""What an unattached tracepoint attribute is: `k.trace.X is not TRACEPOINT_OFF` is the
kernel's trace_X_enabled() static-key test, for call sites that would compute arguments."""


class Tracepoints:
    """Per-kernel tracepoint table. Attribute names are `TRACEPOINTS`."""

    def __init__(self, log: Callable[[str], None] | None = None) -> None:
        self._probes: dict[str, list[Probe]] = {}
        self._log = log
        for name in TRACEPOINTS:
            setattr(self, name, _noop)

    def attach(self, name: str, probe: Probe) -> None:
        """Attach `probe` to tracepoint `name`; it is called with the tracepoint's arguments."""
        if name not in TRACEPOINTS:
            raise KeyError(f"no tracepoint {name!r}")
        self._probes.setdefault(name, []).append(probe)
        self._rebind(name)

    def detach(self, name: str, probe: Probe) -> None:
        """Detach a probe attached with `attach`. Detaching an unattached probe is a no-op."""
        probes = self._probes.get(name, [])
        if probe in probes:
            probes.remove(probe)
        self._rebind(name)

    def attached(self, name: str) -> bool:
        """True if any probe is attached to `name`."""
        return bool(self._probes.get(name))

    def _rebind(self, name: str) -> None:
        probes = self._probes.get(name) or []
        if not probes:
            setattr(self, name, _noop)
            return
        snapshot = tuple(probes)

        def fire(*args: Any) -> None:
            for probe in snapshot:
                try:
                    probe(*args)
                except Exception as exc:  # a failing probe is removed, not fatal
                    self.detach(name, probe)
                    if self._log is not None:
                        self._log(f"tracepoint {name}: probe {probe!r} removed after {exc!r}")

        setattr(self, name, fire)

    def __getattr__(self, name: str) -> Probe:  # for mypy: tracepoints are dynamic attributes
        raise AttributeError(name)

"""Link state events: carrier/dormant changes become operstate, qdisc (de)activation and
NETDEV_CHANGE, urgent ones at once and the rest at most once per second.

Kernel: net/core/link_watch.c. The kernel runs this from a delayed work item under RTNL; here it
is a timer (TIMER softirq context): an urgent event runs at the next jiffy, others when the
one-per-HZ limit allows. Per-kernel state lives in `k.linkwatch` (set by `linkwatch_init`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skbuff.kernel import jiffies as kjiffies
from skbuff.kernel import timer
from skbuff.net.core import dev as core_dev
from skbuff.net.sched import sch_generic
from skbuff.uapi.if_link import (
    IF_OPER_DORMANT,
    IF_OPER_DOWN,
    IF_OPER_LOWERLAYERDOWN,
    IF_OPER_TESTING,
    IF_OPER_UP,
    IFF_UP,
)

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.dev import net_device

MAX_DO_DEV_PER_LOOP = 100


class linkwatch_state:
    """The file-scope state of link_watch.c: lweventlist, linkwatch_flags (LW_URGENT),
    linkwatch_nextevent and the (delayed work) timer.

    Kernel: net/core/link_watch.c.
    """

    __slots__ = ("lweventlist", "nextevent", "urgent", "work")

    def __init__(self, k: Kernel) -> None:
        self.lweventlist: list[net_device] = []
        self.urgent = False
        self.nextevent = k.jiffies
        self.work = timer.timer_list()
        timer.timer_setup(self.work, lambda _t: linkwatch_event(k), 0)


def linkwatch_init(k: Kernel) -> None:
    """Create the per-kernel linkwatch state (called by net_dev_init).

    Kernel: net/core/link_watch.c.
    """
    k.linkwatch = linkwatch_state(k)


def default_operstate(dev: net_device) -> int:
    """RFC 2863 operstate from carrier/dormant/testing; LOWERLAYERDOWN when the iflink peer
    (same namespace) has carrier. Kernel: net/core/link_watch.c default_operstate."""
    if core_dev.netif_testing(dev):
        return IF_OPER_TESTING
    if not core_dev.netif_carrier_ok(dev):
        if dev.reg_state <= core_dev.NETREG_REGISTERED:
            iflink = core_dev.dev_get_iflink(dev)
        else:
            iflink = dev.ifindex
        if iflink == dev.ifindex:
            return IF_OPER_DOWN
        peer = core_dev.__dev_get_by_index(dev.nd_net, iflink)
        if peer is None:
            return IF_OPER_DOWN
        return IF_OPER_DOWN if core_dev.netif_carrier_ok(peer) else IF_OPER_LOWERLAYERDOWN
    if core_dev.netif_dormant(dev):
        return IF_OPER_DORMANT
    return IF_OPER_UP


def rfc2863_policy(dev: net_device) -> None:
    """Kernel: net/core/link_watch.c rfc2863_policy (link_mode DORMANT/TESTING)."""
    operstate = default_operstate(dev)
    if operstate == dev.operstate:
        return
    if operstate == IF_OPER_UP:
        if dev.link_mode == core_dev.IF_LINK_MODE_TESTING:
            operstate = IF_OPER_TESTING
        elif dev.link_mode == core_dev.IF_LINK_MODE_DORMANT:
            operstate = IF_OPER_DORMANT
    dev.operstate = operstate


def linkwatch_init_dev(dev: net_device) -> None:
    """State changes before registration. Kernel: net/core/link_watch.c linkwatch_init_dev."""
    if (
        not core_dev.netif_carrier_ok(dev)
        or core_dev.netif_dormant(dev)
        or core_dev.netif_testing(dev)
    ):
        rfc2863_policy(dev)


def linkwatch_urgent_event(dev: net_device) -> bool:
    """Kernel: net/core/link_watch.c linkwatch_urgent_event: running and (stacked on another
    device, or carrier up with the qdisc still to activate)."""
    if not core_dev.netif_running(dev):
        return False
    if dev.ifindex != core_dev.dev_get_iflink(dev):
        return True
    if not core_dev.netif_carrier_ok(dev):
        return False
    return any(txq.qdisc is not txq.qdisc_sleeping for txq in dev._tx)


def linkwatch_fire_event(dev: net_device) -> None:
    """Queue a link event for `dev` (holds a reference until it runs).

    Kernel: net/core/link_watch.c linkwatch_fire_event.
    """
    lw: linkwatch_state = dev.nd_net.kernel.linkwatch
    urgent = linkwatch_urgent_event(dev)
    bit = 1 << core_dev.__LINK_STATE_LINKWATCH_PENDING
    if not dev.state & bit:
        dev.state |= bit
        core_dev.dev_hold(dev)
        lw.lweventlist.append(dev)
    elif not urgent:
        return
    linkwatch_schedule_work(dev.nd_net.kernel, urgent)


def linkwatch_schedule_work(k: Kernel, urgent: bool) -> None:
    """Kernel: net/core/link_watch.c linkwatch_schedule_work."""
    lw: linkwatch_state = k.linkwatch
    now = k.jiffies
    if urgent:
        if lw.urgent:
            return
        lw.urgent = True
        timer.mod_timer(lw.work, now)
        return
    delay = max(0, min(lw.nextevent - now, k.hz))
    if not timer.timer_pending(lw.work):
        timer.mod_timer(lw.work, now + delay)


def linkwatch_do_dev(dev: net_device) -> None:
    """Kernel: net/core/link_watch.c linkwatch_do_dev: operstate, then for an up device
    dev_activate/dev_deactivate by carrier and NETDEV_CHANGE."""
    dev.state &= ~(1 << core_dev.__LINK_STATE_LINKWATCH_PENDING)
    rfc2863_policy(dev)
    if dev.flags & IFF_UP:
        if core_dev.netif_carrier_ok(dev):
            sch_generic.dev_activate(dev)
        else:
            sch_generic.dev_deactivate(dev)
        core_dev.netdev_state_change(dev)
    core_dev.dev_put(dev)


def __linkwatch_run_queue(k: Kernel, urgent_only: bool) -> None:
    """Kernel: net/core/link_watch.c __linkwatch_run_queue."""
    lw: linkwatch_state = k.linkwatch
    do_dev = MAX_DO_DEV_PER_LOOP * (2 if urgent_only else 1)
    now = k.jiffies
    if not urgent_only:
        lw.nextevent = now + k.hz
    elif kjiffies.time_after(lw.nextevent, now + k.hz):
        lw.nextevent = now
    lw.urgent = False
    wrk = lw.lweventlist
    lw.lweventlist = []
    while wrk and do_dev > 0:
        dev = wrk.pop(0)
        if not core_dev.netif_device_present(dev) or (
            urgent_only and not linkwatch_urgent_event(dev)
        ):
            lw.lweventlist.append(dev)
            continue
        linkwatch_do_dev(dev)
        do_dev -= 1
    lw.lweventlist.extend(wrk)
    if lw.lweventlist:
        linkwatch_schedule_work(k, False)


def linkwatch_event(k: Kernel) -> None:
    """The work function. Kernel: net/core/link_watch.c linkwatch_event."""
    __linkwatch_run_queue(k, kjiffies.time_after(k.linkwatch.nextevent, k.jiffies))


def linkwatch_run_queue(k: Kernel) -> None:
    """Run every pending event now. Kernel: net/core/link_watch.c linkwatch_run_queue."""
    __linkwatch_run_queue(k, False)


def linkwatch_sync_dev(dev: net_device) -> None:
    """Run `dev`'s pending event now, so its carrier and operstate are what it will honour
    (unregister path, RTM_GETLINK of one device). Kernel: net/core/link_watch.c
    linkwatch_sync_dev."""
    lw: linkwatch_state = dev.nd_net.kernel.linkwatch
    if dev in lw.lweventlist:
        lw.lweventlist.remove(dev)
        linkwatch_do_dev(dev)

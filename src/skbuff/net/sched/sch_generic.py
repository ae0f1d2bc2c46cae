"""Generic packet scheduler: noop, noqueue and pfifo_fast qdiscs, qdisc_run, the TX watchdog.

Kernel: net/sched/sch_generic.c, include/net/sch_generic.h, net/core/dev.c __dev_xmit_skb.

A qdisc owns the skbs queued on it. `__dev_xmit_skb` runs with BH disabled (from
`__dev_queue_xmit`); `qdisc_run` also runs from NET_TX softirq (`net_tx_action`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from skbuff.compat import slotted
from skbuff.kernel import jiffies as kjiffies
from skbuff.kernel import printk, timer
from skbuff.kernel.current import current_kernel
from skbuff.net.core import dev as core_dev
from skbuff.net.core import skbuff
from skbuff.net.core.dropreason import SKB_DROP_REASON

if TYPE_CHECKING:
    from skbuff.net.core.dev import net_device, netdev_queue
    from skbuff.net.core.skbuff import sk_buff

# enum qdisc_state_t (bits of Qdisc.state) and TCQ_F_* flags
QDISC_STATE_SCHED = 1 << 0
QDISC_STATE_DEACTIVATED = 1 << 1
QDISC_STATE_MISSED = 1 << 2
QDISC_STATE_DRAINING = 1 << 3
TCQ_F_BUILTIN = 1
TCQ_F_INGRESS = 2
TCQ_F_CAN_BYPASS = 4
TCQ_F_MQROOT = 8
TCQ_F_ONETXQUEUE = 0x10
TCQ_F_WARN_NONWC = 1 << 16
TCQ_F_CPUSTATS = 0x20
TCQ_F_NOPARENT = 0x40
TCQ_F_INVISIBLE = 0x80
TCQ_F_NOLOCK = 0x100
TCQ_F_OFFLOADED = 0x200

TC_PRIO_MAX = 15
PFIFO_FAST_BANDS = 3
# Kernel: net/sched/sch_generic.c sch_default_prio2band
sch_default_prio2band = (1, 2, 2, 2, 1, 2, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1)


@slotted
@dataclass
class gnet_stats_queue:
    """Kernel: include/uapi/linux/gen_stats.h struct gnet_stats_queue."""

    qlen: int = 0
    backlog: int = 0
    drops: int = 0
    requeues: int = 0
    overlimits: int = 0


@slotted
@dataclass
class gnet_stats_basic:
    """Kernel: include/net/gen_stats.h struct gnet_stats_basic_sync."""

    bytes: int = 0
    packets: int = 0


@slotted
@dataclass
class Qdisc_ops:
    """Kernel: include/net/sch_generic.h struct Qdisc_ops.

    `enqueue(skb, q) -> NET_XMIT_*` owns `skb`; `dequeue(q) -> sk_buff | None`;
    `init(q)` may clear `q.enqueue` (noqueue does).
    """

    id: str
    enqueue: Callable[[sk_buff, Qdisc], int] | None
    dequeue: Callable[[Qdisc], sk_buff | None]
    peek: Callable[[Qdisc], sk_buff | None]
    init: Callable[[Qdisc], None] | None = None
    reset: Callable[[Qdisc], None] | None = None
    static_flags: int = 0


class Qdisc:
    """Kernel: include/net/sch_generic.h struct Qdisc.

    `bands` holds pfifo_fast's three FIFOs (one for the other disciplines); `gso_skb` holds
    skbs the driver refused (NETDEV_TX_BUSY), sent first.
    """

    __slots__ = (
        "bands",
        "bstats",
        "dequeue",
        "dev_queue",
        "enqueue",
        "flags",
        "gso_skb",
        "handle",
        "limit",
        "ops",
        "parent",
        "qstats",
        "running",
        "state",
    )

    def __init__(self, ops: Qdisc_ops, dev_queue: netdev_queue | None) -> None:
        self.ops = ops
        self.enqueue = ops.enqueue
        self.dequeue = ops.dequeue
        self.flags = ops.static_flags
        self.state = 0
        self.running = False
        self.dev_queue = dev_queue
        self.gso_skb: deque[sk_buff] = deque()
        self.bands: list[deque[sk_buff]] = [deque() for _ in range(PFIFO_FAST_BANDS)]
        self.qstats = gnet_stats_queue()
        self.bstats = gnet_stats_basic()
        self.limit = dev_queue.dev.tx_queue_len if dev_queue is not None else 0
        self.handle = 0
        self.parent = 0

    def __repr__(self) -> str:
        return f"<Qdisc {self.ops.id} qlen={self.qstats.qlen}>"


def qdisc_drop(skb: sk_buff, q: Qdisc) -> int:
    """Count and free a rejected skb (reason QDISC_DROP).

    Kernel: include/net/sch_generic.h qdisc_drop.
    """
    q.qstats.drops += 1
    skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.QDISC_DROP)
    return core_dev.NET_XMIT_DROP


def _no_dequeue(q: Qdisc) -> sk_buff | None:
    return None


def noop_enqueue(skb: sk_buff, q: Qdisc) -> int:
    """The inactive qdisc: tx_dropped++, drop. Kernel: net/sched/sch_generic.c noop_enqueue."""
    core_dev.dev_core_stats_tx_dropped_inc(skb.dev)
    skbuff.kfree_skb_reason(skb, SKB_DROP_REASON.QDISC_DROP)
    return core_dev.NET_XMIT_CN


noop_qdisc_ops = Qdisc_ops(
    "noop", noop_enqueue, _no_dequeue, _no_dequeue, static_flags=TCQ_F_BUILTIN
)


def noop_qdisc_alloc() -> Qdisc:
    """The per-kernel `noop_qdisc` (a static object in the kernel).

    Kernel: net/sched/sch_generic.c noop_qdisc.
    """
    return Qdisc(noop_qdisc_ops, None)


def noqueue_init(q: Qdisc) -> None:
    """A queueless device transmits directly. Kernel: net/sched/sch_generic.c noqueue_init."""
    q.enqueue = None


noqueue_qdisc_ops = Qdisc_ops("noqueue", noop_enqueue, _no_dequeue, _no_dequeue, init=noqueue_init)


def pfifo_fast_enqueue(skb: sk_buff, q: Qdisc) -> int:
    """Band by priority; each band holds at most tx_queue_len skbs.

    Kernel: net/sched/sch_generic.c pfifo_fast_enqueue (skb_array of tx_queue_len per band).
    """
    band = q.bands[sch_default_prio2band[skb.priority & TC_PRIO_MAX]]
    if len(band) >= q.limit:
        return qdisc_drop(skb, q)
    band.append(skb)
    q.qstats.qlen += 1
    q.qstats.backlog += skb.len
    return core_dev.NET_XMIT_SUCCESS


def pfifo_fast_dequeue(q: Qdisc) -> sk_buff | None:
    """Lowest non-empty band first. Kernel: net/sched/sch_generic.c pfifo_fast_dequeue."""
    for band in q.bands:
        if band:
            skb = band.popleft()
            q.qstats.qlen -= 1
            q.qstats.backlog -= skb.len
            return skb
    return None


def pfifo_fast_peek(q: Qdisc) -> sk_buff | None:
    """Kernel: net/sched/sch_generic.c pfifo_fast_peek."""
    for band in q.bands:
        if band:
            return band[0]
    return None


pfifo_fast_ops = Qdisc_ops(
    "pfifo_fast",
    pfifo_fast_enqueue,
    pfifo_fast_dequeue,
    pfifo_fast_peek,
    static_flags=TCQ_F_NOLOCK | TCQ_F_CPUSTATS | TCQ_F_CAN_BYPASS,
)

qdisc_base: dict[str, Qdisc_ops] = {ops.id: ops for ops in (pfifo_fast_ops, noqueue_qdisc_ops)}
"""Registered disciplines by name (read-only). Kernel: net/sched/sch_api.c qdisc_base."""


def qdisc_create_dflt(dev_queue: netdev_queue, ops: Qdisc_ops) -> Qdisc:
    """Kernel: net/sched/sch_generic.c qdisc_create_dflt."""
    q = Qdisc(ops, dev_queue)
    if ops.init is not None:
        ops.init(q)
    return q


def dev_qdisc_change_tx_queue_len(dev: net_device) -> None:
    """New per-band limit for the device's qdiscs. Kernel: net/sched/sch_generic.c
    dev_qdisc_change_tx_queue_len (pfifo_fast_change_tx_queue_len)."""
    for txq in dev._tx:
        txq.qdisc_sleeping.limit = dev.tx_queue_len


def qdisc_qlen(q: Qdisc) -> int:
    """Queued skbs including requeued ones (a requeue counts in qlen, as the kernel's).

    Kernel: include/net/sch_generic.h qdisc_qlen_sum.
    """
    return q.qstats.qlen


def qdisc_reset(q: Qdisc) -> None:
    """Free everything queued. Kernel: net/sched/sch_generic.c qdisc_reset."""
    if q.ops.reset is not None:
        q.ops.reset(q)
    for queue in (q.gso_skb, *q.bands):
        while queue:
            skbuff.kfree_skb(queue.popleft())
    q.qstats.qlen = 0
    q.qstats.backlog = 0


# --------------------------------------------------------------------------------------------
# Transmit path


def __dev_xmit_skb(skb: sk_buff, q: Qdisc, dev: net_device, txq: netdev_queue) -> int:
    """Enqueue and run `q`, or bypass an empty idle queue straight to the driver.

    Kernel: net/core/dev.c __dev_xmit_skb (the TCQ_F_NOLOCK path). BH disabled; owns `skb`.
    """
    if q.flags & TCQ_F_CAN_BYPASS and not qdisc_qlen(q) and qdisc_run_begin(q):
        q.bstats.bytes += skb.len
        q.bstats.packets += 1
        if sch_direct_xmit(skb, q, dev, txq) and qdisc_qlen(q):
            __qdisc_run(q)
        qdisc_run_end(q)
        return core_dev.NET_XMIT_SUCCESS
    enqueue = q.enqueue
    assert enqueue is not None
    length = skb.len
    rc = enqueue(skb, q) & core_dev.NET_XMIT_MASK
    if rc == core_dev.NET_XMIT_SUCCESS:
        q.bstats.bytes += length
        q.bstats.packets += 1
    qdisc_run(q)
    return rc


def qdisc_run_begin(q: Qdisc) -> bool:
    """Kernel: include/net/sch_generic.h qdisc_run_begin (a busy qdisc gets MISSED)."""
    if q.running:
        q.state |= QDISC_STATE_MISSED
        return False
    q.running = True
    return True


def qdisc_run_end(q: Qdisc) -> None:
    """Kernel: include/net/sch_generic.h qdisc_run_end (MISSED → reschedule)."""
    q.running = False
    if q.state & QDISC_STATE_MISSED:
        q.state &= ~QDISC_STATE_MISSED
        if qdisc_qlen(q):
            core_dev.__netif_schedule(q)


def qdisc_run(q: Qdisc) -> None:
    """Kernel: include/net/pkt_sched.h qdisc_run."""
    if qdisc_run_begin(q):
        __qdisc_run(q)
        qdisc_run_end(q)


def __qdisc_run(q: Qdisc) -> None:
    """Send until empty, stopped, or dev_tx_weight packets (then reschedule via NET_TX).

    Kernel: net/sched/sch_generic.c __qdisc_run.
    """
    quota = current_kernel().net_hotdata.dev_tx_weight
    while qdisc_restart(q):
        quota -= 1
        if quota <= 0:
            core_dev.__netif_schedule(q)
            break


def dequeue_skb(q: Qdisc) -> sk_buff | None:
    """Requeued skbs first; nothing while the (single) TX queue is stopped.

    Kernel: net/sched/sch_generic.c dequeue_skb.
    """
    txq = q.dev_queue
    stopped = txq is not None and core_dev.netif_xmit_frozen_or_stopped(txq)
    if q.gso_skb:
        if stopped:
            return None
        q.qstats.qlen -= 1
        return q.gso_skb.popleft()
    if q.flags & TCQ_F_ONETXQUEUE and stopped:
        return None
    return q.dequeue(q)


def qdisc_restart(q: Qdisc) -> bool:
    """Kernel: net/sched/sch_generic.c qdisc_restart."""
    skb = dequeue_skb(q)
    if skb is None:
        return False
    txq = q.dev_queue
    assert txq is not None
    return sch_direct_xmit(skb, q, txq.dev, txq)


def sch_direct_xmit(skb: sk_buff, q: Qdisc, dev: net_device, txq: netdev_queue) -> bool:
    """Hand one skb to the driver; NETDEV_TX_BUSY (or a stopped queue) requeues it.

    Kernel: net/sched/sch_generic.c sch_direct_xmit. Returns False when the queue should stop.
    """
    k = dev.nd_net.kernel
    ret = core_dev.NETDEV_TX_BUSY
    rest: sk_buff | None = skb
    if not dev.lltx:  # HARD_TX_LOCK
        txq.xmit_lock_owner = k.this_cpu().id
    if not core_dev.netif_xmit_frozen_or_stopped(txq):
        rest, ret = core_dev.dev_hard_start_xmit(skb, dev, txq)
    txq.xmit_lock_owner = -1
    if not core_dev.dev_xmit_complete(ret):
        if ret != core_dev.NETDEV_TX_BUSY:
            printk.net_warn_ratelimited(k, f"BUG {dev.name} code {ret} qlen {qdisc_qlen(q)}")
        if rest is not None:
            dev_requeue_skb(rest, q)
        return False
    return True


def dev_requeue_skb(skb: sk_buff, q: Qdisc) -> None:
    """Kernel: net/sched/sch_generic.c dev_requeue_skb (requeues++, reschedule)."""
    q.gso_skb.append(skb)
    q.qstats.requeues += 1
    q.qstats.qlen += 1
    core_dev.__netif_schedule(q)


# --------------------------------------------------------------------------------------------
# Activation


def dev_init_scheduler(dev: net_device) -> None:
    """noop qdisc on every queue; the watchdog timer bound. Kernel: net/sched/sch_generic.c."""
    noop = dev.nd_net.kernel.net_hotdata.noop_qdisc
    dev.qdisc = noop
    for txq in dev._tx:
        txq.qdisc = txq.qdisc_sleeping = noop
    timer.timer_setup(dev.watchdog_timer, lambda _t: dev_watchdog(dev), 0)


def attach_default_qdiscs(dev: net_device) -> None:
    """IFF_NO_QUEUE → noqueue, else net.core.default_qdisc (pfifo_fast).

    Kernel: net/sched/sch_generic.c attach_default_qdiscs, attach_one_default_qdisc.
    """
    hot = dev.nd_net.kernel.net_hotdata
    for txq in dev._tx:
        ops = noqueue_qdisc_ops if dev.priv_flags & core_dev.IFF_NO_QUEUE else hot.default_qdisc_ops
        q = qdisc_create_dflt(txq, ops)
        if not core_dev.netif_is_multiqueue(dev):
            q.flags |= TCQ_F_ONETXQUEUE | TCQ_F_NOPARENT
        txq.qdisc_sleeping = q
    dev.qdisc = dev._tx[0].qdisc_sleeping


def dev_activate(dev: net_device) -> None:
    """Attach default qdiscs if needed; with carrier, make them live and start the watchdog.

    Kernel: net/sched/sch_generic.c dev_activate.
    """
    if dev.qdisc is dev.nd_net.kernel.net_hotdata.noop_qdisc:
        attach_default_qdiscs(dev)
    if not core_dev.netif_carrier_ok(dev):
        return
    for txq in dev._tx:
        txq.qdisc = txq.qdisc_sleeping
        txq.qdisc.state &= ~QDISC_STATE_DEACTIVATED
        txq.trans_start = 0
    core_dev.netif_trans_update(dev)
    __netdev_watchdog_up(dev)


def dev_deactivate_many(devs: list[net_device]) -> None:
    """noop on every queue, stop the watchdog, free what was queued.

    Kernel: net/sched/sch_generic.c dev_deactivate_many.
    """
    for dev in devs:
        noop = dev.nd_net.kernel.net_hotdata.noop_qdisc
        for txq in dev._tx:
            txq.qdisc_sleeping.state |= QDISC_STATE_DEACTIVATED
            txq.qdisc = noop
        dev_watchdog_down(dev)
    for dev in devs:
        for txq in dev._tx:
            qdisc_reset(txq.qdisc_sleeping)


def dev_deactivate(dev: net_device) -> None:
    """Kernel: net/sched/sch_generic.c dev_deactivate."""
    dev_deactivate_many([dev])


def dev_shutdown(dev: net_device) -> None:
    """Release the qdiscs (back to noop). Kernel: net/sched/sch_generic.c dev_shutdown."""
    noop = dev.nd_net.kernel.net_hotdata.noop_qdisc
    for txq in dev._tx:
        qdisc_reset(txq.qdisc_sleeping)
        txq.qdisc = txq.qdisc_sleeping = noop
    dev.qdisc = noop
    dev_watchdog_down(dev)


# --------------------------------------------------------------------------------------------
# Watchdog


def __netdev_watchdog_up(dev: net_device) -> None:
    """Arm the watchdog (5*HZ if watchdog_timeo <= 0) — only if the driver has ndo_tx_timeout.

    Kernel: net/sched/sch_generic.c __netdev_watchdog_up (holds a device reference while armed).
    """
    if dev.netdev_ops.ndo_tx_timeout is None:
        return
    k = dev.nd_net.kernel
    if dev.watchdog_timeo <= 0:
        dev.watchdog_timeo = 5 * k.hz
    expires = timer.round_jiffies(k, k.jiffies + dev.watchdog_timeo)
    if not timer.mod_timer(dev.watchdog_timer, expires) and not dev.watchdog_ref_held:
        core_dev.dev_hold(dev)
        dev.watchdog_ref_held = True


def dev_watchdog_down(dev: net_device) -> None:
    """Kernel: net/sched/sch_generic.c dev_watchdog_down."""
    if timer.del_timer(dev.watchdog_timer) and dev.watchdog_ref_held:
        dev.watchdog_ref_held = False
        core_dev.dev_put(dev)


def dev_watchdog(dev: net_device) -> None:
    """Timer: a stopped TX queue older than watchdog_timeo → trans_timeout++, the log line,
    freeze, ndo_tx_timeout(dev, i), unfreeze; re-armed at the oldest trans_start + timeo.

    Kernel: net/sched/sch_generic.c dev_watchdog. TIMER softirq context.
    """
    k = dev.nd_net.kernel
    if (
        dev.qdisc is not k.net_hotdata.noop_qdisc
        and core_dev.netif_device_present(dev)
        and core_dev.netif_running(dev)
        and core_dev.netif_carrier_ok(dev)
    ):
        now = k.jiffies
        oldest_start = now
        timedout_ms = 0
        index = 0
        for txq in dev._tx:
            if not core_dev.netif_xmit_stopped(txq):
                continue
            if kjiffies.time_after(now, txq.trans_start + dev.watchdog_timeo):
                timedout_ms = kjiffies.jiffies_to_msecs(k, now - txq.trans_start)
                txq.trans_timeout += 1
                index = txq.queue_index
                break
            if kjiffies.time_after(oldest_start, txq.trans_start):
                oldest_start = txq.trans_start
        if timedout_ms:
            core_dev.netdev_log(
                dev,
                printk.KERN_CRIT,
                f"NETDEV WATCHDOG: CPU: {k.this_cpu().id}: transmit queue {index} "
                f"timed out {timedout_ms} ms",
            )
            for txq in dev._tx:
                txq.state |= core_dev.QUEUE_STATE_FROZEN
            ndo = dev.netdev_ops.ndo_tx_timeout
            assert ndo is not None
            ndo(dev, index)
            for txq in dev._tx:
                txq.state &= ~core_dev.QUEUE_STATE_FROZEN
                if not core_dev.netif_xmit_stopped(txq):
                    core_dev.__netif_schedule(txq.qdisc)
        expires = timer.round_jiffies(k, oldest_start + dev.watchdog_timeo)
        timer.mod_timer(dev.watchdog_timer, expires)
    if not timer.timer_pending(dev.watchdog_timer) and dev.watchdog_ref_held:
        dev.watchdog_ref_held = False
        core_dev.dev_put(dev)

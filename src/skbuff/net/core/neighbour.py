"""The neighbouring subsystem: neigh_table, neighbour entries, NUD state machine, gc, proxy.

Kernel: net/core/neighbour.c, include/net/neighbour.h.

One `neigh_table` per protocol per machine (ARP's lives on the kernel, `k.arp_tbl`), keyed by
(primary_key, dev) as the kernel's hash is; the namespace comes with the device. Times are
jiffies; `k.jiffies` is 64-bit so plain comparisons are the kernel's time_after/time_before.
The NUD decisions are in one place, `neigh_timer_handler` / `__neigh_event_send` /
`__neigh_update`, and the same rules are listed as data in `neigh_transitions`.

Context: everything here runs in softirq (timers, receive) or task context (rtnetlink), never
concurrently, so the kernel's locks have no stand-in. Ownership of skbs passed to output
functions moves to the callee (transmitted, queued on `arp_queue`, or freed with a reason).
"""

from __future__ import annotations

import errno
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from skbuff.kernel import bug, printk, procfs
from skbuff.kernel import jiffies as kjiffies
from skbuff.kernel import sysctl as ksysctl
from skbuff.kernel import timer as ktimer
from skbuff.net.core import dev as netdev
from skbuff.net.core import netevent, rtnetlink
from skbuff.net.core import skbuff as skbmod
from skbuff.net.core.dropreason import SKB_DROP_REASON
from skbuff.net.core.sock import SK_WMEM_MAX
from skbuff.uapi.neighbour import (
    NDA_CACHEINFO,
    NDA_DST,
    NDA_FLAGS_EXT,
    NDA_IFINDEX,
    NDA_LLADDR,
    NDA_PROBES,
    NDA_PROTOCOL,
    NTF_EXT_LEARNED,
    NTF_EXT_MANAGED,
    NTF_PROXY,
    NTF_ROUTER,
    NTF_USE,
    NUD_DELAY,
    NUD_FAILED,
    NUD_INCOMPLETE,
    NUD_NOARP,
    NUD_NONE,
    NUD_PERMANENT,
    NUD_PROBE,
    NUD_REACHABLE,
    NUD_STALE,
    nda_cacheinfo,
    ndmsg,
)
from skbuff.uapi.rtnetlink import (
    AF_INET,
    AF_UNSPEC,
    NLM_F_CREATE,
    NLM_F_EXCL,
    NLM_F_MULTI,
    NLM_F_REPLACE,
    NLM_F_REQUEST,
    RTM_DELNEIGH,
    RTM_GETNEIGH,
    RTM_NEWNEIGH,
    RTN_UNICAST,
    RTNLGRP_NEIGH,
    nlmsg,
)

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.dev import net_device
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff

NUD_IN_TIMER = NUD_INCOMPLETE | NUD_REACHABLE | NUD_DELAY | NUD_PROBE
NUD_VALID = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | NUD_DELAY
NUD_CONNECTED = NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE

NEIGH_UPDATE_F_OVERRIDE = 1 << 0
NEIGH_UPDATE_F_WEAK_OVERRIDE = 1 << 1
NEIGH_UPDATE_F_OVERRIDE_ISROUTER = 1 << 2
NEIGH_UPDATE_F_USE = 1 << 3
NEIGH_UPDATE_F_MANAGED = 1 << 4
NEIGH_UPDATE_F_EXT_LEARNED = 1 << 5
NEIGH_UPDATE_F_ISROUTER = 1 << 6
NEIGH_UPDATE_F_ADMIN = 1 << 7

NTF_OLD_MASK = 0xFF
NTF_EXT_SHIFT = 8
NTF_MANAGED = NTF_EXT_MANAGED << NTF_EXT_SHIFT

# NEIGH_VAR_*: the per-parms variables, in the kernel's enum order (the data_state bit index).
NEIGH_VARS: tuple[str, ...] = (
    "mcast_probes", "ucast_probes", "app_probes", "mcast_reprobes", "retrans_time",
    "base_reachable_time", "delay_probe_time", "interval_probe_time_ms", "gc_staletime",
    "queue_len_bytes", "proxy_qlen", "anycast_delay", "proxy_delay", "locktime",
)

# include/linux/skbuff.h SKB_TRUESIZE(ETH_FRAME_LEN) on x86-64: what unres_qlen divides by.
SKB_TRUESIZE_ETH_FRAME_LEN = 1514 + 256 + 320  # ETH_FRAME_LEN + aligned sk_buff + shinfo
INT_MAX = (1 << 31) - 1


LOCALLY_ENQUEUED = 0x1
# struct neighbour_cb in skb->cb: sched_next (unsigned long), then flags
NEIGH_CB_FLAGS = 8


class hh_cache:
    """Cached hardware header. Kernel: include/linux/netdevice.h struct hh_cache."""

    __slots__ = ("hh_data", "hh_len")

    def __init__(self) -> None:
        self.hh_len = 0
        self.hh_data = b""


class neigh_ops:
    """Kernel: include/net/neighbour.h struct neigh_ops. Functions take (neigh, skb)."""

    __slots__ = ("connected_output", "error_report", "family", "output", "solicit")

    def __init__(
        self,
        family: int,
        solicit: Callable[[neighbour, sk_buff | None], None] | None,
        error_report: Callable[[neighbour, sk_buff], None] | None,
        output: Callable[[neighbour, sk_buff], int],
        connected_output: Callable[[neighbour, sk_buff], int],
    ) -> None:
        self.family = family
        self.solicit = solicit
        self.error_report = error_report
        self.output = output
        self.connected_output = connected_output


class neigh_parms:
    """Per-device (or per-table default) tunables.
    Kernel: include/net/neighbour.h struct neigh_parms.

    Times are jiffies. `data_state` has bit i set when `NEIGH_VARS[i]` was written explicitly;
    until then a device's value follows the namespace's default (neigh_copy_dflt_parms).
    """

    __slots__ = (
        "anycast_delay", "app_probes", "base_reachable_time", "data_state", "dead",
        "delay_probe_time", "dev", "gc_staletime", "interval_probe_time_ms", "locktime",
        "mcast_probes", "mcast_reprobes", "net", "proxy_delay", "proxy_qlen",
        "queue_len_bytes", "reachable_time", "refcnt", "retrans_time", "sysctl_table", "tbl",
        "ucast_probes",
    )

    def __init__(self, tbl: neigh_table | None, hz: int) -> None:
        self.tbl = tbl
        self.dev: net_device | None = None
        self.net: Net | None = None
        self.dead = False
        self.refcnt = 1
        self.data_state = 0
        self.sysctl_table: Any = None
        self.mcast_probes = 3
        self.ucast_probes = 3
        self.app_probes = 0
        self.mcast_reprobes = 0
        self.retrans_time = 1 * hz
        self.base_reachable_time = 30 * hz
        self.delay_probe_time = 5 * hz
        self.interval_probe_time_ms = 5 * hz
        self.gc_staletime = 60 * hz
        self.queue_len_bytes = SK_WMEM_MAX
        self.proxy_qlen = 64
        self.anycast_delay = 1 * hz
        self.proxy_delay = (8 * hz) // 10
        self.locktime = 1 * hz
        self.reachable_time = 0

    @property
    def unres_qlen(self) -> int:
        """unres_qlen as the sysctl shows it. Kernel: net/core/neighbour.c proc_unres_qlen."""
        return self.queue_len_bytes // SKB_TRUESIZE_ETH_FRAME_LEN

    @unres_qlen.setter
    def unres_qlen(self, qlen: int) -> None:
        self.queue_len_bytes = qlen * SKB_TRUESIZE_ETH_FRAME_LEN

    def copy_from(self, other: neigh_parms) -> None:
        """Copy every NEIGH_VARS value from `other` (kmemdup of the table's parms)."""
        for name in NEIGH_VARS:
            setattr(self, name, getattr(other, name))


class neigh_statistics:
    """Kernel: include/net/neighbour.h struct neigh_statistics (one per CPU: `tbl.stats`)."""

    __slots__ = (
        "allocs", "destroys", "forced_gc_runs", "hash_grows", "hits", "lookups",
        "periodic_gc_runs", "rcv_probes_mcast", "rcv_probes_ucast", "res_failed",
        "table_fulls", "unres_discards",
    )

    def __init__(self) -> None:
        self.allocs = 0
        self.destroys = 0
        self.hash_grows = 0
        self.res_failed = 0
        self.lookups = 0
        self.hits = 0
        self.rcv_probes_mcast = 0
        self.rcv_probes_ucast = 0
        self.periodic_gc_runs = 0
        self.forced_gc_runs = 0
        self.unres_discards = 0
        self.table_fulls = 0


class neighbour:
    """One neighbour entry. Kernel: include/net/neighbour.h struct neighbour.

    `ha` is the link-layer address (bytes); `arp_queue` holds skbs waiting for resolution
    (the entry owns them); `refcnt` counts the table's reference, a pending timer's, and holders'
    (`neigh_hold`/`neigh_release`).
    """

    __slots__ = (
        "arp_queue", "arp_queue_len_bytes", "confirmed", "dead", "dev", "flags", "ha", "hh",
        "nud_state", "ops", "output", "parms", "primary_key", "probes", "protocol", "refcnt",
        "tbl",
        "timer", "type", "updated", "used",
    )

    def __init__(self, tbl: neigh_table, dev: net_device, primary_key: int, now: int) -> None:
        self.tbl = tbl
        self.parms: neigh_parms = tbl.parms
        self.primary_key = primary_key
        self.dev = dev
        self.nud_state = NUD_NONE
        self.type = 0
        self.dead = True
        self.probes = 0
        self.protocol = 0
        self.flags = 0
        self.ha = bytes(getattr(dev, "addr_len", 0) or 0)
        self.hh = hh_cache()
        self.output: Callable[[neighbour, sk_buff], int] = neigh_blackhole
        self.ops: neigh_ops | None = None
        self.arp_queue = skbmod.sk_buff_head()
        self.arp_queue_len_bytes = 0
        self.used = now
        self.updated = now
        self.confirmed = now
        self.refcnt = 1
        self.timer = ktimer.timer_list()
        ktimer.timer_setup(self.timer, lambda _t: neigh_timer_handler(self), 0)

    def __repr__(self) -> str:
        return f"<neighbour {self.primary_key:#010x} dev {self.dev.name} nud {self.nud_state:#x}>"


class pneigh_entry:
    """A proxy entry (`ip neigh add proxy`). Kernel: include/net/neighbour.h struct pneigh_entry."""

    __slots__ = ("dev", "flags", "key", "net", "permanent", "protocol")

    def __init__(self, net: Net, key: int, dev: net_device | None) -> None:
        self.net = net
        self.key = key
        self.dev = dev
        self.flags = 0
        self.permanent = False
        self.protocol = 0


class neigh_table:
    """One protocol's neighbour table. Kernel: include/net/neighbour.h struct neigh_table.

    `hash_buckets` stands for the kernel's hash: a dict (primary_key, dev) -> neighbour;
    `hash_shift` grows like the kernel's so `hash_grows` counts the same way. `gc_list` holds
    the entries not exempt from gc, oldest first; `managed_list` the NTF_MANAGED ones.
    """

    def __init__(
        self,
        k: Kernel,
        family: int,
        id: str,
        key_len: int,
        constructor: Callable[[neighbour], int],
        pconstructor: Callable[[pneigh_entry], int] | None,
        proxy_redo: Callable[[sk_buff], None] | None,
        is_multicast: Callable[[int], bool] | None,
        protocol: int,
    ) -> None:
        self.kernel = k
        self.protocol = protocol
        self.family = family
        self.id = id
        self.key_len = key_len
        self.constructor = constructor
        self.pconstructor = pconstructor
        self.proxy_redo = proxy_redo
        self.is_multicast = is_multicast
        self.parms = neigh_parms(self, k.hz)
        self.parms_list: list[neigh_parms] = [self.parms]
        self.gc_interval = 30 * k.hz
        self.gc_thresh1 = 128
        self.gc_thresh2 = 512
        self.gc_thresh3 = 1024
        self.last_flush = k.jiffies
        self.last_rand = k.jiffies
        self.hash_shift = 3
        self.hash_buckets: dict[tuple[int, net_device], neighbour] = {}
        self.gc_list: dict[neighbour, None] = {}
        self.managed_list: dict[neighbour, None] = {}
        self.entries = 0
        self.net_entries: dict[Net, int] = {}
        self.stats = [neigh_statistics() for _ in k.cpus]
        self.phash_buckets: dict[tuple[Net, int, net_device | None], pneigh_entry] = {}
        self.proxy_queue: deque[tuple[int, sk_buff]] = deque()
        self.proxy_timer = ktimer.timer_list()
        self.gc_work = ktimer.timer_list()
        self.managed_work = ktimer.timer_list()


def NEIGH_CACHE_STAT(tbl: neigh_table) -> neigh_statistics:
    """This CPU's counters of `tbl` (`NEIGH_CACHE_STAT(tbl).allocs += 1` is the kernel's
    NEIGH_CACHE_STAT_INC(tbl, allocs)). Needs a CPU context.

    Kernel: include/net/neighbour.h NEIGH_CACHE_STAT_INC (this_cpu_inc)."""
    return tbl.stats[tbl.kernel.this_cpu().id]


# --- reference counting, timers -------------------------------------------------------------


def arp_tbl(k: Kernel) -> neigh_table:
    """The machine's ARP table (`k.arp_tbl`, set by arp_init). Kernel: net/ipv4/arp.c arp_tbl."""
    tbl: neigh_table = k.arp_tbl
    return tbl


def neigh_hold(n: neighbour) -> neighbour:
    """Take a reference. Kernel: include/net/neighbour.h neigh_hold."""
    n.refcnt += 1
    return n


def neigh_release(n: neighbour) -> None:
    """Drop a reference; the last one destroys the entry.

    Kernel: include/net/neighbour.h neigh_release.
    """
    n.refcnt -= 1
    if n.refcnt == 0:
        neigh_destroy(n)


def neigh_destroy(n: neighbour) -> None:
    """Free a dead entry: purge its queue, count it. Kernel: net/core/neighbour.c neigh_destroy."""
    tbl = n.tbl
    NEIGH_CACHE_STAT(tbl).destroys += 1
    if not n.dead:
        raise bug.KernelBug(f"neigh_destroy: {n!r} is alive")
    if ktimer.timer_pending(n.timer):
        raise bug.KernelBug(f"neigh_destroy: {n!r} has a pending timer")
    _neigh_queue_purge(n, SKB_DROP_REASON.NEIGH_DEAD)
    tbl.entries -= 1
    net = n.dev.nd_net
    tbl.net_entries[net] -= 1


def neigh_add_timer(n: neighbour, when: int) -> None:
    """Arm the entry's timer (the timer holds a reference).

    Kernel: net/core/neighbour.c neigh_add_timer.
    """
    neigh_hold(n)
    if ktimer.mod_timer(n.timer, when):
        raise bug.KernelBug(f"NEIGH: BUG, double timer add, state is {n.nud_state:#x}")


def neigh_del_timer(n: neighbour) -> int:
    """Stop the timer if it runs for an IN_TIMER state.

    Kernel: net/core/neighbour.c neigh_del_timer.
    """
    if (n.nud_state & NUD_IN_TIMER) and ktimer.del_timer(n.timer):
        neigh_release(n)
        return 1
    return 0


def neigh_rand_reach_time(k: Kernel, base: int) -> int:
    """Random reachable time in [base/2, 3·base/2).

    Kernel: net/core/neighbour.c neigh_rand_reach_time.
    """
    return k.rng.get_random_u32_below(base) + (base >> 1) if base else 0


# --- output functions ------------------------------------------------------------------------


def neigh_blackhole(neigh: neighbour, skb: sk_buff) -> int:
    """Output of a dead/new entry: free the skb. Kernel: net/core/neighbour.c neigh_blackhole."""
    skbmod.kfree_skb_reason(skb, SKB_DROP_REASON.NOT_SPECIFIED)
    return -errno.ENETDOWN


def neigh_suspect(neigh: neighbour) -> None:
    """Entry no longer confirmed: output goes through resolution.

    Kernel: net/core/neighbour.c neigh_suspect.
    """
    assert neigh.ops is not None
    neigh.output = neigh.ops.output


def neigh_connect(neigh: neighbour) -> None:
    """Entry confirmed: output straight to the device.

    Kernel: net/core/neighbour.c neigh_connect.
    """
    assert neigh.ops is not None
    neigh.output = neigh.ops.connected_output


def neigh_hh_init(n: neighbour) -> None:
    """Build the cached header once. Kernel: net/core/neighbour.c neigh_hh_init."""
    header_ops = n.dev.header_ops
    if n.hh.hh_len == 0 and header_ops is not None and header_ops.cache is not None:
        header_ops.cache(n, n.hh, n.tbl.protocol)


def neigh_resolve_output(neigh: neighbour, skb: sk_buff) -> int:
    """Output through resolution: send if the address is known, else queue/probe.

    Owns `skb` after the call. Kernel: net/core/neighbour.c neigh_resolve_output.
    """
    if neigh_event_send(neigh, skb):
        return 0
    dev = neigh.dev
    if dev.header_ops is not None and dev.header_ops.cache is not None and not neigh.hh.hh_len:
        neigh_hh_init(neigh)
    skb_pull_to_network(skb)
    err = netdev.dev_hard_header(skb, dev, skb.protocol, neigh.ha, None, skb.len)
    if err >= 0:
        return netdev.dev_queue_xmit(skb)
    skbmod.kfree_skb_reason(skb, SKB_DROP_REASON.NOT_SPECIFIED)
    return -errno.EINVAL


def neigh_connected_output(neigh: neighbour, skb: sk_buff) -> int:
    """Output for a CONNECTED entry: header + xmit.

    Kernel: net/core/neighbour.c neigh_connected_output.
    """
    skb_pull_to_network(skb)
    err = netdev.dev_hard_header(skb, neigh.dev, skb.protocol, neigh.ha, None, skb.len)
    if err >= 0:
        return netdev.dev_queue_xmit(skb)
    skbmod.kfree_skb_reason(skb, SKB_DROP_REASON.NOT_SPECIFIED)
    return -errno.EINVAL


def neigh_direct_output(neigh: neighbour, skb: sk_buff) -> int:
    """Output without a link-layer header. Kernel: net/core/neighbour.c neigh_direct_output."""
    return netdev.dev_queue_xmit(skb)


def neigh_output(n: neighbour, skb: sk_buff, skip_cache: bool) -> int:
    """The IP output's hand-over; owns the skb. A CONNECTED entry with a cached header gets
    it prepended and goes to dev_queue_xmit (neigh_hh_output), anything else to `n.output`.

    Kernel: include/net/neighbour.h neigh_output and neigh_hh_output (both inline: one
    function here; dev_queue_xmit, inline too, is its __dev_queue_xmit).
    """
    hh = n.hh
    hh_len = hh.hh_len
    if not skip_cache and n.nud_state & NUD_CONNECTED and hh_len:
        data = skbmod.skb_push(skb, hh_len)
        skb.buf[data : data + hh_len] = hh.hh_data
        return netdev.__dev_queue_xmit(skb, None)
    return n.output(n, skb)


def skb_pull_to_network(skb: sk_buff) -> None:
    """`__skb_pull(skb, skb_network_offset(skb))`: a requeued skb may carry an old header.

    Kernel: net/core/neighbour.c neigh_resolve_output.
    """
    off = skb.network_header - skb.data
    if off > 0:
        skbmod.skb_pull(skb, off)


# --- the NUD state machine -------------------------------------------------------------------


def neigh_max_probes(n: neighbour) -> int:
    """Kernel: net/core/neighbour.c neigh_max_probes."""
    p = n.parms
    return p.ucast_probes + p.app_probes + (
        p.mcast_reprobes if n.nud_state & NUD_PROBE else p.mcast_probes
    )


def _neigh_queue_purge(n: neighbour, reason: SKB_DROP_REASON) -> None:
    skbmod.skb_queue_purge_reason(n.arp_queue, reason)
    n.arp_queue_len_bytes = 0


def neigh_invalidate(neigh: neighbour) -> None:
    """Resolution failed: report each queued skb, purge.
    Kernel: net/core/neighbour.c neigh_invalidate.

    `ops.error_report` owns each skb it is given (ARP: dst_link_failure + free).
    """
    NEIGH_CACHE_STAT(neigh.tbl).res_failed += 1
    neigh.updated = neigh.tbl.kernel.jiffies
    assert neigh.ops is not None
    q = neigh.arp_queue.q
    while neigh.nud_state == NUD_FAILED and q:
        skb = q.popleft()
        neigh.arp_queue_len_bytes -= skb.truesize
        if neigh.ops.error_report is not None:
            neigh.ops.error_report(neigh, skb)
        else:
            skbmod.kfree_skb_reason(skb, SKB_DROP_REASON.NEIGH_FAILED)
    _neigh_queue_purge(neigh, SKB_DROP_REASON.NEIGH_FAILED)


def neigh_probe(neigh: neighbour) -> None:
    """Send one solicitation (using the newest queued skb for its source).

    Kernel: net/core/neighbour.c neigh_probe.
    """
    skb = skbmod.skb_peek_tail(neigh.arp_queue)
    if neigh.ops is not None and neigh.ops.solicit is not None:
        neigh.ops.solicit(neigh, skb)
    neigh.probes += 1


def neigh_timer_handler(neigh: neighbour) -> None:
    """The entry's timer: REACHABLE/DELAY/PROBE/INCOMPLETE transitions. TIMER_SOFTIRQ context.

    Kernel: net/core/neighbour.c neigh_timer_handler (`from_timer` is the closure set up at alloc).
    """
    k = neigh.tbl.kernel
    state = neigh.nud_state
    now = k.jiffies
    p = neigh.parms
    nxt = now + k.hz
    notify = False
    min_next = max(k.hz // 100, 1)
    if state & NUD_IN_TIMER:
        if state & NUD_REACHABLE:
            if now <= neigh.confirmed + p.reachable_time:
                nxt = neigh.confirmed + p.reachable_time
            elif now <= neigh.used + p.delay_probe_time:
                neigh.nud_state = NUD_DELAY
                neigh.updated = now
                neigh_suspect(neigh)
                nxt = now + p.delay_probe_time
            else:
                neigh.nud_state = NUD_STALE
                neigh.updated = now
                neigh_suspect(neigh)
                notify = True
        elif state & NUD_DELAY:
            if now <= neigh.confirmed + p.delay_probe_time:
                neigh.nud_state = NUD_REACHABLE
                neigh.updated = now
                neigh_connect(neigh)
                notify = True
                nxt = neigh.confirmed + p.reachable_time
            else:
                neigh.nud_state = NUD_PROBE
                neigh.updated = now
                neigh.probes = 0
                notify = True
                nxt = now + max(p.retrans_time, min_next)
        else:
            nxt = now + max(p.retrans_time, min_next)

        if (neigh.nud_state & (NUD_INCOMPLETE | NUD_PROBE)) and (
            neigh.probes >= neigh_max_probes(neigh)
        ):
            neigh.nud_state = NUD_FAILED
            notify = True
            neigh_invalidate(neigh)
        else:
            if neigh.nud_state & NUD_IN_TIMER:
                nxt = max(nxt, now + min_next)
                if not ktimer.mod_timer(neigh.timer, nxt):
                    neigh_hold(neigh)
            if neigh.nud_state & (NUD_INCOMPLETE | NUD_PROBE):
                neigh_probe(neigh)
    if notify:
        neigh_update_notify(neigh, 0)
    k.trace.neigh_timer_handler(neigh, 0)
    neigh_release(neigh)


def neigh_event_send(neigh: neighbour, skb: sk_buff | None) -> int:
    """Start or continue resolution before sending `skb`. 0 = send now; 1 = queued/dropped.

    Kernel: include/net/neighbour.h neigh_event_send (sets `used`).
    """
    return neigh_event_send_probe(neigh, skb, True)


def neigh_event_send_probe(neigh: neighbour, skb: sk_buff | None, immediate_ok: bool) -> int:
    """Kernel: include/net/neighbour.h neigh_event_send_probe."""
    now = neigh.tbl.kernel.jiffies
    if neigh.used != now:
        neigh.used = now
    if not (neigh.nud_state & (NUD_CONNECTED | NUD_DELAY | NUD_PROBE)):
        return __neigh_event_send(neigh, skb, immediate_ok)
    return 0


def __neigh_event_send(neigh: neighbour, skb: sk_buff | None, immediate_ok: bool) -> int:
    """The slow part of neigh_event_send; owns `skb` when it returns 1.

    NONE/FAILED → INCOMPLETE with an immediate probe (6.12) or FAILED when probing is off;
    STALE → DELAY; INCOMPLETE queues `skb`, dropping the oldest over unres_qlen_bytes.
    Kernel: net/core/neighbour.c __neigh_event_send.
    """
    tbl = neigh.tbl
    k = tbl.kernel
    p = neigh.parms
    rc = 0
    immediate_probe = False
    state = neigh.nud_state
    if state & (NUD_CONNECTED | NUD_DELAY | NUD_PROBE):
        k.trace.neigh_event_send_done(neigh, rc)
        return rc
    if neigh.dead:
        if state & NUD_STALE:
            k.trace.neigh_event_send_done(neigh, rc)
            return rc
        if skb is not None:
            skbmod.kfree_skb_reason(skb, SKB_DROP_REASON.NEIGH_DEAD)
        k.trace.neigh_event_send_dead(neigh, 1)
        return 1
    now = k.jiffies
    if not (state & (NUD_STALE | NUD_INCOMPLETE)):
        if p.mcast_probes + p.app_probes:
            neigh.probes = p.ucast_probes
            neigh_del_timer(neigh)
            neigh.nud_state = NUD_INCOMPLETE
            neigh.updated = now
            if immediate_ok:
                immediate_probe = True
                nxt = now + max(p.retrans_time, max(k.hz // 100, 1))
            else:
                nxt = now + 1
            neigh_add_timer(neigh, nxt)
        else:
            neigh.nud_state = NUD_FAILED
            neigh.updated = now
            if skb is not None:
                skbmod.kfree_skb_reason(skb, SKB_DROP_REASON.NEIGH_FAILED)
            return 1
    elif state & NUD_STALE:
        neigh_del_timer(neigh)
        neigh.nud_state = NUD_DELAY
        neigh.updated = now
        neigh_add_timer(neigh, now + p.delay_probe_time)

    if neigh.nud_state == NUD_INCOMPLETE:
        if skb is not None:
            limit = p.queue_len_bytes
            q = neigh.arp_queue.q
            while q and neigh.arp_queue_len_bytes + skb.truesize > limit:
                old = q.popleft()
                neigh.arp_queue_len_bytes -= old.truesize
                skbmod.kfree_skb_reason(old, SKB_DROP_REASON.NEIGH_QUEUEFULL)
                NEIGH_CACHE_STAT(tbl).unres_discards += 1
            skbmod.skb_dst_force(skb)
            q.append(skb)
            neigh.arp_queue_len_bytes += skb.truesize
        rc = 1
    if immediate_probe:
        neigh_probe(neigh)
    k.trace.neigh_event_send_done(neigh, rc)
    return rc


def neigh_update_hhs(neigh: neighbour) -> None:
    """Refresh the cached header after a MAC change.

    Kernel: net/core/neighbour.c neigh_update_hhs.
    """
    header_ops = neigh.dev.header_ops
    update = header_ops.cache_update if header_ops is not None else None
    if update is not None and neigh.hh.hh_len:
        update(neigh.hh, neigh.dev, neigh.ha)


def neigh_update_flags(neigh: neighbour, flags: int) -> tuple[bool, bool, bool]:
    """Admin updates may set/clear EXT_LEARNED and MANAGED.
    Returns (notify, gc_update, managed_update).

    Kernel: net/core/neighbour.c neigh_update_flags.
    """
    if not flags & NEIGH_UPDATE_F_ADMIN:
        return False, False, False
    ndm_flags = NTF_EXT_LEARNED if flags & NEIGH_UPDATE_F_EXT_LEARNED else 0
    ndm_flags |= NTF_MANAGED if flags & NEIGH_UPDATE_F_MANAGED else 0
    notify = gc_update = managed_update = False
    changed = neigh.flags ^ ndm_flags
    if changed & NTF_EXT_LEARNED:
        neigh.flags ^= NTF_EXT_LEARNED
        notify = gc_update = True
    if changed & NTF_MANAGED:
        neigh.flags ^= NTF_MANAGED
        notify = managed_update = True
    return notify, gc_update, managed_update


def neigh_update_is_router(neigh: neighbour, flags: int) -> bool:
    """Kernel: include/net/neighbour.h neigh_update_is_router. Returns notify."""
    ndm_flags = NTF_ROUTER if flags & NEIGH_UPDATE_F_ISROUTER else 0
    if (neigh.flags ^ ndm_flags) & NTF_ROUTER:
        neigh.flags ^= NTF_ROUTER
        return True
    return False


def neigh_update_gc_list(n: neighbour) -> None:
    """PERMANENT and EXT_LEARNED entries are exempt from gc.

    Kernel: net/core/neighbour.c neigh_update_gc_list.
    """
    exempt = bool(n.nud_state & NUD_PERMANENT or n.flags & NTF_EXT_LEARNED)
    on_list = n in n.tbl.gc_list
    if n.dead:
        return
    if exempt and on_list:
        del n.tbl.gc_list[n]
    elif not exempt and not on_list:
        n.tbl.gc_list[n] = None


def neigh_update_managed_list(n: neighbour) -> None:
    """Kernel: net/core/neighbour.c neigh_update_managed_list."""
    if n.dead:
        return
    if n.flags & NTF_MANAGED:
        n.tbl.managed_list.setdefault(n, None)
    else:
        n.tbl.managed_list.pop(n, None)


def __neigh_update(
    neigh: neighbour,
    lladdr: bytes | None,
    new: int,
    flags: int,
    nlmsg_pid: int,
    extack: Any = None,
) -> int:
    """Move the entry to state `new` with address `lladdr` under the update `flags` rules.

    Returns 0 or -errno. When the entry becomes VALID its queue is transmitted.
    Kernel: net/core/neighbour.c __neigh_update.
    """
    k = neigh.tbl.kernel
    k.trace.neigh_update(neigh, lladdr, new, flags, nlmsg_pid)
    old = neigh.nud_state
    err = -errno.EPERM
    notify = False
    gc_update = False
    update_isrouter = 0
    dev = neigh.dev
    if neigh.dead:
        if extack is not None:
            extack.msg = "Neighbor entry is now dead"
        new = old
        return _neigh_update_done(neigh, err, old, new, notify, gc_update, 0, flags, nlmsg_pid)
    if not flags & NEIGH_UPDATE_F_ADMIN and old & (NUD_NOARP | NUD_PERMANENT):
        return _neigh_update_done(neigh, err, old, new, notify, gc_update, 0, flags, nlmsg_pid)

    notify, gc_update, managed_update = neigh_update_flags(neigh, flags)
    if managed_update:
        neigh_update_managed_list(neigh)
    if flags & (NEIGH_UPDATE_F_USE | NEIGH_UPDATE_F_MANAGED):
        new = old & ~NUD_PERMANENT
        neigh.nud_state = new
        return _neigh_update_done(neigh, 0, old, new, notify, gc_update, 0, flags, nlmsg_pid)

    now = k.jiffies
    if not new & NUD_VALID:
        neigh_del_timer(neigh)
        if old & NUD_CONNECTED:
            neigh_suspect(neigh)
        neigh.nud_state = new
        notify = bool(old & NUD_VALID)
        if old & (NUD_INCOMPLETE | NUD_PROBE) and new & NUD_FAILED:
            neigh_invalidate(neigh)
            notify = True
        return _neigh_update_done(neigh, 0, old, new, notify, gc_update, 0, flags, nlmsg_pid)

    addr_len = dev.addr_len
    if not addr_len:
        lladdr = neigh.ha
    elif lladdr is not None:
        if old & NUD_VALID and lladdr[:addr_len] == neigh.ha:
            lladdr = neigh.ha
    else:
        if not old & NUD_VALID:
            if extack is not None:
                extack.msg = "No link layer address given"
            return _neigh_update_done(
                neigh, -errno.EINVAL, old, new, notify, gc_update, 0, flags, nlmsg_pid
            )
        lladdr = neigh.ha

    if new & NUD_CONNECTED:
        neigh.confirmed = now

    err = 0
    update_isrouter = flags & NEIGH_UPDATE_F_OVERRIDE_ISROUTER
    if old & NUD_VALID:
        if lladdr is not neigh.ha and not flags & NEIGH_UPDATE_F_OVERRIDE:
            update_isrouter = 0
            if flags & NEIGH_UPDATE_F_WEAK_OVERRIDE and old & NUD_CONNECTED:
                lladdr = neigh.ha
                new = NUD_STALE
            else:
                return _neigh_update_done(
                    neigh, err, old, new, notify, gc_update, update_isrouter, flags, nlmsg_pid
                )
        elif lladdr is neigh.ha and new == NUD_STALE and not flags & NEIGH_UPDATE_F_ADMIN:
            new = old

    changed_addr = lladdr is not neigh.ha
    if new != old or changed_addr:
        neigh.updated = now

    if new != old:
        neigh_del_timer(neigh)
        if new & NUD_PROBE:
            neigh.probes = 0
        if new & NUD_IN_TIMER:
            neigh_add_timer(
                neigh, now + (neigh.parms.reachable_time if new & NUD_REACHABLE else 0)
            )
        neigh.nud_state = new
        notify = True

    if changed_addr:
        neigh.ha = bytes(lladdr[:addr_len])
        neigh_update_hhs(neigh)
        if not new & NUD_CONNECTED:
            neigh.confirmed = now - (neigh.parms.base_reachable_time << 1)
        notify = True

    if new != old:
        if new & NUD_CONNECTED:
            neigh_connect(neigh)
        else:
            neigh_suspect(neigh)
        if not old & NUD_VALID:
            q = neigh.arp_queue.q
            while neigh.nud_state & NUD_VALID and q:
                skb = q.popleft()
                neigh.arp_queue_len_bytes -= skb.truesize
                neigh.output(neigh, skb)
            _neigh_queue_purge(neigh, SKB_DROP_REASON.NOT_SPECIFIED)
    return _neigh_update_done(
        neigh, err, old, new, notify, gc_update, update_isrouter, flags, nlmsg_pid
    )


def _neigh_update_done(
    neigh: neighbour,
    err: int,
    old: int,
    new: int,
    notify: bool,
    gc_update: bool,
    update_isrouter: int,
    flags: int,
    nlmsg_pid: int,
) -> int:
    """The `out:` label of __neigh_update: router flag, gc list, notification, tracepoint."""
    if update_isrouter and neigh_update_is_router(neigh, flags):
        notify = True
    if (new ^ old) & NUD_PERMANENT or gc_update:
        neigh_update_gc_list(neigh)
    if notify:
        neigh_update_notify(neigh, nlmsg_pid)
    neigh.tbl.kernel.trace.neigh_update_done(neigh, err)
    return err


def neigh_update(
    neigh: neighbour, lladdr: bytes | None, new: int, flags: int, nlmsg_pid: int
) -> int:
    """Kernel: net/core/neighbour.c neigh_update."""
    return __neigh_update(neigh, lladdr, new, flags, nlmsg_pid, None)


def neigh_confirm(n: neighbour) -> None:
    """Forward-progress confirmation (TCP ACK, MSG_CONFIRM): `confirmed = now`.

    Kernel: include/net/neighbour.h neigh_confirm.
    """
    now = n.tbl.kernel.jiffies
    if n.confirmed != now:
        n.confirmed = now


def neigh_update_notify(neigh: neighbour, nlmsg_pid: int) -> None:
    """NETEVENT_NEIGH_UPDATE to the netevent chain, RTM_NEWNEIGH to RTNLGRP_NEIGH listeners
    (`ip monitor neigh`). Kernel: net/core/neighbour.c neigh_update_notify.
    """
    netevent.call_netevent_notifiers(netevent.NETEVENT_NEIGH_UPDATE, neigh)
    __neigh_notify(neigh, RTM_NEWNEIGH, 0, nlmsg_pid)


# --- lookup and creation ---------------------------------------------------------------------


def ___neigh_lookup_noref(tbl: neigh_table, pkey: int, dev: net_device) -> neighbour | None:
    """Lookup without counting. Kernel: include/net/neighbour.h ___neigh_lookup_noref."""
    return tbl.hash_buckets.get((pkey, dev))


def neigh_lookup(tbl: neigh_table, pkey: int, dev: net_device) -> neighbour | None:
    """Find and hold the entry for (pkey, dev). Kernel: net/core/neighbour.c neigh_lookup."""
    NEIGH_CACHE_STAT(tbl).lookups += 1
    n = tbl.hash_buckets.get((pkey, dev))
    if n is not None:
        neigh_hold(n)
        NEIGH_CACHE_STAT(tbl).hits += 1
    return n


def neigh_forced_gc(tbl: neigh_table) -> int:
    """Shrink a full table towards gc_thresh2; returns entries removed.

    Kernel: net/core/neighbour.c neigh_forced_gc.
    """
    k = tbl.kernel
    max_clean = len(tbl.gc_list) - tbl.gc_thresh2
    tref = k.jiffies - 5 * k.hz
    shrunk = 0
    NEIGH_CACHE_STAT(tbl).forced_gc_runs += 1
    for n in list(tbl.gc_list):
        if n.refcnt != 1:
            continue
        if (
            n.nud_state in (NUD_FAILED, NUD_NOARP)
            or (tbl.is_multicast is not None and tbl.is_multicast(n.primary_key))
            or not tref <= n.updated <= k.jiffies
        ):
            neigh_remove_one(n)
            shrunk += 1
        if shrunk >= max_clean:
            break
    tbl.last_flush = k.jiffies
    return shrunk


def neigh_mark_dead(n: neighbour) -> None:
    """Kernel: net/core/neighbour.c neigh_mark_dead."""
    n.dead = True
    n.tbl.gc_list.pop(n, None)
    n.tbl.managed_list.pop(n, None)


def neigh_cleanup_and_release(n: neighbour) -> None:
    """Kernel: net/core/neighbour.c neigh_cleanup_and_release."""
    n.tbl.kernel.trace.neigh_cleanup_and_release(n, 0)
    __neigh_notify(n, RTM_DELNEIGH, 0, 0)
    netevent.call_netevent_notifiers(netevent.NETEVENT_NEIGH_UPDATE, n)
    neigh_release(n)


def neigh_remove_one(n: neighbour) -> bool:
    """Unlink an entry with no other holders.

    Kernel: net/core/neighbour.c neigh_remove_one/neigh_del.
    """
    if n.refcnt != 1:
        return False
    del n.tbl.hash_buckets[(n.primary_key, n.dev)]
    neigh_mark_dead(n)
    neigh_cleanup_and_release(n)
    return True


def neigh_alloc(
    tbl: neigh_table, dev: net_device, flags: int, exempt_from_gc: bool
) -> neighbour | None:
    """Allocate an entry, running forced gc when the table is full.

    Kernel: net/core/neighbour.c neigh_alloc.
    """
    k = tbl.kernel
    if not exempt_from_gc:
        entries = len(tbl.gc_list)
        full = entries >= tbl.gc_thresh3
        want_gc = full or (entries >= tbl.gc_thresh2 and k.jiffies > tbl.last_flush + 5 * k.hz)
        if want_gc and not neigh_forced_gc(tbl) and full:
            printk.net_info_ratelimited(k, f"{tbl.id}: neighbor table overflow!")
            NEIGH_CACHE_STAT(tbl).table_fulls += 1
            return None
    n = neighbour(tbl, dev, 0, k.jiffies)
    n.flags = flags
    NEIGH_CACHE_STAT(tbl).allocs += 1
    tbl.entries += 1
    net = dev.nd_net
    tbl.net_entries[net] = tbl.net_entries.get(net, 0) + 1
    return n


def ___neigh_create(
    tbl: neigh_table, pkey: int, dev: net_device, flags: int, exempt_from_gc: bool, want_ref: bool
) -> neighbour | int:
    """Create (or return the existing) entry. -ENOBUFS when the table stays full.

    Kernel: net/core/neighbour.c ___neigh_create.
    """
    k = tbl.kernel
    n = neigh_alloc(tbl, dev, flags, exempt_from_gc)
    k.trace.neigh_create(tbl, dev, pkey, n, exempt_from_gc)
    if n is None:
        return -errno.ENOBUFS
    n.primary_key = pkey
    n.dev = dev
    err = tbl.constructor(n)
    if err < 0:
        neigh_release(n)
        return err
    pkey = n.primary_key
    n.confirmed = k.jiffies - (n.parms.base_reachable_time << 1)
    if tbl.entries > (1 << tbl.hash_shift):
        tbl.hash_shift += 1
        NEIGH_CACHE_STAT(tbl).hash_grows += 1
    if n.parms.dead:
        neigh_release(n)
        return -errno.EINVAL
    existing = tbl.hash_buckets.get((pkey, dev))
    if existing is not None:
        neigh_release(n)
        if want_ref:
            neigh_hold(existing)
        return existing
    n.dead = False
    if not exempt_from_gc:
        tbl.gc_list[n] = None
    if n.flags & NTF_MANAGED:
        tbl.managed_list[n] = None
    if want_ref:
        neigh_hold(n)
    tbl.hash_buckets[(pkey, dev)] = n
    return n


def __neigh_create(tbl: neigh_table, pkey: int, dev: net_device, want_ref: bool) -> neighbour | int:
    """Kernel: net/core/neighbour.c __neigh_create."""
    return ___neigh_create(tbl, pkey, dev, 0, False, want_ref)


def neigh_create(tbl: neigh_table, pkey: int, dev: net_device) -> neighbour | int:
    """Create with a reference for the caller. Kernel: include/net/neighbour.h neigh_create."""
    return __neigh_create(tbl, pkey, dev, True)


def __neigh_lookup(tbl: neigh_table, pkey: int, dev: net_device, creat: bool) -> neighbour | None:
    """Lookup, creating when `creat`; holds the result.

    Kernel: include/net/neighbour.h __neigh_lookup.
    """
    n = neigh_lookup(tbl, pkey, dev)
    if n is not None or not creat:
        return n
    res = neigh_create(tbl, pkey, dev)
    return res if isinstance(res, neighbour) else None


def neigh_event_ns(
    tbl: neigh_table, lladdr: bytes, saddr: int, dev: net_device
) -> neighbour | None:
    """Learn `saddr` at `lladdr` as STALE from a solicitation. Held result.

    Kernel: net/core/neighbour.c neigh_event_ns.
    """
    n = __neigh_lookup(tbl, saddr, dev, bool(lladdr) or not dev.addr_len)
    if n is not None:
        neigh_update(n, lladdr, NUD_STALE, NEIGH_UPDATE_F_OVERRIDE, 0)
    return n


# --- flush on device events ------------------------------------------------------------------


def neigh_flush_dev(tbl: neigh_table, dev: net_device | None, skip_perm: bool) -> None:
    """Remove the device's entries (all devices when None).
    Kernel: net/core/neighbour.c neigh_flush_dev.

    Entries still held elsewhere stay, dead, with a blackhole output (or NOARP when VALID).
    """
    for key, n in list(tbl.hash_buckets.items()):
        if dev is not None and n.dev is not dev:
            continue
        if skip_perm and n.nud_state & NUD_PERMANENT:
            continue
        del tbl.hash_buckets[key]
        neigh_del_timer(n)
        neigh_mark_dead(n)
        if n.refcnt != 1:
            _neigh_queue_purge(n, SKB_DROP_REASON.NEIGH_DEAD)
            n.output = neigh_blackhole
            n.nud_state = NUD_NOARP if n.nud_state & NUD_VALID else NUD_NONE
        neigh_cleanup_and_release(n)


def pneigh_ifdown(tbl: neigh_table, dev: net_device | None) -> None:
    """Drop the device's proxy entries. Kernel: net/core/neighbour.c pneigh_ifdown_and_unlock."""
    for key, pn in list(tbl.phash_buckets.items()):
        if dev is None or pn.dev is dev:
            del tbl.phash_buckets[key]


def pneigh_queue_purge(tbl: neigh_table, net: Net | None) -> None:
    """Free queued proxy requests of `net` (all when None).

    Kernel: net/core/neighbour.c pneigh_queue_purge.
    """
    keep: deque[tuple[int, sk_buff]] = deque()
    for when, skb in tbl.proxy_queue:
        if net is None or skb.dev.nd_net is net:
            skbmod.kfree_skb_reason(skb, SKB_DROP_REASON.NEIGH_DEAD)
        else:
            keep.append((when, skb))
    tbl.proxy_queue = keep
    if not keep:
        ktimer.del_timer(tbl.proxy_timer)


def __neigh_ifdown(tbl: neigh_table, dev: net_device | None, skip_perm: bool) -> int:
    """Kernel: net/core/neighbour.c __neigh_ifdown."""
    neigh_flush_dev(tbl, dev, skip_perm)
    pneigh_ifdown(tbl, dev)
    pneigh_queue_purge(tbl, dev.nd_net if dev is not None else None)
    return 0


def neigh_ifdown(tbl: neigh_table, dev: net_device | None) -> int:
    """NETDEV_DOWN: flush every entry of `dev`. Kernel: net/core/neighbour.c neigh_ifdown."""
    return __neigh_ifdown(tbl, dev, False)


def neigh_carrier_down(tbl: neigh_table, dev: net_device) -> int:
    """Carrier lost: flush all but PERMANENT entries.

    Kernel: net/core/neighbour.c neigh_carrier_down.
    """
    return __neigh_ifdown(tbl, dev, True)


def neigh_changeaddr(tbl: neigh_table, dev: net_device) -> None:
    """Our MAC changed: flush all but PERMANENT. Kernel: net/core/neighbour.c neigh_changeaddr."""
    neigh_flush_dev(tbl, dev, False)


# --- periodic gc -----------------------------------------------------------------------------


def neigh_periodic_work(tbl: neigh_table) -> None:
    """Every base_reachable_time/2: refresh reachable_time (each 300 s) and expire stale
    unused entries above gc_thresh1. Kernel: net/core/neighbour.c neigh_periodic_work.
    """
    k = tbl.kernel
    now = k.jiffies
    NEIGH_CACHE_STAT(tbl).periodic_gc_runs += 1
    if now > tbl.last_rand + 300 * k.hz:
        tbl.last_rand = now
        for p in tbl.parms_list:
            p.reachable_time = neigh_rand_reach_time(k, p.base_reachable_time)
    if tbl.entries >= tbl.gc_thresh1:
        for n in list(tbl.hash_buckets.values()):
            state = n.nud_state
            if state & (NUD_PERMANENT | NUD_IN_TIMER) or n.flags & NTF_EXT_LEARNED:
                continue
            if n.used < n.confirmed <= now:
                n.used = n.confirmed
            if n.refcnt == 1 and (
                state == NUD_FAILED or not n.used <= now < n.used + n.parms.gc_staletime
            ):
                del tbl.hash_buckets[(n.primary_key, n.dev)]
                neigh_mark_dead(n)
                neigh_cleanup_and_release(n)
    ktimer.mod_timer(tbl.gc_work, now + max(tbl.parms.base_reachable_time >> 1, 1))


def neigh_managed_work(tbl: neigh_table) -> None:
    """Every interval_probe_time_ms: keep NTF_MANAGED entries resolved (probe without a
    packet). Kernel: net/core/neighbour.c neigh_managed_work.
    """
    for n in list(tbl.managed_list):
        neigh_event_send_probe(n, None, False)
    ktimer.mod_timer(tbl.managed_work, tbl.kernel.jiffies + tbl.parms.interval_probe_time_ms)


# --- proxy -----------------------------------------------------------------------------------


def pneigh_lookup(
    tbl: neigh_table, net: Net, pkey: int, dev: net_device | None, creat: bool
) -> pneigh_entry | None:
    """Find the proxy entry for pkey on dev (or any device), creating it when `creat`.

    Kernel: net/core/neighbour.c pneigh_lookup / __pneigh_lookup_1.
    """
    pn = tbl.phash_buckets.get((net, pkey, dev))
    if pn is None and dev is not None:
        pn = tbl.phash_buckets.get((net, pkey, None))
    if pn is not None or not creat:
        return pn
    pn = pneigh_entry(net, pkey, dev)
    if tbl.pconstructor is not None and tbl.pconstructor(pn) < 0:
        return None
    tbl.phash_buckets[(net, pkey, dev)] = pn
    return pn


def pneigh_delete(tbl: neigh_table, net: Net, pkey: int, dev: net_device | None) -> int:
    """Kernel: net/core/neighbour.c pneigh_delete. 0 or -ENOENT."""
    if tbl.phash_buckets.pop((net, pkey, dev), None) is None:
        return -errno.ENOENT
    return 0


def neigh_proxy_delay(k: Kernel, p: neigh_parms) -> int:
    """Random delay in [0, proxy_delay). Kernel: net/core/neighbour.c neigh_proxy_delay."""
    return k.rng.get_random_u32_below(p.proxy_delay) if p.proxy_delay else 0


def pneigh_enqueue(tbl: neigh_table, p: neigh_parms, skb: sk_buff) -> None:
    """Queue a proxied request for a delayed answer; drops when over proxy_qlen.

    Owns `skb`. Kernel: net/core/neighbour.c pneigh_enqueue.
    """
    k = tbl.kernel
    sched_next = k.jiffies + neigh_proxy_delay(k, p)
    qlen = sum(1 for _, s in tbl.proxy_queue if s.dev is p.dev)
    if qlen > p.proxy_qlen:
        skbmod.kfree_skb_reason(skb, SKB_DROP_REASON.NOT_SPECIFIED)
        return
    skb.cb[NEIGH_CB_FLAGS] |= LOCALLY_ENQUEUED
    skbmod.skb_dst_drop(skb)
    tbl.proxy_queue.append((sched_next, skb))
    if not ktimer.timer_pending(tbl.proxy_timer) or tbl.proxy_timer.expires > sched_next:
        ktimer.mod_timer(tbl.proxy_timer, sched_next)


def neigh_proxy_process(tbl: neigh_table) -> None:
    """Answer the proxied requests whose delay expired (via `proxy_redo`; they carry
    LOCALLY_ENQUEUED so they are answered at once).
    Kernel: net/core/neighbour.c neigh_proxy_process.
    """
    k = tbl.kernel
    now = k.jiffies
    sched_next = 0
    keep: deque[tuple[int, sk_buff]] = deque()
    due: list[sk_buff] = []
    for when, skb in tbl.proxy_queue:
        if when <= now:
            due.append(skb)
        else:
            keep.append((when, skb))
            sched_next = when if not sched_next or when < sched_next else sched_next
    tbl.proxy_queue = keep
    for skb in due:
        if tbl.proxy_redo is not None and netdev.netif_running(skb.dev):
            tbl.proxy_redo(skb)
        else:
            skbmod.kfree_skb_reason(skb, SKB_DROP_REASON.NOT_SPECIFIED)
    if sched_next:
        ktimer.mod_timer(tbl.proxy_timer, sched_next)


# --- parms and table setup -------------------------------------------------------------------


def neigh_parms_alloc(dev: net_device, tbl: neigh_table) -> neigh_parms:
    """Per-device parms copied from the table's (init_net's default), following it until set.

    Kernel: net/core/neighbour.c neigh_parms_alloc.
    """
    k = tbl.kernel
    p = neigh_parms(tbl, k.hz)
    p.copy_from(tbl.parms)
    p.dev = dev
    p.net = dev.nd_net
    p.reachable_time = neigh_rand_reach_time(k, p.base_reachable_time)
    tbl.parms_list.append(p)
    return p


def neigh_parms_release(tbl: neigh_table, parms: neigh_parms) -> None:
    """Kernel: net/core/neighbour.c neigh_parms_release."""
    if parms in tbl.parms_list and parms is not tbl.parms:
        tbl.parms_list.remove(parms)
    parms.dead = True


def neigh_copy_dflt_parms(net: Net, p: neigh_parms, index: int) -> None:
    """A write to default.<var> reaches every device that did not set <var>.

    Kernel: net/core/neighbour.c neigh_copy_dflt_parms.
    """
    name = NEIGH_VARS[index]
    bit = 1 << index
    assert p.tbl is not None
    for dp in p.tbl.parms_list:
        if dp.dev is not None and dp.net is net and not dp.data_state & bit:
            setattr(dp, name, getattr(p, name))


def neigh_proc_update(p: neigh_parms, index: int) -> None:
    """After a sysctl write of NEIGH_VARS[index]: mark it set; default propagates.

    Kernel: net/core/neighbour.c neigh_proc_update.
    """
    p.data_state |= 1 << index
    if NEIGH_VARS[index] == "delay_probe_time":
        netevent.call_netevent_notifiers(netevent.NETEVENT_DELAY_PROBE_TIME_UPDATE, p)
    if p.dev is None and p.net is not None:
        neigh_copy_dflt_parms(p.net, p, index)


def neigh_table_init(k: Kernel, tbl: neigh_table) -> None:
    """Start the table's periodic gc and proxy timer; /proc/net/stat/<id> in init_net.

    Kernel: net/core/neighbour.c neigh_table_init.
    """
    tbl.parms.reachable_time = neigh_rand_reach_time(k, tbl.parms.base_reachable_time)
    ktimer.timer_setup(tbl.gc_work, lambda _t: neigh_periodic_work(tbl), 0)
    ktimer.timer_setup(tbl.proxy_timer, lambda _t: neigh_proxy_process(tbl), 0)
    ktimer.timer_setup(tbl.managed_work, lambda _t: neigh_managed_work(tbl), 0)
    ktimer.mod_timer(tbl.managed_work, k.jiffies)
    ktimer.mod_timer(tbl.gc_work, k.jiffies + tbl.parms.reachable_time)
    procfs.proc_create_net_single(
        k.init_net, f"net/stat/{tbl.id}", lambda _net: neigh_stat_seq_show(tbl)
    )


def neigh_stat_seq_show(tbl: neigh_table) -> str:
    """/proc/net/stat/<tbl>: the header, then one row per CPU (`entries` is the table's on
    every row), spaced as the kernel's format string spaces them.

    Kernel: net/core/neighbour.c neigh_stat_seq_show.
    """
    out = [
        "entries  allocs   destroys hash_grows lookups  hits     res_failed "
        "rcv_probes_mcast rcv_probes_ucast periodic_gc_runs forced_gc_runs "
        "unresolved_discards table_fulls\n"
    ]
    for s in tbl.stats:
        out.append(
            f"{tbl.entries:08x} {s.allocs:08x} {s.destroys:08x} {s.hash_grows:08x}   "
            f"{s.lookups:08x} {s.hits:08x} {s.res_failed:08x}   "
            f"{s.rcv_probes_mcast:08x}         {s.rcv_probes_ucast:08x}         "
            f"{s.periodic_gc_runs:08x}         {s.forced_gc_runs:08x}       "
            f"{s.unres_discards:08x}            {s.table_fulls:08x}\n"
        )
    return "".join(out)


# --- rtnetlink: ip neigh add/del/get/show ----------------------------------------------------


def neigh_fill_info(neigh: neighbour, pid: int, seq: int, type: int, flags: int) -> nlmsg:
    """One RTM_NEWNEIGH message for `neigh`: lladdr only when VALID, ages in clock_t.

    Kernel: net/core/neighbour.c neigh_fill_info.
    """
    k = neigh.tbl.kernel
    now = k.jiffies
    assert neigh.ops is not None
    hdr = ndmsg(
        family=neigh.ops.family, ifindex=neigh.dev.ifindex, state=neigh.nud_state,
        flags=neigh.flags & NTF_OLD_MASK, type=neigh.type,
    )
    attrs: dict[int, Any] = {NDA_DST: neigh.primary_key}
    if neigh.nud_state & NUD_VALID:
        attrs[NDA_LLADDR] = neigh.ha
    attrs[NDA_PROBES] = neigh.probes
    attrs[NDA_CACHEINFO] = nda_cacheinfo(
        ndm_confirmed=kjiffies.jiffies_to_clock_t(k, now - neigh.confirmed),
        ndm_used=kjiffies.jiffies_to_clock_t(k, now - neigh.used),
        ndm_updated=kjiffies.jiffies_to_clock_t(k, now - neigh.updated),
        ndm_refcnt=neigh.refcnt - 1,
    )
    if neigh.protocol:
        attrs[NDA_PROTOCOL] = neigh.protocol
    if neigh.flags >> NTF_EXT_SHIFT:
        attrs[NDA_FLAGS_EXT] = neigh.flags >> NTF_EXT_SHIFT
    return nlmsg(type=type, flags=flags, hdr=hdr, attrs=attrs, seq=seq, pid=pid)


def pneigh_fill_info(pn: pneigh_entry, pid: int, seq: int, type: int, flags: int,
                     tbl: neigh_table) -> nlmsg:
    """Kernel: net/core/neighbour.c pneigh_fill_info."""
    hdr = ndmsg(
        family=tbl.family, ifindex=pn.dev.ifindex if pn.dev is not None else 0,
        state=NUD_NONE, flags=(pn.flags & NTF_OLD_MASK) | NTF_PROXY, type=RTN_UNICAST,
    )
    attrs: dict[int, Any] = {NDA_DST: pn.key}
    if pn.protocol:
        attrs[NDA_PROTOCOL] = pn.protocol
    if pn.flags >> NTF_EXT_SHIFT:
        attrs[NDA_FLAGS_EXT] = pn.flags >> NTF_EXT_SHIFT
    return nlmsg(type=type, flags=flags, hdr=hdr, attrs=attrs, seq=seq, pid=pid)


def __neigh_notify(n: neighbour, type: int, flags: int, pid: int) -> None:
    """Multicast the entry to RTNLGRP_NEIGH listeners.

    Kernel: net/core/neighbour.c __neigh_notify.
    """
    net = n.dev.nd_net
    rtnetlink.rtnl_notify(net, RTNLGRP_NEIGH, neigh_fill_info(n, pid, 0, type, flags))


def neigh_notify_app(n: neighbour) -> None:
    """An app probe: RTM_GETNEIGH to user space daemons.

    Kernel: net/core/neighbour.c neigh_app_ns.
    """
    __neigh_notify(n, RTM_GETNEIGH, NLM_F_REQUEST, 0)


def neigh_find_table(k: Kernel, family: int) -> neigh_table | None:
    """Kernel: net/core/neighbour.c neigh_find_table (only ARP exists here)."""
    return arp_tbl(k) if family == AF_INET else None


def neigh_add(net: Net, msg: nlmsg, extack: rtnetlink.netlink_ext_ack) -> int:
    """RTM_NEWNEIGH: add/replace/change an entry or a proxy entry (`ip neigh add|replace|change`).

    Task context. Kernel: net/core/neighbour.c neigh_add.
    """
    flags = NEIGH_UPDATE_F_ADMIN | NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_OVERRIDE_ISROUTER
    attrs = msg.attrs
    ndm: ndmsg = msg.hdr
    if NDA_DST not in attrs:
        rtnetlink.NL_SET_ERR_MSG(extack, "Network address not specified")
        return -errno.EINVAL
    ndm_flags = ndm.flags | (attrs.get(NDA_FLAGS_EXT, 0) << NTF_EXT_SHIFT)
    dev = None
    lladdr: bytes | None = attrs.get(NDA_LLADDR)
    if ndm.ifindex:
        dev = netdev.__dev_get_by_index(net, ndm.ifindex)
        if dev is None:
            return -errno.ENODEV
        if lladdr is not None and len(lladdr) < dev.addr_len:
            rtnetlink.NL_SET_ERR_MSG(extack, "Invalid link address")
            return -errno.EINVAL
    tbl = neigh_find_table(net.kernel, ndm.family)
    if tbl is None:
        return -errno.EAFNOSUPPORT
    dst: int = attrs[NDA_DST]
    protocol: int = attrs.get(NDA_PROTOCOL, 0)
    if ndm_flags & NTF_PROXY:
        if ndm_flags & NTF_MANAGED:
            rtnetlink.NL_SET_ERR_MSG(extack, "Invalid NTF_* flag combination")
            return -errno.EINVAL
        pn = pneigh_lookup(tbl, net, dst, dev, True)
        if pn is None:
            return -errno.ENOBUFS
        pn.flags = ndm_flags
        pn.permanent = bool(ndm.state & NUD_PERMANENT)
        if protocol:
            pn.protocol = protocol
        return 0
    if dev is None:
        rtnetlink.NL_SET_ERR_MSG(extack, "Device not specified")
        return -errno.EINVAL
    neigh = neigh_lookup(tbl, dst, dev)
    if neigh is None:
        permanent = bool(ndm.state & NUD_PERMANENT)
        if not msg.flags & NLM_F_CREATE:
            return -errno.ENOENT
        if permanent and ndm_flags & NTF_MANAGED:
            rtnetlink.NL_SET_ERR_MSG(extack, "Invalid NTF_* flag for permanent entry")
            return -errno.EINVAL
        res = ___neigh_create(
            tbl, dst, dev, ndm_flags & (NTF_EXT_LEARNED | NTF_MANAGED),
            permanent or bool(ndm_flags & NTF_EXT_LEARNED), True,
        )
        if isinstance(res, int):
            return res
        neigh = res
    else:
        if msg.flags & NLM_F_EXCL:
            neigh_release(neigh)
            return -errno.EEXIST
        if not msg.flags & NLM_F_REPLACE:
            flags &= ~(NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_OVERRIDE_ISROUTER)
    if protocol:
        neigh.protocol = protocol
    if ndm_flags & NTF_EXT_LEARNED:
        flags |= NEIGH_UPDATE_F_EXT_LEARNED
    if ndm_flags & NTF_ROUTER:
        flags |= NEIGH_UPDATE_F_ISROUTER
    if ndm_flags & NTF_MANAGED:
        flags |= NEIGH_UPDATE_F_MANAGED
    if ndm_flags & NTF_USE:
        flags |= NEIGH_UPDATE_F_USE
    err = __neigh_update(neigh, lladdr, ndm.state, flags, msg.pid, extack)
    if not err and ndm_flags & (NTF_USE | NTF_MANAGED):
        neigh_event_send(neigh, None)
        err = 0
    neigh_release(neigh)
    return err


def neigh_delete(net: Net, msg: nlmsg, extack: rtnetlink.netlink_ext_ack) -> int:
    """RTM_DELNEIGH: FAILED (running invalidate), then unlinked if nobody holds it.

    Task context. Kernel: net/core/neighbour.c neigh_delete.
    """
    attrs = msg.attrs
    ndm: ndmsg = msg.hdr
    if NDA_DST not in attrs:
        rtnetlink.NL_SET_ERR_MSG(extack, "Network address not specified")
        return -errno.EINVAL
    dev = None
    if ndm.ifindex:
        dev = netdev.__dev_get_by_index(net, ndm.ifindex)
        if dev is None:
            return -errno.ENODEV
    tbl = neigh_find_table(net.kernel, ndm.family)
    if tbl is None:
        return -errno.EAFNOSUPPORT
    dst: int = attrs[NDA_DST]
    if ndm.flags & NTF_PROXY:
        return pneigh_delete(tbl, net, dst, dev)
    if dev is None:
        return -errno.EINVAL
    neigh = neigh_lookup(tbl, dst, dev)
    if neigh is None:
        return -errno.ENOENT
    err = __neigh_update(
        neigh, None, NUD_FAILED, NEIGH_UPDATE_F_OVERRIDE | NEIGH_UPDATE_F_ADMIN, msg.pid, extack
    )
    neigh_release(neigh)
    if not neigh.dead:
        neigh_remove_one(neigh)
    return err


def neigh_get(net: Net, msg: nlmsg, extack: rtnetlink.netlink_ext_ack) -> int:
    """RTM_GETNEIGH doit (`ip neigh get`): the entry (or proxy entry) as a unicast reply.

    Kernel: net/core/neighbour.c neigh_get, neigh_valid_get_req.
    """
    attrs = msg.attrs
    ndm: ndmsg = msg.hdr
    if ndm.state or ndm.type:
        rtnetlink.NL_SET_ERR_MSG(extack, "Invalid values in header for neighbor get request")
        return -errno.EINVAL
    if ndm.flags & ~NTF_PROXY:
        rtnetlink.NL_SET_ERR_MSG(extack, "Invalid flags in header for neighbor get request")
        return -errno.EINVAL
    tbl = neigh_find_table(net.kernel, ndm.family)
    if tbl is None:
        rtnetlink.NL_SET_ERR_MSG(extack, "Unsupported family in header for neighbor get request")
        return -errno.EAFNOSUPPORT
    if any(a != NDA_DST for a in attrs):
        rtnetlink.NL_SET_ERR_MSG(extack, "Unsupported attribute in neighbor get request")
        return -errno.EINVAL
    dev = None
    if ndm.ifindex:
        dev = netdev.__dev_get_by_index(net, ndm.ifindex)
        if dev is None:
            rtnetlink.NL_SET_ERR_MSG(extack, "Unknown device ifindex")
            return -errno.ENODEV
    dst = attrs.get(NDA_DST)
    if dst is None:
        rtnetlink.NL_SET_ERR_MSG(extack, "Network address not specified")
        return -errno.EINVAL
    if ndm.flags & NTF_PROXY:
        pn = pneigh_lookup(tbl, net, dst, dev, False)
        if pn is None:
            rtnetlink.NL_SET_ERR_MSG(extack, "Proxy neighbour entry not found")
            return -errno.ENOENT
        return rtnetlink.rtnl_unicast(pneigh_fill_info(pn, msg.pid, msg.seq, RTM_NEWNEIGH, 0, tbl),
                                      extack)
    if dev is None:
        rtnetlink.NL_SET_ERR_MSG(extack, "No device specified")
        return -errno.EINVAL
    neigh = neigh_lookup(tbl, dst, dev)
    if neigh is None:
        rtnetlink.NL_SET_ERR_MSG(extack, "Neighbour entry not found")
        return -errno.ENOENT
    reply = neigh_fill_info(neigh, msg.pid, msg.seq, RTM_NEWNEIGH, 0)
    neigh_release(neigh)
    return rtnetlink.rtnl_unicast(reply, extack)


def neigh_dump_info(net: Net, msg: nlmsg) -> list[nlmsg]:
    """RTM_GETNEIGH dump (`ip neigh show`): entries of `net`, or proxy entries when the
    request has NTF_PROXY; filtered by NDA_IFINDEX. Kernel: net/core/neighbour.c neigh_dump_info.
    """
    tbl = neigh_find_table(net.kernel, AF_INET)
    if tbl is None:
        return []
    ndm = msg.hdr
    filter_idx = msg.attrs.get(NDA_IFINDEX, 0)
    out: list[nlmsg] = []
    if ndm is not None and getattr(ndm, "flags", 0) & NTF_PROXY:
        for pn in tbl.phash_buckets.values():
            if pn.net is net and (not filter_idx or (pn.dev and pn.dev.ifindex == filter_idx)):
                out.append(pneigh_fill_info(pn, msg.pid, msg.seq, RTM_NEWNEIGH, NLM_F_MULTI, tbl))
        return out
    for n in tbl.hash_buckets.values():
        if n.dev.nd_net is not net or (filter_idx and n.dev.ifindex != filter_idx):
            continue
        out.append(neigh_fill_info(n, msg.pid, msg.seq, RTM_NEWNEIGH, NLM_F_MULTI))
    return out


def neigh_init(k: Kernel) -> None:
    """Register the neighbour rtnetlink handlers. Kernel: net/core/neighbour.c neigh_init."""
    rtnetlink.rtnl_register(k, AF_UNSPEC, RTM_NEWNEIGH, neigh_add, None)
    rtnetlink.rtnl_register(k, AF_UNSPEC, RTM_DELNEIGH, neigh_delete, None)
    rtnetlink.rtnl_register(k, AF_UNSPEC, RTM_GETNEIGH, neigh_get, neigh_dump_info)


# --- sysctl: net.ipv4.neigh.{default,DEV}.* --------------------------------------------------


def neigh_sysctl_register(dev: net_device | None, p: neigh_parms) -> int:
    """Register net.ipv4.neigh.<dev or default>.* for `p` (default also has gc_interval and
    gc_thresh1-3, the table's). Writes mark the variable set; default's propagate to devices
    that did not set theirs. Returns 0. Kernel: net/core/neighbour.c neigh_sysctl_register.
    """
    ks = ksysctl
    tbl = p.tbl
    assert tbl is not None
    net = dev.nd_net if dev is not None else tbl.kernel.init_net
    p.net = net

    def var(procname: str, attr: str, handler: Any, data_attr: str = "") -> Any:
        """One entry; writes mark NEIGH_VARS `attr` set (neigh_proc_update)."""
        index = NEIGH_VARS.index(attr)
        bounded = handler is ks.proc_dointvec_minmax

        def on_write(*_a: Any) -> None:
            neigh_proc_update(p, index)
            if attr == "base_reachable_time":
                p.reachable_time = neigh_rand_reach_time(tbl.kernel, p.base_reachable_time)

        return ks.ctl_table(
            procname, data=(p, data_attr or attr), proc_handler=handler,
            extra1=0 if bounded else None, extra2=INT_MAX if bounded else None,
            on_write=on_write,
        )

    zero_intmax = ks.proc_dointvec_minmax
    table = [
        var("mcast_solicit", "mcast_probes", zero_intmax),
        var("ucast_solicit", "ucast_probes", zero_intmax),
        var("app_solicit", "app_probes", zero_intmax),
        var("mcast_resolicit", "mcast_reprobes", zero_intmax),
        var("retrans_time", "retrans_time", ks.proc_dointvec_userhz_jiffies),
        var("base_reachable_time", "base_reachable_time", ks.proc_dointvec_jiffies),
        var("delay_first_probe_time", "delay_probe_time", ks.proc_dointvec_jiffies),
        var("interval_probe_time_ms", "interval_probe_time_ms", ks.proc_dointvec_ms_jiffies),
        var("gc_stale_time", "gc_staletime", ks.proc_dointvec_jiffies),
        var("unres_qlen_bytes", "queue_len_bytes", zero_intmax),
        var("proxy_qlen", "proxy_qlen", zero_intmax),
        var("anycast_delay", "anycast_delay", ks.proc_dointvec_userhz_jiffies),
        var("proxy_delay", "proxy_delay", ks.proc_dointvec_userhz_jiffies),
        var("locktime", "locktime", ks.proc_dointvec_userhz_jiffies),
        var("unres_qlen", "queue_len_bytes", zero_intmax, "unres_qlen"),
        var("retrans_time_ms", "retrans_time", ks.proc_dointvec_ms_jiffies),
        var("base_reachable_time_ms", "base_reachable_time", ks.proc_dointvec_ms_jiffies),
    ]
    if dev is None:
        table += [
            ks.ctl_table("gc_interval", data=(tbl, "gc_interval"),
                         proc_handler=ks.proc_dointvec_jiffies),
            *(
                ks.ctl_table(f"gc_thresh{i}", data=(tbl, f"gc_thresh{i}"),
                             proc_handler=zero_intmax, extra1=0, extra2=INT_MAX)
                for i in (1, 2, 3)
            ),
        ]
    name = dev.name if dev is not None else "default"
    p.sysctl_table = ks.register_net_sysctl(net, f"net/ipv4/neigh/{name}", table)
    return 0


def neigh_sysctl_unregister(p: neigh_parms) -> None:
    """Kernel: net/core/neighbour.c neigh_sysctl_unregister."""
    if p.sysctl_table is not None:
        ksysctl.unregister_net_sysctl_table(p.sysctl_table)
        p.sysctl_table = None

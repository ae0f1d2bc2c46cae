"""Generic fragment queues: the per-namespace directory, queue lookup, ordered insertion.

Kernel: net/ipv4/inet_fragment.c (fqdir_init, inet_frag_find, inet_frag_create,
inet_frag_kill, inet_frag_destroy, inet_frag_queue_insert, inet_frag_queue_flush),
include/net/inet_frag.h. The kernel's rb-tree of fragment *runs* (contiguous fragments
appended at the tail share a run) is a list of runs sorted by offset; a fragment that falls
inside one run is a duplicate, one that crosses a run boundary an overlap — the same
decisions the kernel makes. Memory is accounted by skb truesize against `high_thresh`.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import TYPE_CHECKING

from skbuff.kernel import timer
from skbuff.net.core import skbuff
from skbuff.net.core.dropreason import SKB_DROP_REASON

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff

INET_FRAG_FIRST_IN = 1 << 0
INET_FRAG_LAST_IN = 1 << 1
INET_FRAG_COMPLETE = 1 << 2
INET_FRAG_HASH_DEAD = 1 << 3
INET_FRAG_DROP = 1 << 4

IPFRAG_OK = 0
IPFRAG_DUP = 1
IPFRAG_OVERLAP = 2


class frag_run:
    """One run: fragments received back to back, covering [offset, end).

    Kernel: net/ipv4/inet_fragment.c fragrun_create.
    """

    __slots__ = ("end", "offset", "skbs")

    def __init__(self, offset: int, end: int, skb: sk_buff) -> None:
        self.offset = offset
        self.end = end
        self.skbs: list[tuple[int, sk_buff]] = [(offset, skb)]


class fqdir:
    """struct fqdir: one namespace's queues for one protocol, with its sysctls.

    Kernel: include/net/inet_frag.h struct fqdir. `timeout` is in jiffies. `peer_rid` stands
    in for inet_peer.rid (fragments seen per (saddr, vif)), counted while queues exist.
    """

    __slots__ = ("dead", "expire", "high_thresh", "low_thresh", "max_dist", "mem", "net",
                 "peer_rid", "queues", "timeout")

    def __init__(self, net: Net, expire: Callable[[inet_frag_queue], None]) -> None:
        self.net = net
        self.high_thresh = 4 * 1024 * 1024
        self.low_thresh = 3 * 1024 * 1024
        self.timeout = 30 * net.kernel.hz
        self.max_dist = 64
        self.mem = 0
        self.dead = False
        self.expire = expire
        self.queues: dict[tuple[int, ...], inet_frag_queue] = {}
        self.peer_rid: dict[tuple[int, int], list[int]] = {}


class inet_frag_queue:
    """struct inet_frag_queue (plus the IPv4 `ipq` fields ecn, max_df_size, iif, rid).

    Kernel: include/net/inet_frag.h struct inet_frag_queue; net/ipv4/ip_fragment.c struct ipq.
    """

    __slots__ = (
        "ecn",
        "flags",
        "fqdir",
        "iif",
        "key",
        "len",
        "max_df_size",
        "max_size",
        "meat",
        "peer",
        "rid",
        "runs",
        "stamp",
        "timer",
    )

    def __init__(self, fq_dir: fqdir, key: tuple[int, ...], peer: tuple[int, int] | None
                 ) -> None:
        self.fqdir = fq_dir
        self.key = key
        self.runs: list[frag_run] = []
        self.flags = 0
        self.len = 0
        self.meat = 0
        self.max_size = 0
        self.stamp = 0
        self.ecn = 0
        self.max_df_size = 0
        self.iif = 0
        self.rid = 0
        self.peer = peer
        self.timer = timer.timer_list()

    def fragments(self) -> list[tuple[int, sk_buff]]:
        """Every queued (offset, skb), in offset order."""
        return [frag for run in self.runs for frag in run.skbs]


def frag_mem_limit(fq_dir: fqdir) -> int:
    """Kernel: include/net/inet_frag.h frag_mem_limit."""
    return fq_dir.mem


def inet_frag_find(fq_dir: fqdir, key: tuple[int, ...], peer: tuple[int, int] | None
                   ) -> inet_frag_queue | None:
    """The queue for `key`, created (timer armed for `timeout`) if absent; None when the
    namespace is over `high_thresh` or dying. Kernel: net/ipv4/inet_fragment.c inet_frag_find.
    """
    if not fq_dir.high_thresh or fq_dir.mem > fq_dir.high_thresh or fq_dir.dead:
        return None
    q = fq_dir.queues.get(key)
    if q is not None:
        return q
    q = inet_frag_queue(fq_dir, key, peer)
    if peer is not None:
        entry = fq_dir.peer_rid.setdefault(peer, [0, 0])
        entry[1] += 1
    timer.timer_setup(q.timer, lambda _t: fq_dir.expire(q), 0)
    timer.mod_timer(q.timer, fq_dir.net.kernel.jiffies + fq_dir.timeout)
    fq_dir.queues[key] = q
    return q


def inet_frag_kill(q: inet_frag_queue) -> None:
    """Stop the timer, unhash, mark complete; then free what is queued.

    Kernel: net/ipv4/inet_fragment.c inet_frag_kill + the final inet_frag_put →
    inet_frag_destroy (queued fragments are consumed, or dropped with FRAG_REASM_TIMEOUT
    when the queue expired).
    """
    if q.flags & INET_FRAG_COMPLETE:
        return
    timer.del_timer(q.timer)
    q.flags |= INET_FRAG_COMPLETE
    fq_dir = q.fqdir
    if fq_dir.queues.get(q.key) is q:
        del fq_dir.queues[q.key]
    if q.peer is not None:
        entry = fq_dir.peer_rid[q.peer]
        entry[1] -= 1
        if not entry[1]:
            del fq_dir.peer_rid[q.peer]
    reason = (SKB_DROP_REASON.FRAG_REASM_TIMEOUT if q.flags & INET_FRAG_DROP
              else SKB_DROP_REASON.CONSUMED)
    inet_frag_queue_flush(q, reason)


def inet_frag_queue_flush(q: inet_frag_queue, reason: SKB_DROP_REASON) -> None:
    """Free every queued fragment with `reason` and give back its memory.

    Kernel: net/ipv4/inet_fragment.c inet_frag_queue_flush, inet_frag_rbtree_purge.
    """
    fq_dir = q.fqdir
    for _, skb in q.fragments():
        fq_dir.mem -= skb.truesize
        if reason == SKB_DROP_REASON.CONSUMED:
            skbuff.consume_skb(skb)
        else:
            skbuff.kfree_skb_reason(skb, reason)
    q.runs = []


def inet_frag_queue_insert(q: inet_frag_queue, skb: sk_buff, offset: int, end: int) -> int:
    """Place a fragment covering [offset, end): IPFRAG_OK, IPFRAG_DUP (inside one run) or
    IPFRAG_OVERLAP (anything else that touches queued data). The skb is queued only on OK.

    Kernel: net/ipv4/inet_fragment.c inet_frag_queue_insert.
    """
    runs = q.runs
    if not runs or runs[-1].end <= offset:
        if runs and runs[-1].end == offset:
            last = runs[-1]
            last.skbs.append((offset, skb))
            last.end = end
        else:
            runs.append(frag_run(offset, end, skb))
        return IPFRAG_OK
    starts = [r.offset for r in runs]
    i = bisect.bisect_right(starts, offset) - 1
    if i >= 0 and offset < runs[i].end:
        return IPFRAG_DUP if end <= runs[i].end else IPFRAG_OVERLAP
    nxt = runs[i + 1]
    if end > nxt.offset:
        return IPFRAG_OVERLAP
    runs.insert(i + 1, frag_run(offset, end, skb))
    return IPFRAG_OK


def fqdir_exit(fq_dir: fqdir) -> None:
    """Namespace teardown: kill every queue.

    Kernel: net/ipv4/inet_fragment.c fqdir_pre_exit/fqdir_exit.
    """
    fq_dir.dead = True
    for q in list(fq_dir.queues.values()):
        inet_frag_kill(q)

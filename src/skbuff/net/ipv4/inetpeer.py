"""Long-lived per-destination state: the inet_peer cache and its ICMP token bucket.

Kernel: net/ipv4/inetpeer.c, include/net/inetpeer.h. One `inet_peer_base` per namespace
(`net.ipv4.peers`); peers are keyed by (address, vif). route.c uses them for redirect
pacing (`rate_tokens`, `rate_last`, `n_redirects`) and the `ip_error` rate limit; icmp.c for
`icmpv4_xrlim_allow`. The kernel's rb-tree becomes a dict (insertion order = age), and the
garbage collection pass looks at up to PEER_MAX_GC of the oldest entries on each insert.
"""

from __future__ import annotations

from typing import Any

from skbuff.kernel.current import current_kernel

PEER_MAX_GC = 32
XRLIM_BURST_FACTOR = 6
INET_PEER_THRESHOLD = 65536 + 128
INET_PEER_MINTTL_SECS = 120
INET_PEER_MAXTTL_SECS = 600


class inet_peer:
    """struct inet_peer. `dtime` is the jiffies of the last put (used by gc).

    Kernel: include/net/inetpeer.h struct inet_peer.
    """

    __slots__ = (
        "daddr",
        "dtime",
        "metrics",
        "n_redirects",
        "rate_last",
        "rate_tokens",
        "refcnt",
        "vif",
    )

    def __init__(self, daddr: int, vif: int, now: int, hz: int) -> None:
        self.daddr = daddr
        self.vif = vif
        self.metrics = [0] * 17
        self.rate_tokens = 0
        self.n_redirects = 0
        self.rate_last = now - 60 * hz
        self.dtime = now & 0xFFFFFFFF
        self.refcnt = 1


class inet_peer_base:
    """struct inet_peer_base. `kernel` supplies jiffies and HZ.

    Kernel: include/net/inetpeer.h struct inet_peer_base.
    """

    __slots__ = ("kernel", "peers", "total")

    def __init__(self, kernel: Any) -> None:
        self.peers: dict[tuple[int, int], inet_peer] = {}
        self.total = 0
        self.kernel = kernel


def inet_peer_base_init(kernel: Any) -> inet_peer_base:
    """Kernel: net/ipv4/inetpeer.c inet_peer_base_init."""
    return inet_peer_base(kernel)


def inet_peer_gc(base: inet_peer_base, candidates: list[inet_peer]) -> None:
    """Free unreferenced peers idle longer than a ttl that shrinks as the cache fills.

    Kernel: net/ipv4/inetpeer.c inet_peer_gc.
    """
    k = base.kernel
    hz = k.hz
    if base.total >= INET_PEER_THRESHOLD:
        ttl = 0
    else:
        maxttl = INET_PEER_MAXTTL_SECS * hz
        minttl = INET_PEER_MINTTL_SECS * hz
        ttl = maxttl - (maxttl - minttl) // hz * base.total // INET_PEER_THRESHOLD * hz
    now32 = k.jiffies & 0xFFFFFFFF
    for p in candidates:
        if (now32 - p.dtime) & 0xFFFFFFFF < ttl or p.refcnt != 1:
            continue
        p.refcnt = 0
        del base.peers[(p.daddr, p.vif)]
        base.total -= 1


def inet_getpeer_v4(base: inet_peer_base, v4daddr: int, vif: int, create: int
                    ) -> inet_peer | None:
    """The peer for (v4daddr, vif) with a reference taken, created if `create`; None if
    absent and not created. The caller drops it with `inet_putpeer`.

    Kernel: include/net/inetpeer.h inet_getpeer_v4 → net/ipv4/inetpeer.c inet_getpeer.
    """
    key = (v4daddr, vif)
    p = base.peers.get(key)
    if p is not None:
        p.refcnt += 1
        return p
    if not create:
        return None
    k = base.kernel
    candidates = []
    for q in base.peers.values():
        candidates.append(q)
        if len(candidates) == PEER_MAX_GC:
            break
    if candidates:
        inet_peer_gc(base, candidates)
    p = inet_peer(v4daddr, vif, k.jiffies, k.hz)
    p.refcnt = 2
    base.peers[key] = p
    base.total += 1
    return p


def inet_putpeer(p: inet_peer | None) -> None:
    """Drop a reference, stamping `dtime` with the current jiffies.

    Kernel: net/ipv4/inetpeer.c inet_putpeer.
    """
    if p is None:
        return
    p.dtime = current_kernel().jiffies & 0xFFFFFFFF
    p.refcnt -= 1


def inet_peer_xrlim_allow(peer: inet_peer | None, timeout: int) -> bool:
    """Token bucket: one token per jiffy, capped at 6*timeout; a send costs `timeout`.
    No peer (allocation failed) always allows. Reads the current kernel's jiffies.

    Kernel: net/ipv4/inetpeer.c inet_peer_xrlim_allow.
    """
    if peer is None:
        return True
    now = current_kernel().jiffies
    token = peer.rate_tokens + (now - peer.rate_last)
    peer.rate_last = now
    if token > XRLIM_BURST_FACTOR * timeout:
        token = XRLIM_BURST_FACTOR * timeout
    allowed = token >= timeout
    if allowed:
        token -= timeout
    peer.rate_tokens = token
    return allowed


def inetpeer_invalidate_tree(base: inet_peer_base) -> None:
    """Drop every peer (namespace exit). Kernel: net/ipv4/inetpeer.c inetpeer_invalidate_tree."""
    base.peers.clear()
    base.total = 0

"""Protocol-independent destination cache entries.

Kernel: include/net/dst.h, include/net/dst_ops.h, net/core/dst.c. A `dst_entry` is what a
route lookup hands to the packet: the output device, the `input`/`output` functions the skb
follows next, metrics (MTU, advmss, lock bits) and an error for reject routes. Metrics are a
list indexed by `RTAX_* - 1`, like the kernel's u32 array; `dst_default_metrics` is shared
read-only (copy before writing, as `dst_metrics_write_ptr` does).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from skbuff.kernel.bug import KernelBug
from skbuff.net.core import skbuff as core_skbuff
from skbuff.uapi import rtnetlink as uapi_rt

if TYPE_CHECKING:
    from skbuff.net.core.dev import net_device
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff

DST_NOXFRM = 0x0002
DST_NOPOLICY = 0x0004
DST_NOCOUNT = 0x0008
DST_FAKE_RTABLE = 0x0010
DST_XFRM_TUNNEL = 0x0020
DST_XFRM_QUEUE = 0x0040
DST_METADATA = 0x0080

DST_OBSOLETE_NONE = 0
DST_OBSOLETE_DEAD = 2
DST_OBSOLETE_FORCE_CHK = -1
DST_OBSOLETE_KILL = -2

DST_METRICS_LEN = 17  # RTAX_MAX
dst_default_metrics: tuple[int, ...] = (0,) * DST_METRICS_LEN

DstInput = Callable[["sk_buff"], int]
DstOutput = Callable[["Net", Any, "sk_buff"], int]


class dst_ops:
    """struct dst_ops: the family's callbacks. Kernel: include/net/dst_ops.h."""

    __slots__ = (
        "check",
        "default_advmss",
        "destroy",
        "family",
        "link_failure",
        "mtu",
        "redirect",
        "update_pmtu",
    )

    def __init__(
        self,
        family: int,
        check: Callable[[dst_entry, int], dst_entry | None],
        default_advmss: Callable[[dst_entry], int],
        mtu: Callable[[dst_entry], int],
        update_pmtu: Callable[[dst_entry, Any, Any, int, bool], None] | None = None,
        redirect: Callable[[dst_entry, Any, Any], None] | None = None,
        link_failure: Callable[[Any], None] | None = None,
        destroy: Callable[[dst_entry], None] | None = None,
    ) -> None:
        self.family = family
        self.check = check
        self.default_advmss = default_advmss
        self.mtu = mtu
        self.update_pmtu = update_pmtu
        self.redirect = redirect
        self.link_failure = link_failure
        self.destroy = destroy


class dst_entry:
    """struct dst_entry. `_metrics` is a tuple (shared, read-only) or a private list.

    Kernel: include/net/dst.h struct dst_entry.
    """

    __slots__ = (
        "__refcnt",
        "__use",
        "_metrics",
        "dev",
        "error",
        "expires",
        "flags",
        "header_len",
        "input",
        "lastuse",
        "obsolete",
        "ops",
        "output",
        "tclassid",
        "trailer_len",
    )

    def __init__(self, ops: dst_ops, dev: net_device | None, initial_obsolete: int,
                 flags: int, now: int) -> None:
        self.dev = dev
        self.ops = ops
        self._metrics: tuple[int, ...] | list[int] = dst_default_metrics
        self.expires = 0
        self.input: DstInput = dst_discard
        self.output: DstOutput = dst_discard_out
        self.flags = flags
        self.obsolete = initial_obsolete
        self.header_len = 0
        self.trailer_len = 0
        self.__refcnt = 1
        self.__use = 0
        self.lastuse = now
        self.error = 0
        self.tclassid = 0

    @property
    def refcnt(self) -> int:
        """rcuref_read(&dst->__rcuref)."""
        return self.__refcnt

    @property
    def use(self) -> int:
        """dst->__use: lookups that returned this dst (RTA_CACHEINFO rta_used)."""
        return self.__use

    def _get(self) -> None:
        if self.__refcnt <= 0:
            raise KernelBug("dst_hold on a released dst_entry")
        self.__refcnt += 1

    def _put(self) -> int:
        self.__refcnt -= 1
        return self.__refcnt

    def _use(self, time: int) -> None:
        self.__use += 1
        self.lastuse = time

    def _used(self, time: int) -> None:
        if time != self.lastuse:
            self.__use += 1
            self.lastuse = time


def dst_init(dst: dst_entry, ops: dst_ops, dev: net_device | None, initial_obsolete: int,
             flags: int, now: int) -> None:
    """Re-initialise `dst` in place. Kernel: net/core/dst.c dst_init."""
    dst_entry.__init__(dst, ops, dev, initial_obsolete, flags, now)


def dst_alloc(ops: dst_ops, dev: net_device | None, initial_obsolete: int, flags: int,
              now: int) -> dst_entry:
    """A new dst with one reference held by the caller. Kernel: net/core/dst.c dst_alloc.

    `now` is the jiffies value for `lastuse` (the kernel reads `jiffies`).
    """
    return dst_entry(ops, dev, initial_obsolete, flags, now)


def dst_hold(dst: dst_entry) -> None:
    """Take a reference. Kernel: include/net/dst.h dst_hold (WARN on a dead refcount)."""
    dst._get()


def dst_clone(dst: dst_entry | None) -> dst_entry | None:
    """dst_hold and return. Kernel: include/net/dst.h dst_clone."""
    if dst is not None:
        dst._get()
    return dst


def dst_release(dst: dst_entry | None) -> None:
    """Drop a reference; at zero `ops.destroy` runs and the dst is gone.

    Kernel: net/core/dst.c dst_release → dst_destroy.
    """
    if dst is None:
        return
    left = dst._put()
    if left == 0:
        if dst.ops.destroy is not None:
            dst.ops.destroy(dst)
    elif left < 0:
        raise KernelBug("dst_release: refcount underflow")


def dst_use(dst: dst_entry, time: int) -> None:
    """Take a reference and count a use (the pre-4.x form every cache hit used).

    Kernel: include/net/dst.h dst_use (removed in 4.13).
    """
    dst._get()
    dst._use(time)


def dst_use_noref(dst: dst_entry, time: int) -> None:
    """Count a use at `time` (jiffies). Kernel: include/net/dst.h dst_use_noref."""
    dst._used(time)


def dst_metric_raw(dst: dst_entry, metric: int) -> int:
    """Kernel: include/net/dst.h dst_metric_raw."""
    return dst._metrics[metric - 1]


def dst_metric(dst: dst_entry, metric: int) -> int:
    """Kernel: include/net/dst.h dst_metric."""
    return dst._metrics[metric - 1]


def dst_metric_locked(dst: dst_entry, metric: int) -> bool:
    """True if `metric`'s lock bit is set. Kernel: include/net/dst.h dst_metric_locked."""
    return bool(dst._metrics[uapi_rt.RTAX_LOCK - 1] & (1 << metric))


def dst_metrics_write_ptr(dst: dst_entry) -> list[int]:
    """The writable metrics, copying the shared ones first.

    Kernel: include/net/dst.h dst_metrics_write_ptr.
    """
    m = dst._metrics
    if isinstance(m, tuple):
        m = list(m)
        dst._metrics = m
    return m


def dst_metric_set(dst: dst_entry, metric: int, val: int) -> None:
    """Kernel: include/net/dst.h dst_metric_set."""
    dst_metrics_write_ptr(dst)[metric - 1] = val


def dst_init_metrics(dst: dst_entry, src_metrics: tuple[int, ...] | list[int],
                     read_only: bool) -> None:
    """Point the dst at `src_metrics` (shared when read_only).

    Kernel: include/net/dst.h dst_init_metrics.
    """
    dst._metrics = tuple(src_metrics) if read_only else src_metrics


def dst_metric_advmss(dst: dst_entry) -> int:
    """Kernel: include/net/dst.h dst_metric_advmss."""
    advmss = dst._metrics[uapi_rt.RTAX_ADVMSS - 1]
    return advmss if advmss else dst.ops.default_advmss(dst)


def dst_mtu(dst: dst_entry) -> int:
    """Kernel: include/net/dst.h dst_mtu (ops->mtu, i.e. ipv4_mtu for IPv4)."""
    return dst.ops.mtu(dst)


def dst_check(dst: dst_entry, cookie: int) -> dst_entry | None:
    """The dst if still valid, else None. Kernel: include/net/dst.h dst_check."""
    if dst.obsolete:
        return dst.ops.check(dst, cookie)
    return dst


def dst_dev_put(dst: dst_entry) -> None:
    """The device is going away: make the dst discard. Kernel: net/core/dst.c dst_dev_put."""
    dst.obsolete = DST_OBSOLETE_DEAD
    dst.input = dst_discard
    dst.output = dst_discard_out


def dst_discard_out(net: Net, sk: Any, skb: sk_buff) -> int:
    """Free the skb, report success. Kernel: net/core/dst.c dst_discard_out."""
    core_skbuff.kfree_skb(skb)
    return 0


def dst_discard(skb: sk_buff) -> int:
    """Input that frees the skb. Kernel: include/net/dst.h dst_discard."""
    core_skbuff.kfree_skb(skb)
    return 0


def dst_input(skb: sk_buff) -> int:
    """Hand the skb to its dst's input. Kernel: include/net/dst.h dst_input."""
    dst: dst_entry = core_skbuff.skb_dst(skb)
    return dst.input(skb)


def dst_output(net: Net, sk: Any, skb: sk_buff) -> int:
    """Hand the skb to its dst's output. Kernel: include/net/dst.h dst_output."""
    dst: dst_entry = core_skbuff.skb_dst(skb)
    return dst.output(net, sk, skb)

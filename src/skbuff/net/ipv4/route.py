"""IPv4 routes as packets see them: input/output lookups, rtable dsts, nexthop and exception
caches, PMTU and redirects, `ip_error`, `ip route get`, /proc/net/rt_cache and stat/rt_cache.

Kernel: net/ipv4/route.c, include/net/route.h, include/net/ip.h (ip_dst_mtu_maybe_forward).
There is no route cache (removed in 3.6): an input lookup caches its dst on the nexthop
(`nhc_rth_input`), an output lookup per CPU (`nhc_pcpu_rth_output`), and per-destination
exceptions (`fib_nh_exception`: learned PMTU, redirect gateway) carry their own dsts. All are
invalidated lazily by bumping `net.ipv4.rt_genid` (`rt_cache_flush`).

Global route sysctls (gc_*, redirect_*, error_*) live in one `ip_rt_globals` per kernel that
every namespace points to (`net.ipv4.ip_rt`), and are registered in init_net only, as the
kernel does; min_pmtu, mtu_expires, min_adv_mss and flush are per namespace.
"""

from __future__ import annotations

import errno
import struct
from typing import TYPE_CHECKING, Any

from skbuff.kernel import jiffies as kjiffies
from skbuff.kernel import printk, procfs
from skbuff.kernel import sysctl as ksysctl
from skbuff.kernel import timer as ktimer
from skbuff.kernel.timer import timer_list
from skbuff.net import flow
from skbuff.net.core import dst as core_dst
from skbuff.net.core import neighbour, net_namespace, netevent, rtnetlink
from skbuff.net.core import skbuff as core_skbuff
from skbuff.net.core.dropreason import SKB_DROP_REASON
from skbuff.net.ipv4 import (
    devinet,
    fib_frontend,
    fib_semantics,
    fib_trie,
    icmp,
    inetpeer,
    ip_fib,
    ip_forward,
    ip_input,
    ip_options,
    ip_output,
)
from skbuff.net.ipv4 import fib_rules as ipv4_fib_rules
from skbuff.uapi import if_link, ip, snmp
from skbuff.uapi import rtnetlink as uapi_rt
from skbuff.uapi.icmp import (
    ICMP_DEST_UNREACH,
    ICMP_HOST_UNREACH,
    ICMP_NET_UNREACH,
    ICMP_PKT_FILTERED,
    ICMP_REDIR_HOST,
    ICMP_REDIR_HOSTTOS,
    ICMP_REDIRECT,
)
from skbuff.uapi.if_ether import ETH_P_IP
from skbuff.uapi.in_ import (
    INADDR_BROADCAST,
    INADDR_LOOPBACK,
    IPPROTO_DCCP,
    IPPROTO_ICMP,
    IPPROTO_IGMP,
    IPPROTO_SCTP,
    IPPROTO_TCP,
    IPPROTO_UDP,
    IPPROTO_UDPLITE,
    ipv4_is_lbcast,
    ipv4_is_local_multicast,
    ipv4_is_loopback,
    ipv4_is_multicast,
    ipv4_is_zeronet,
)
from skbuff.uapi.in_route import (
    RTCF_BROADCAST,
    RTCF_DOREDIRECT,
    RTCF_LOCAL,
    RTCF_MULTICAST,
    RTCF_NOTIFY,
    RTCF_REDIRECTED,
)
from skbuff.uapi.inet import ntoa
from skbuff.uapi.ip import IP_OFFSET, IPTOS_TOS_MASK

if TYPE_CHECKING:
    from skbuff.net.core.dev import net_device
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff
    from skbuff.net.flow import flowi4
    from skbuff.net.ipv4.fib_decision import DecisionRecord

L4_PORT_PROTOS = frozenset((IPPROTO_TCP, IPPROTO_UDP, IPPROTO_DCCP, IPPROTO_SCTP, IPPROTO_UDPLITE))
IP_MAX_MTU = 0xFFFF
IPV4_MAX_PMTU = 65535
IGMP_ALL_HOSTS = 0xE0000001
INET_DSCP_MASK = 0xFC
INVALID_UID = 0xFFFFFFFF
FNHE_HASH_SHIFT = 11
FNHE_HASH_SIZE = 1 << FNHE_HASH_SHIFT
FNHE_RECLAIM_DEPTH = 5
GOLDEN_RATIO_32 = 0x61C88647

# /proc/net/stat/rt_cache columns, in rt_cpu_seq_show order (struct rt_cache_stat plus the
# fields 3.6 fixed at zero).
RT_CACHE_STAT_COLUMNS = (
    "entries", "in_hit", "in_slow_tot", "in_slow_mc", "in_no_route", "in_brd",
    "in_martian_dst", "in_martian_src", "out_hit", "out_slow_tot", "out_slow_mc",
    "gc_total", "gc_ignored", "gc_goal_miss", "gc_dst_overflow", "in_hlist_search",
    "out_hlist_search",
)
_STAT = {name: i for i, name in enumerate(RT_CACHE_STAT_COLUMNS)}
IN_SLOW_TOT = _STAT["in_slow_tot"]
IN_SLOW_MC = _STAT["in_slow_mc"]
IN_NO_ROUTE = _STAT["in_no_route"]
IN_BRD = _STAT["in_brd"]
IN_MARTIAN_DST = _STAT["in_martian_dst"]
IN_MARTIAN_SRC = _STAT["in_martian_src"]
OUT_SLOW_TOT = _STAT["out_slow_tot"]
OUT_SLOW_MC = _STAT["out_slow_mc"]


class rt_timer(timer_list):
    """A route-cache timer that knows its `ip_rt_globals` (the kernel's from_timer)."""

    __slots__ = ("owner",)

    def __init__(self, owner: ip_rt_globals) -> None:
        super().__init__()
        self.owner = owner


class ip_rt_globals:
    """The kernel-wide route tunables (static ints in route.c), the per-CPU rt_cache_stat
    counters and the classic-mode hash table. Values in jiffies where the kernel keeps
    jiffies. Create inside the running kernel (the classic-mode timers bind to it).

    Kernel: net/ipv4/route.c.
    """

    __slots__ = (
        "cache_mode",
        "dst_entries",
        "error_burst",
        "error_cost",
        "gc_elasticity",
        "gc_interval",
        "gc_min_interval",
        "gc_thresh",
        "gc_timeout",
        "gc_timer",
        "kernel",
        "last_gc",
        "max_size",
        "redirect_load",
        "redirect_number",
        "redirect_silence",
        "rt_cache_stat",
        "rt_hash_entries",
        "rt_hash_table",
        "rt_uncached_list",
        "secret_interval",
        "secret_timer",
    )

    def __init__(self, kernel: Any) -> None:
        hz = kernel.hz
        self.kernel = kernel
        self.redirect_number = 9
        self.redirect_load = hz // 50
        self.redirect_silence = (hz // 50) << (9 + 1)
        self.error_cost = hz
        self.error_burst = 5 * hz
        self.gc_timeout = 300 * hz
        self.gc_interval = 60 * hz
        self.gc_min_interval = hz // 2
        self.gc_elasticity = 8
        self.gc_thresh = -1
        self.max_size = 0x7FFFFFFF
        self.rt_cache_stat = [[0] * len(RT_CACHE_STAT_COLUMNS) for _ in kernel.cpus]
        self.dst_entries = 0
        self.cache_mode = "modern"
        self.rt_hash_table: list[list[rt_cache_entry]] = []
        self.rt_hash_entries = 0
        self.last_gc = 0
        self.secret_interval = 600 * hz
        self.gc_timer = rt_timer(self)
        ktimer.timer_setup(self.gc_timer, rt_check_expire, 0)
        self.secret_timer = rt_timer(self)
        ktimer.timer_setup(self.secret_timer, rt_secret_rebuild, 0)
        self.rt_uncached_list: set[rtable] = set()


def RT_CACHE_STAT_INC(net: Net, field: int) -> None:
    """Bump this CPU's rt_cache_stat counter. Kernel: net/ipv4/route.c RT_CACHE_STAT_INC."""
    k = net.kernel
    net.ipv4.ip_rt.rt_cache_stat[k.this_cpu().id][field] += 1


class fib_nh_exception:
    """struct fib_nh_exception: per-destination state hung off a nexthop.

    Kernel: include/net/ip_fib.h. Owned by route.c; lives in `nhc.nhc_exceptions`
    (a list of FNHE_HASH_SIZE bucket lists, allocated on first use).
    """

    __slots__ = (
        "fnhe_daddr",
        "fnhe_expires",
        "fnhe_genid",
        "fnhe_gw",
        "fnhe_mtu_locked",
        "fnhe_pmtu",
        "fnhe_rth_input",
        "fnhe_rth_output",
        "fnhe_stamp",
    )

    def __init__(self, daddr: int, genid: int) -> None:
        self.fnhe_daddr = daddr
        self.fnhe_genid = genid
        self.fnhe_gw = 0
        self.fnhe_pmtu = 0
        self.fnhe_mtu_locked = False
        self.fnhe_expires = 0
        self.fnhe_rth_input: rtable | None = None
        self.fnhe_rth_output: rtable | None = None
        self.fnhe_stamp = 0


class rtable(core_dst.dst_entry):
    """struct rtable: an IPv4 dst. `rt.dst` is the rtable itself (the kernel embeds it first).

    Kernel: include/net/route.h.
    """

    __slots__ = (
        "rt_flags",
        "rt_genid",
        "rt_gw4",
        "rt_gw_family",
        "rt_iif",
        "rt_is_input",
        "rt_mtu_locked",
        "rt_pmtu",
        "rt_type",
        "rt_uses_gateway",
    )

    def __init__(self, dev: net_device, flags: int, type: int, dst_flags: int, now: int,
                 genid: int) -> None:
        super().__init__(ipv4_dst_ops, dev, core_dst.DST_OBSOLETE_FORCE_CHK, dst_flags, now)
        self.rt_genid = genid
        self.rt_flags = flags
        self.rt_type = type
        self.rt_is_input = 0
        self.rt_uses_gateway = 0
        self.rt_iif = 0
        self.rt_gw_family = 0
        self.rt_gw4 = 0
        self.rt_mtu_locked = 0
        self.rt_pmtu = 0

    @property
    def dst(self) -> rtable:
        return self

    def __repr__(self) -> str:
        dev = self.dev.name if self.dev is not None else "-"
        return (f"<rtable type={self.rt_type} dev={dev} flags={self.rt_flags:#x} "
                f"gw={ntoa(self.rt_gw4)} err={self.error} "
                f"input={self.input.__name__.lstrip('_')} "
                f"output={self.output.__name__.lstrip('_')}>")


def skb_rtable(skb: sk_buff) -> rtable:
    """Kernel: include/net/route.h skb_rtable."""
    rt: rtable = core_skbuff.skb_dst(skb)
    return rt


def rt_is_input_route(rt: rtable) -> bool:
    """Kernel: include/net/route.h rt_is_input_route."""
    return rt.rt_is_input != 0


def rt_is_output_route(rt: rtable) -> bool:
    """Kernel: include/net/route.h rt_is_output_route."""
    return rt.rt_is_input == 0


def rt_nexthop(rt: rtable, daddr: int) -> int:
    """The gateway if the route uses one, else the destination. Kernel: include/net/route.h."""
    return rt.rt_gw4 if rt.rt_gw_family else daddr


def rt_genid_ipv4(net: Net) -> int:
    """Kernel: include/net/net_namespace.h rt_genid_ipv4."""
    gen: int = net.ipv4.rt_genid
    return gen


def rt_genid_bump_ipv4(net: Net) -> None:
    """Kernel: include/net/net_namespace.h rt_genid_bump_ipv4."""
    net.ipv4.rt_genid += 1


def fnhe_genid(net: Net) -> int:
    """Kernel: include/net/net_namespace.h fnhe_genid."""
    gen: int = net.ipv4.fnhe_genid
    return gen


def rt_cache_flush(net: Net) -> None:
    """Invalidate every cached IPv4 dst of `net` (lazily, by generation); the classic mode
    also empties its hash table, as 2.6 did. Kernel: net/ipv4/route.c rt_cache_flush."""
    rt_genid_bump_ipv4(net)
    g: ip_rt_globals | None = net.ipv4.ip_rt
    if g is not None and g.rt_hash_entries:
        rt_run_flush(g, net)


def rt_is_expired(rt: rtable) -> bool:
    """Kernel: net/ipv4/route.c rt_is_expired."""
    dev = rt.dev
    assert dev is not None
    return rt.rt_genid != rt_genid_ipv4(dev.nd_net)


def rt_nh_cache_enabled(net: Net) -> bool:
    """Nexthop/exception dst caching is on (modern mode); the classic mode caches per flow in
    rt_hash_table instead, as 2.6 did."""
    g: ip_rt_globals = net.ipv4.ip_rt
    return g.cache_mode != "classic"


def rt_cache_valid(rt: rtable | None) -> bool:
    """A cached dst usable as is. Kernel: net/ipv4/route.c rt_cache_valid."""
    return (rt is not None and rt.obsolete == core_dst.DST_OBSOLETE_FORCE_CHK
            and not rt_is_expired(rt))


def ipv4_dst_check(dst: core_dst.dst_entry, cookie: int) -> core_dst.dst_entry | None:
    """Kernel: net/ipv4/route.c ipv4_dst_check."""
    assert isinstance(dst, rtable)
    if dst.obsolete != core_dst.DST_OBSOLETE_FORCE_CHK or rt_is_expired(dst):
        return None
    return dst


def ip_mtu_locked(dst: core_dst.dst_entry) -> bool:
    """Kernel: include/net/ip.h ip_mtu_locked."""
    assert isinstance(dst, rtable)
    return bool(dst.rt_mtu_locked or core_dst.dst_metric_locked(dst, uapi_rt.RTAX_MTU))


# dst metrics hold RTAX_* (1-based) at index RTAX_* - 1; the lock word has bit 1 << RTAX_*
_RTAX_LOCK_IDX = uapi_rt.RTAX_LOCK - 1
_RTAX_MTU_IDX = uapi_rt.RTAX_MTU - 1
_RTAX_MTU_LOCK = 1 << uapi_rt.RTAX_MTU


def ip_dst_mtu_maybe_forward(dst: rtable, forwarding: bool) -> int:
    """Learned PMTU (if unexpired and, when forwarding, allowed), else the route's mtu
    metric, else the device MTU (576 cap for locked gatewayed routes).

    Kernel: include/net/ip.h ip_dst_mtu_maybe_forward (runs twice per forwarded packet:
    ip_mtu_locked, dst_metric_raw and min_t are expanded in line, as the compiler does).
    """
    dev = dst.dev
    assert dev is not None
    net = dev.nd_net
    metrics = dst._metrics
    locked = dst.rt_mtu_locked or metrics[_RTAX_LOCK_IDX] & _RTAX_MTU_LOCK
    if net.ipv4.sysctl_ip_fwd_use_pmtu or locked or not forwarding:
        mtu = dst.rt_pmtu
        if mtu and kjiffies.time_before(net.kernel.jiffies, dst.expires):
            return mtu if mtu < IP_MAX_MTU else IP_MAX_MTU
    mtu = metrics[_RTAX_MTU_IDX]
    if not mtu:
        mtu = dev.mtu
        if locked and dst.rt_uses_gateway and mtu > 576:
            mtu = 576
    return mtu if mtu < IP_MAX_MTU else IP_MAX_MTU


def ipv4_mtu(dst: core_dst.dst_entry) -> int:
    """dst_ops.mtu for IPv4. Kernel: net/ipv4/route.c ipv4_mtu."""
    assert isinstance(dst, rtable)
    return ip_dst_mtu_maybe_forward(dst, False)


def ipv4_default_advmss(dst: core_dst.dst_entry) -> int:
    """MTU minus 40, at least min_adv_mss. Kernel: net/ipv4/route.c ipv4_default_advmss."""
    header_size = 40
    dev = dst.dev
    assert dev is not None
    mtu = core_dst.dst_metric_raw(dst, uapi_rt.RTAX_MTU) or dev.mtu
    advmss = max(mtu - header_size, dev.nd_net.ipv4.ip_rt_min_advmss)
    return min(advmss, IPV4_MAX_PMTU - header_size)


def ipv4_link_failure(skb: sk_buff) -> None:
    """Neighbour resolution failed: host unreachable to the sender, expire the PMTU.

    Kernel: net/ipv4/route.c ipv4_link_failure.
    """
    icmp.icmp_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0)
    rt = skb_rtable(skb)
    if rt is not None:
        rt.expires = 0


def _ipv4_dst_update_pmtu(dst: core_dst.dst_entry, sk: Any, skb: Any, mtu: int,
                          confirm_neigh: bool) -> None:
    """dst_ops.update_pmtu. Kernel: net/ipv4/route.c ip_rt_update_pmtu."""
    ip_rt_update_pmtu(dst, sk, skb, mtu, confirm_neigh)


def ipv4_dst_destroy(dst: core_dst.dst_entry) -> None:
    """The last reference went: one IPv4 dst fewer, off the uncached list.

    Kernel: net/ipv4/route.c ipv4_dst_destroy.
    """
    dev = dst.dev
    if dev is not None:
        g: ip_rt_globals = dev.nd_net.ipv4.ip_rt
        g.dst_entries -= 1
        g.rt_uncached_list.discard(dst)


def rt_add_uncached_list(rt: rtable) -> None:
    """Track a dst no cache holds, so a vanishing device can be detached from it.

    Kernel: net/ipv4/route.c rt_add_uncached_list.
    """
    dev = rt.dev
    assert dev is not None
    dev.nd_net.ipv4.ip_rt.rt_uncached_list.add(rt)


def rt_flush_dev(dev: net_device) -> None:
    """NETDEV_UNREGISTER: uncached dsts still using `dev` stop using it (they discard, and
    point at the namespace's loopback: the kernel's blackhole_netdev stand-in).

    Kernel: net/ipv4/route.c rt_flush_dev. Process context, RTNL held.
    """
    g: ip_rt_globals = dev.nd_net.ipv4.ip_rt
    for rt in [rt for rt in g.rt_uncached_list if rt.dev is dev]:
        g.rt_uncached_list.discard(rt)
        core_dst.dst_dev_put(rt)
        rt.dev = dev.nd_net.loopback_dev


ipv4_dst_ops = core_dst.dst_ops(
    family=uapi_rt.AF_INET, check=ipv4_dst_check, default_advmss=ipv4_default_advmss,
    mtu=ipv4_mtu, update_pmtu=_ipv4_dst_update_pmtu, link_failure=ipv4_link_failure,
    destroy=ipv4_dst_destroy,
)


def ip_rt_bug(net: Net, sk: Any, skb: sk_buff) -> int:
    """Output of an input-only dst: a kernel bug; the skb is freed.

    Kernel: net/ipv4/route.c ip_rt_bug.
    """
    printk.pr_debug(net.kernel, f"ip_rt_bug: {ntoa(core_skbuff.ip_hdr(skb).saddr)} -> "
                               f"{ntoa(core_skbuff.ip_hdr(skb).daddr)}, "
                               f"{skb.dev.name if skb.dev is not None else '?'}")
    core_skbuff.kfree_skb(skb)
    return 0


def rt_dst_alloc(dev: net_device, flags: int, type: int, noxfrm: bool) -> rtable:
    """A fresh rtable (one reference), output ip_output, input ip_local_deliver if LOCAL.

    Kernel: net/ipv4/route.c rt_dst_alloc.
    """
    net = dev.nd_net
    rt = rtable(dev, flags, type, core_dst.DST_NOXFRM if noxfrm else 0, net.kernel.jiffies,
                rt_genid_ipv4(net))
    net.ipv4.ip_rt.dst_entries += 1
    rt.output = ip_output.ip_output
    if flags & RTCF_LOCAL:
        rt.input = ip_input.ip_local_deliver
    return rt


# --- nexthop exceptions --------------------------------------------------------------------


def fnhe_hashfun(daddr: int) -> int:
    """Bucket of `daddr` (hash_32; the kernel keys a siphash).

    Kernel: net/ipv4/route.c fnhe_hashfun.
    """
    return ((daddr * GOLDEN_RATIO_32) & 0xFFFFFFFF) >> (32 - FNHE_HASH_SHIFT)


def fnhe_flush_routes(fnhe: fib_nh_exception) -> None:
    """Kill the exception's cached dsts. Kernel: net/ipv4/route.c fnhe_flush_routes."""
    for rt in (fnhe.fnhe_rth_input, fnhe.fnhe_rth_output):
        if rt is not None:
            core_dst.dst_dev_put(rt)
            core_dst.dst_release(rt)
    fnhe.fnhe_rth_input = None
    fnhe.fnhe_rth_output = None


def fill_route_from_fnhe(rt: rtable, fnhe: fib_nh_exception) -> None:
    """Kernel: net/ipv4/route.c fill_route_from_fnhe."""
    rt.rt_pmtu = fnhe.fnhe_pmtu
    rt.rt_mtu_locked = int(fnhe.fnhe_mtu_locked)
    rt.expires = fnhe.fnhe_expires
    if fnhe.fnhe_gw:
        rt.rt_flags |= RTCF_REDIRECTED
        rt.rt_uses_gateway = 1
        rt.rt_gw_family = uapi_rt.AF_INET
        rt.rt_gw4 = fnhe.fnhe_gw


def ip_del_fnhe(nhc: ip_fib.fib_nh_common, daddr: int) -> None:
    """Remove the exception for `daddr`. Kernel: net/ipv4/route.c ip_del_fnhe."""
    hash_ = nhc.nhc_exceptions
    if hash_ is None:
        return
    chain: list[fib_nh_exception] = hash_[fnhe_hashfun(daddr)]
    for fnhe in chain:
        if fnhe.fnhe_daddr == daddr:
            chain.remove(fnhe)
            fnhe_flush_routes(fnhe)
            return


def find_exception(nhc: ip_fib.fib_nh_common, daddr: int) -> fib_nh_exception | None:
    """The unexpired exception for `daddr`; an expired one is deleted.

    Kernel: net/ipv4/route.c find_exception.
    """
    hash_ = nhc.nhc_exceptions
    if hash_ is None:
        return None
    for fnhe in hash_[fnhe_hashfun(daddr)]:
        if fnhe.fnhe_daddr == daddr:
            dev = nhc.nhc_dev
            assert dev is not None
            if fnhe.fnhe_expires and kjiffies.time_after(dev.nd_net.kernel.jiffies,
                                                         fnhe.fnhe_expires):
                ip_del_fnhe(nhc, daddr)
                return None
            return fnhe
    return None


def update_or_create_fnhe(nhc: ip_fib.fib_nh_common, daddr: int, gw: int, pmtu: int,
                          lock: bool, expires: int) -> None:
    """Record a redirect gateway and/or PMTU for `daddr` on `nhc`; a new exception makes the
    nexthop's cached dsts re-check. Chains past a random depth in [5, 10) lose their oldest.

    Kernel: net/ipv4/route.c update_or_create_fnhe.
    """
    dev = nhc.nhc_dev
    assert dev is not None
    net = dev.nd_net
    k = net.kernel
    genid = fnhe_genid(net)
    if nhc.nhc_exceptions is None:
        nhc.nhc_exceptions = [[] for _ in range(FNHE_HASH_SIZE)]
    chain: list[fib_nh_exception] = nhc.nhc_exceptions[fnhe_hashfun(daddr)]
    fnhe = next((f for f in chain if f.fnhe_daddr == daddr), None)
    if fnhe is not None:
        fnhe.fnhe_genid = genid
        if gw:
            fnhe.fnhe_gw = gw
        if pmtu:
            fnhe.fnhe_pmtu = pmtu
            fnhe.fnhe_mtu_locked = lock
        fnhe.fnhe_expires = max(1, expires)
        for rt in (fnhe.fnhe_rth_input, fnhe.fnhe_rth_output):
            if rt is not None:
                fill_route_from_fnhe(rt, fnhe)
    else:
        max_depth = FNHE_RECLAIM_DEPTH + k.rng.get_random_u32_below(FNHE_RECLAIM_DEPTH)
        while len(chain) > max_depth:
            oldest = min(chain, key=lambda f: f.fnhe_stamp)
            chain.remove(oldest)
            fnhe_flush_routes(oldest)
        fnhe = fib_nh_exception(daddr, genid)
        fnhe.fnhe_gw = gw
        fnhe.fnhe_pmtu = pmtu
        fnhe.fnhe_mtu_locked = lock
        fnhe.fnhe_expires = max(1, expires)
        chain.insert(0, fnhe)
        rt_in = nhc.nhc_rth_input
        if rt_in is not None:
            rt_in.obsolete = core_dst.DST_OBSOLETE_KILL
        for rt_out in nhc.nhc_pcpu_rth_output:
            if rt_out is not None:
                rt_out.obsolete = core_dst.DST_OBSOLETE_KILL
    fnhe.fnhe_stamp = k.jiffies


def rt_bind_exception(rt: rtable, fnhe: fib_nh_exception, daddr: int, do_cache: bool) -> bool:
    """Apply the exception to `rt` (resetting a stale one) and cache `rt` on it.

    Kernel: net/ipv4/route.c rt_bind_exception.
    """
    if daddr != fnhe.fnhe_daddr:
        return False
    dev = rt.dev
    assert dev is not None
    net = dev.nd_net
    is_input = rt_is_input_route(rt)
    orig = fnhe.fnhe_rth_input if is_input else fnhe.fnhe_rth_output
    genid = fnhe_genid(net)
    if fnhe.fnhe_genid != genid:
        fnhe.fnhe_genid = genid
        fnhe.fnhe_gw = 0
        fnhe.fnhe_pmtu = 0
        fnhe.fnhe_expires = 0
        fnhe.fnhe_mtu_locked = False
        fnhe_flush_routes(fnhe)
        orig = None
    fill_route_from_fnhe(rt, fnhe)
    if not rt.rt_gw4:
        rt.rt_gw4 = daddr
        rt.rt_gw_family = uapi_rt.AF_INET
    cached = False
    if do_cache:
        core_dst.dst_hold(rt)
        if is_input:
            fnhe.fnhe_rth_input = rt
        else:
            fnhe.fnhe_rth_output = rt
        if orig is not None:
            core_dst.dst_dev_put(orig)
            core_dst.dst_release(orig)
        cached = True
    fnhe.fnhe_stamp = net.kernel.jiffies
    return cached


def rt_cache_route(nhc: ip_fib.fib_nh_common, rt: rtable) -> bool:
    """Cache `rt` on the nexthop (input slot, or this CPU's output slot; the per-CPU list is
    sized on first use).

    Kernel: net/ipv4/route.c rt_cache_route.
    """
    core_dst.dst_hold(rt)
    if rt_is_input_route(rt):
        orig = nhc.nhc_rth_input
        nhc.nhc_rth_input = rt
    else:
        dev = rt.dev
        assert dev is not None
        k = dev.nd_net.kernel
        slots: list[rtable | None] = nhc.nhc_pcpu_rth_output
        if len(slots) < len(k.cpus):
            slots.extend([None] * (len(k.cpus) - len(slots)))
        cpu = k.this_cpu().id
        orig = slots[cpu]
        slots[cpu] = rt
    if orig is not None:
        core_dst.dst_release(orig)
    return True


def rt_set_nexthop(rt: rtable, daddr: int, res: ip_fib.fib_result,
                   fnhe: fib_nh_exception | None, fi: ip_fib.fib_info | None, type: int,
                   itag: int, do_cache: bool) -> None:
    """Gateway, metrics and classid from the FIB result; bind to an exception or cache.

    Kernel: net/ipv4/route.c rt_set_nexthop.
    """
    if fi is None:
        rt_add_uncached_list(rt)
        return
    nhc = ip_fib.FIB_RES_NHC(res)
    if nhc.nhc_gw_family and nhc.nhc_scope == uapi_rt.RT_SCOPE_LINK:
        rt.rt_uses_gateway = 1
        rt.rt_gw_family = nhc.nhc_gw_family
        rt.rt_gw4 = nhc.nhc_gw
    core_dst.dst_init_metrics(rt, fi.fib_metrics, True)
    if isinstance(nhc, ip_fib.fib_nh):
        rt.tclassid = nhc.nh_tclassid
    if fnhe is not None:
        cached = rt_bind_exception(rt, fnhe, daddr, do_cache)
    elif do_cache:
        cached = rt_cache_route(nhc, rt)
    else:
        cached = False
    if not cached:
        if not rt.rt_gw4:
            rt.rt_gw_family = uapi_rt.AF_INET
            rt.rt_gw4 = daddr
        rt_add_uncached_list(rt)


# --- input ---------------------------------------------------------------------------------


def ip_handle_martian_source(dev: net_device, in_dev: Any, skb: sk_buff, daddr: int,
                             saddr: int) -> None:
    """Count (and, with log_martians, log with the link-layer header) a martian source.

    Kernel: net/ipv4/route.c ip_handle_martian_source.
    """
    net = dev.nd_net
    RT_CACHE_STAT_INC(net, IN_MARTIAN_SRC)
    if not devinet.IN_DEV_LOG_MARTIANS(in_dev):
        return
    k = net.kernel
    if printk.net_warn_ratelimited(
            k, f"martian source {ntoa(daddr)} from {ntoa(saddr)}, on dev {dev.name}") \
            and dev.hard_header_len and core_skbuff.skb_mac_header_was_set(skb):
        off = core_skbuff.skb_mac_header(skb)
        ll = bytes(skb.buf[off:off + dev.hard_header_len])
        for i in range(0, len(ll), 16):
            chunk = " ".join(f"{b:02x}" for b in ll[i:i + 16])
            printk.printk(k, printk.KERN_WARNING, f"ll header: {i:08x}: {chunk}")


def _martian_destination(net: Net, in_dev: Any, dev: net_device, daddr: int,
                         saddr: int) -> int:
    RT_CACHE_STAT_INC(net, IN_MARTIAN_DST)
    if devinet.IN_DEV_LOG_MARTIANS(in_dev):
        printk.net_warn_ratelimited(
            net.kernel, f"martian destination {ntoa(daddr)} from {ntoa(saddr)}, dev {dev.name}")
    return -errno.EINVAL


def __mkroute_input(skb: sk_buff, res: ip_fib.fib_result, in_dev: Any, daddr: int,
                    saddr: int, tos: int) -> int:
    """Build (or reuse the cached) forwarding dst; sets IPSKB_DOREDIRECT when the packet
    leaves by the interface it came in on towards an on-link source.

    Kernel: net/ipv4/route.c __mkroute_input. Softirq context; the dst goes to the skb.
    """
    nhc = res.nhc  # FIB_RES_NHC(res)
    assert nhc is not None
    dev = nhc.nhc_dev
    out_dev = dev.ip_ptr if dev is not None else None  # __in_dev_get_rcu
    if out_dev is None or dev is None:
        return -errno.EINVAL
    itag = [0]
    err: int = fib_frontend.fib_validate_source(skb, saddr, daddr, tos, nhc.nhc_oif,
                                                in_dev.dev, in_dev, itag)
    if err < 0:
        ip_handle_martian_source(in_dev.dev, in_dev, skb, daddr, saddr)
        return err
    # rt_nh_cache_enabled(net), in line
    do_cache = (res.fi is not None and not itag[0]
                and dev.nd_net.ipv4.ip_rt.cache_mode != "classic")
    if out_dev is in_dev and err and devinet.IN_DEV_TX_REDIRECTS(out_dev) \
            and skb.protocol == ETH_P_IP:
        gw = nhc.nhc_gw if nhc.nhc_gw_family == uapi_rt.AF_INET else 0
        if devinet.IN_DEV_SHARED_MEDIA(out_dev) or devinet.inet_addr_onlink(out_dev, saddr, gw):
            ip_options.IPCB(skb).flags |= ip_options.IPSKB_DOREDIRECT
    if skb.protocol != ETH_P_IP and out_dev is in_dev \
            and not devinet.IN_DEV_PROXY_ARP_PVLAN(in_dev):
        return -errno.EINVAL
    fnhe = find_exception(nhc, daddr) if nhc.nhc_exceptions is not None else None
    if do_cache:
        rth = fnhe.fnhe_rth_input if fnhe is not None else nhc.nhc_rth_input
        # rt_cache_valid(rth) and skb_dst_set_noref, in line (the per-packet cache hit)
        if (rth is not None and rth.obsolete == core_dst.DST_OBSOLETE_FORCE_CHK
                and rth.rt_genid == dev.nd_net.ipv4.rt_genid):
            skb._skb_refdst = rth
            skb._skb_dst_noref = True
            return 0
    rth = rt_dst_alloc(out_dev.dev, 0, res.type, False)
    rth.rt_is_input = 1
    RT_CACHE_STAT_INC(dev.nd_net, IN_SLOW_TOT)
    rth.input = ip_forward.ip_forward
    rt_set_nexthop(rth, daddr, res, fnhe, res.fi, res.type, itag[0], do_cache)
    core_skbuff.skb_dst_set(skb, rth)
    return 0


def ip_mkroute_input(skb: sk_buff, res: ip_fib.fib_result, in_dev: Any, daddr: int,
                     saddr: int, tos: int) -> int:
    """Pick the multipath leg (L3 hash), then __mkroute_input.

    Kernel: net/ipv4/route.c ip_mkroute_input.
    """
    fi = res.fi
    # fib_info_num_path(fi) > 1 (fib_nhs is 0 with a nexthop object, 1 for a plain path)
    if fi is not None and fi.fib_nhs != 1 and ip_fib.fib_info_num_path(fi) > 1:
        fl4 = flow.flowi4(saddr=saddr, daddr=daddr)
        net = in_dev.dev.nd_net
        fib_semantics.fib_select_multipath(res, fib_semantics.fib_multipath_hash(net, fl4, skb))
    return __mkroute_input(skb, res, in_dev, daddr, saddr, tos)


def _local_input(skb: sk_buff, net: Net, dev: net_device, res: ip_fib.fib_result, flags: int,
                 err: int, itag: int, do_cache: bool) -> int:
    """The local_input label of ip_route_input_slow: local, broadcast and no-route dsts."""
    do_cache = do_cache and res.fi is not None and not itag
    nhc = ip_fib.FIB_RES_NHC(res) if do_cache else None
    if nhc is not None:
        rth = nhc.nhc_rth_input
        if rt_cache_valid(rth):
            core_skbuff.skb_dst_set_noref(skb, rth)
            return 0
    out = net.loopback_dev
    assert out is not None
    rth = rt_dst_alloc(out, flags | RTCF_LOCAL, res.type, False)
    rth.output = ip_rt_bug
    rth.tclassid = itag
    rth.rt_is_input = 1
    RT_CACHE_STAT_INC(net, IN_SLOW_TOT)
    if res.type == uapi_rt.RTN_UNREACHABLE:
        rth.input = ip_error
        rth.error = -err
        rth.rt_flags &= ~RTCF_LOCAL
    if nhc is not None:
        rt_cache_route(nhc, rth)
    core_skbuff.skb_dst_set(skb, rth)
    return 0


def fib4_rules_early_flow_dissect(skb: sk_buff, fl4: flowi4) -> None:
    """Protocol and ports from the packet, for rules that match on them (only dissected
    while such rules exist). Kernel: include/net/ip_fib.h fib4_rules_early_flow_dissect."""
    iph = core_skbuff.ip_hdr(skb)
    proto = iph.protocol
    fl4.flowi4_proto = proto
    if proto in L4_PORT_PROTOS and not iph.frag_off & IP_OFFSET:
        off = core_skbuff.skb_network_header(skb) + iph.ihl * 4
        if off + 4 <= skb.tail:
            fl4.fl4_sport, fl4.fl4_dport = struct.unpack_from("!HH", skb.buf, off)


def ip_route_input_slow(skb: sk_buff, daddr: int, saddr: int, tos: int, dev: net_device,
                        res: ip_fib.fib_result, rec: DecisionRecord | None = None) -> int:
    """Route a received packet: martian checks, fib_lookup, then a local, broadcast,
    forwarding or no-route (ip_error) dst attached to the skb. Returns 0 or -errno (the
    skb keeps no dst then; the caller drops it). `rec` receives the lookup's decisions.

    Kernel: net/ipv4/route.c ip_route_input_slow. Softirq context.
    """
    net = dev.nd_net
    in_dev = dev.ip_ptr  # __in_dev_get_rcu
    if in_dev is None:
        return -errno.EINVAL
    if skb._skb_refdst is not None:
        core_skbuff.skb_dst_drop(skb)
    # the address-class tests below are ipv4_is_multicast/lbcast/zeronet/loopback, inlined
    # on the per-packet path
    if (saddr & 0xF0000000) == 0xE0000000 or saddr == INADDR_BROADCAST:
        ip_handle_martian_source(dev, in_dev, skb, daddr, saddr)
        return -errno.EINVAL
    res.fi = None
    res.table = None
    do_cache = True
    if not (daddr == INADDR_BROADCAST or (saddr == 0 and daddr == 0)):
        s8 = saddr >> 24
        d8 = daddr >> 24
        if s8 == 0:
            ip_handle_martian_source(dev, in_dev, skb, daddr, saddr)
            return -errno.EINVAL
        if d8 == 0:
            return _martian_destination(net, in_dev, dev, daddr, saddr)
        if d8 == 127:
            if not devinet.IN_DEV_NET_ROUTE_LOCALNET(in_dev, net):
                return _martian_destination(net, in_dev, dev, daddr, saddr)
        elif s8 == 127 and not devinet.IN_DEV_NET_ROUTE_LOCALNET(in_dev, net):
            ip_handle_martian_source(dev, in_dev, skb, daddr, saddr)
            return -errno.EINVAL
        # the kernel fills its on-stack flowi4 field by field; the rest stay zero
        fl4 = flow.flowi4()
        fl4.flowi4_iif = dev.ifindex
        fl4.flowi4_mark = skb.mark
        fl4.flowi4_tos = tos
        fl4.daddr = daddr
        fl4.saddr = saddr
        fl4.decision = rec
        if net.ipv4.fib_rules_require_fldissect:
            fib4_rules_early_flow_dissect(skb, fl4)
        err = ipv4_fib_rules.fib_lookup(net, fl4, res, 0)
        if err:
            if not devinet.IN_DEV_FORWARD(in_dev):
                err = -errno.EHOSTUNREACH
            return _no_route(skb, net, dev, res, err)
        if res.type == uapi_rt.RTN_BROADCAST:
            if devinet.IN_DEV_BFORWARD(in_dev):
                return ip_mkroute_input(skb, res, in_dev, daddr, saddr, tos)
            if devinet.IPV4_DEVCONF_ALL(net, devinet.IPV4_DEVCONF_BC_FORWARDING):
                do_cache = False
        elif res.type == uapi_rt.RTN_LOCAL:
            itag = [0]
            err = fib_frontend.fib_validate_source(skb, saddr, daddr, tos, 0, dev, in_dev,
                                                   itag)
            if err < 0:
                ip_handle_martian_source(dev, in_dev, skb, daddr, saddr)
                return err
            return _local_input(skb, net, dev, res, 0, 0, itag[0],
                                rt_nh_cache_enabled(net))
        else:
            if not in_dev.cnf.data[devinet.IPV4_DEVCONF_FORWARDING - 1]:  # IN_DEV_FORWARD
                return _no_route(skb, net, dev, res, -errno.EHOSTUNREACH)
            if res.type != uapi_rt.RTN_UNICAST:
                return _martian_destination(net, in_dev, dev, daddr, saddr)
            return ip_mkroute_input(skb, res, in_dev, daddr, saddr, tos)
    # brd_input
    if skb.protocol != ETH_P_IP:
        return -errno.EINVAL
    itag = [0]
    if not ipv4_is_zeronet(saddr):
        err = fib_frontend.fib_validate_source(skb, saddr, 0, tos, 0, dev, in_dev, itag)
        if err < 0:
            ip_handle_martian_source(dev, in_dev, skb, daddr, saddr)
            return err
    res.type = uapi_rt.RTN_BROADCAST
    RT_CACHE_STAT_INC(net, IN_BRD)
    return _local_input(skb, net, dev, res, RTCF_BROADCAST, 0, itag[0],
                        do_cache and rt_nh_cache_enabled(net))


def _no_route(skb: sk_buff, net: Net, dev: net_device, res: ip_fib.fib_result, err: int) -> int:
    RT_CACHE_STAT_INC(net, IN_NO_ROUTE)
    res.type = uapi_rt.RTN_UNREACHABLE
    res.fi = None
    res.table = None
    return _local_input(skb, net, dev, res, 0, err, 0, rt_nh_cache_enabled(net))


def ip_route_input_mc(skb: sk_buff, daddr: int, saddr: int, tos: int, dev: net_device,
                      our: int) -> int:
    """Multicast input dst: local delivery if we joined the group.

    Kernel: net/ipv4/route.c ip_route_input_mc (no multicast forwarding).
    """
    net = dev.nd_net
    in_dev = devinet.__in_dev_get_rtnl(dev)
    if in_dev is None:
        return -errno.EINVAL
    if ipv4_is_multicast(saddr) or ipv4_is_lbcast(saddr) or skb.protocol != ETH_P_IP:
        return -errno.EINVAL
    if ipv4_is_loopback(saddr) and not devinet.IN_DEV_ROUTE_LOCALNET(in_dev):
        return -errno.EINVAL
    if ipv4_is_zeronet(saddr):
        if not ipv4_is_local_multicast(daddr) and skb.protocol == ETH_P_IP:
            return -errno.EINVAL
    else:
        err: int = fib_frontend.fib_validate_source(skb, saddr, 0, tos, 0, dev, in_dev, [0])
        if err < 0:
            return err
    flags = RTCF_MULTICAST | (RTCF_LOCAL if our else 0)
    loop = net.loopback_dev
    assert loop is not None
    rth = rt_dst_alloc(loop, flags, uapi_rt.RTN_MULTICAST, False)
    rth.output = ip_rt_bug
    rth.rt_is_input = 1
    RT_CACHE_STAT_INC(net, IN_SLOW_MC)
    core_skbuff.skb_dst_set(skb, rth)
    return 0


ip_tos2prio: tuple[int, ...] = (0, 0, 0, 0, 2, 2, 2, 2, 6, 6, 6, 6, 4, 4, 4, 4)
"""TOS → TC_PRIO_* (BESTEFFORT 0, BULK 2, INTERACTIVE_BULK 4, INTERACTIVE 6).
Kernel: net/ipv4/route.c ip_tos2prio."""


def rt_tos2priority(tos: int) -> int:
    """Kernel: include/net/route.h rt_tos2priority."""
    return ip_tos2prio[(tos & IPTOS_TOS_MASK) >> 1]


def ip_check_mc_rcu(in_dev: Any, mc_addr: int) -> bool:
    """Has the device joined `mc_addr`? All-hosts (224.0.0.1) is joined by every IPv4
    device (ip_mc_up). Kernel: net/ipv4/igmp.c ip_check_mc_rcu (no source filters)."""
    return mc_addr == IGMP_ALL_HOSTS or mc_addr in in_dev.mc_list


def ip_route_input_rcu(skb: sk_buff, daddr: int, saddr: int, tos: int, dev: net_device,
                       res: ip_fib.fib_result, rec: DecisionRecord | None = None) -> int:
    """Multicast destinations go to ip_route_input_mc when joined (224.0.0.1 always is);
    everything else to ip_route_input_slow. With `rec`, the decisions and the outcome (the
    dst and its input/output functions, or the error) are recorded.

    Kernel: net/ipv4/route.c ip_route_input_rcu.
    """
    if (daddr & 0xF0000000) == 0xE0000000:  # ipv4_is_multicast(daddr)
        in_dev = devinet.__in_dev_get_rtnl(dev)
        if in_dev is not None and ip_check_mc_rcu(in_dev, daddr):
            err = ip_route_input_mc(skb, daddr, saddr, tos, dev, 1)
        else:
            err = -errno.EINVAL
    else:
        err = ip_route_input_slow(skb, daddr, saddr, tos, dev, res, rec)
    if rec is not None:
        rec.result(repr(core_skbuff.skb_dst(skb)) if not err else
                   f"error {-err} ({errno.errorcode.get(-err, '?')})")
    return err


def ip_route_input_noref(skb: sk_buff, daddr: int, saddr: int, tos: int,
                         dev: net_device) -> int:
    """Attach an input route to `skb`: 0, or -errno (skb without dst; caller drops it).
    In the classic cache mode the rt_hash_table is consulted first.

    Kernel: net/ipv4/route.c ip_route_input_noref. Softirq context.
    """
    tos &= INET_DSCP_MASK
    g: ip_rt_globals = dev.nd_net.ipv4.ip_rt
    if g.cache_mode == "classic":
        return ip_route_input_classic(skb, daddr, saddr, tos, dev, g)
    return ip_route_input_rcu(skb, daddr, saddr, tos, dev, ip_fib.fib_result())


def ip_route_input_classic(skb: sk_buff, daddr: int, saddr: int, tos: int, dev: net_device,
                           g: ip_rt_globals) -> int:
    """Classic mode input: a hash hit (in_hit) or the slow path, whose dst is then interned.

    Kernel 2.6.32: net/ipv4/route.c ip_route_input_common.
    """
    net = dev.nd_net
    key = (daddr, saddr, tos, skb.mark, dev.ifindex, 0)
    e = rt_cache_find(g, net, key, IN_HLIST_SEARCH)
    if e is not None:
        core_dst.dst_use(e.rt, net.kernel.jiffies)
        RT_CACHE_STAT_INC(net, IN_HIT)
        core_skbuff.skb_dst_set(skb, e.rt)
        return 0
    err = ip_route_input_rcu(skb, daddr, saddr, tos, dev, ip_fib.fib_result())
    if err:
        return err
    rt = skb_rtable(skb)
    spec_dst = daddr if rt.rt_flags & RTCF_LOCAL else devinet.inet_select_addr(
        dev, saddr, uapi_rt.RT_SCOPE_UNIVERSE)
    own = rt_intern_hash(g, net, key, rt, saddr, spec_dst)
    if own is rt:
        return 0
    core_skbuff.skb_dst_drop(skb)
    if isinstance(own, int):
        return own
    core_skbuff.skb_dst_set(skb, own)
    return 0


# --- output --------------------------------------------------------------------------------


def __mkroute_output(res: ip_fib.fib_result, fl4: flowi4, orig_oif: int, dev_out: net_device,
                     flags: int) -> rtable | int:
    """The output rtable for a lookup result (cached per CPU / per exception when possible).

    Kernel: net/ipv4/route.c __mkroute_output. Returns an rtable or -errno.
    """
    fi = res.fi
    type_ = res.type
    in_dev = devinet.__in_dev_get_rtnl(dev_out)
    if in_dev is None:
        return -errno.EINVAL
    if not devinet.IN_DEV_ROUTE_LOCALNET(in_dev) and ipv4_is_loopback(fl4.saddr) \
            and not dev_out.flags & if_link.IFF_LOOPBACK:
        return -errno.EINVAL
    if ipv4_is_lbcast(fl4.daddr):
        type_ = uapi_rt.RTN_BROADCAST
        fi = None
    elif ipv4_is_multicast(fl4.daddr):
        type_ = uapi_rt.RTN_MULTICAST
    elif ipv4_is_zeronet(fl4.daddr):
        return -errno.EINVAL
    if dev_out.flags & if_link.IFF_LOOPBACK:
        flags |= RTCF_LOCAL
    do_cache = rt_nh_cache_enabled(dev_out.nd_net)
    if type_ == uapi_rt.RTN_BROADCAST:
        flags |= RTCF_BROADCAST | RTCF_LOCAL
    elif type_ == uapi_rt.RTN_MULTICAST:
        flags |= RTCF_MULTICAST | RTCF_LOCAL
        if ip_check_mc_rcu(in_dev, fl4.daddr):
            do_cache = False
        else:
            flags &= ~RTCF_LOCAL
        if fi is not None and res.prefixlen < 4:
            fi = None
    elif type_ == uapi_rt.RTN_LOCAL and orig_oif and orig_oif != dev_out.ifindex:
        do_cache = False
    fnhe = None
    do_cache = do_cache and fi is not None
    if fi is not None:
        nhc = ip_fib.FIB_RES_NHC(res)
        fnhe = find_exception(nhc, fl4.daddr)
        if do_cache:
            if fnhe is not None:
                rth = fnhe.fnhe_rth_output
            elif fl4.flowi4_flags & flow.FLOWI_FLAG_KNOWN_NH and not (
                    nhc.nhc_gw_family and nhc.nhc_scope == uapi_rt.RT_SCOPE_LINK):
                do_cache = False
                rth = None
            else:
                cpu = dev_out.nd_net.kernel.this_cpu().id
                slots = nhc.nhc_pcpu_rth_output
                rth = slots[cpu] if cpu < len(slots) else None
            if rt_cache_valid(rth):
                assert rth is not None
                core_dst.dst_hold(rth)
                return rth
    rth = rt_dst_alloc(dev_out, flags, type_, False)
    rth.rt_iif = orig_oif
    RT_CACHE_STAT_INC(dev_out.nd_net, OUT_SLOW_TOT)
    if flags & (RTCF_BROADCAST | RTCF_MULTICAST) and flags & RTCF_LOCAL \
            and not dev_out.flags & if_link.IFF_LOOPBACK:
        rth.output = ip_output.ip_mc_output
        RT_CACHE_STAT_INC(dev_out.nd_net, OUT_SLOW_MC)
    rt_set_nexthop(rth, fl4.daddr, res, fnhe, fi, type_, 0, do_cache)
    return rth


def ip_route_output_key_hash_rcu(net: Net, fl4: flowi4, res: ip_fib.fib_result,
                                 skb: sk_buff | None) -> rtable | int:
    """Route a locally generated packet: source checks, oif handling, fib_lookup (with the
    on-link assumption when an oif is given), local routes via lo, path selection.
    Fills in fl4.saddr/daddr/oif. Returns an rtable (caller holds a reference) or -errno.

    Kernel: net/ipv4/route.c ip_route_output_key_hash_rcu. Process or softirq context.
    """
    rec = fl4.decision
    orig_oif = fl4.flowi4_oif
    flags = 0
    dev_out: net_device | None = None
    if fl4.saddr:
        if ipv4_is_multicast(fl4.saddr) or ipv4_is_lbcast(fl4.saddr) \
                or ipv4_is_zeronet(fl4.saddr):
            return -errno.EINVAL
        if fl4.flowi4_oif == 0 and (ipv4_is_multicast(fl4.daddr) or ipv4_is_lbcast(fl4.daddr)):
            dev_out = devinet.__ip_dev_find(net, fl4.saddr)
            if dev_out is None:
                return -errno.ENETUNREACH
            fl4.flowi4_oif = dev_out.ifindex
            return __mkroute_output(res, fl4, orig_oif, dev_out, flags)
        if not fl4.flowi4_flags & flow.FLOWI_FLAG_ANYSRC \
                and devinet.__ip_dev_find(net, fl4.saddr) is None:
            return -errno.ENETUNREACH
    if fl4.flowi4_oif:
        dev_out = net.dev_index_head.get(fl4.flowi4_oif)
        if dev_out is None:
            return -errno.ENODEV
        if not dev_out.flags & if_link.IFF_UP or devinet.__in_dev_get_rtnl(dev_out) is None:
            return -errno.ENETUNREACH
        if ipv4_is_local_multicast(fl4.daddr) or ipv4_is_lbcast(fl4.daddr) \
                or fl4.flowi4_proto == IPPROTO_IGMP:
            if not fl4.saddr:
                fl4.saddr = devinet.inet_select_addr(dev_out, 0, uapi_rt.RT_SCOPE_LINK)
            return __mkroute_output(res, fl4, orig_oif, dev_out, flags)
        if not fl4.saddr:
            if ipv4_is_multicast(fl4.daddr):
                fl4.saddr = devinet.inet_select_addr(dev_out, 0, fl4.flowi4_scope)
            elif not fl4.daddr:
                fl4.saddr = devinet.inet_select_addr(dev_out, 0, uapi_rt.RT_SCOPE_HOST)
    if not fl4.daddr:
        fl4.daddr = fl4.saddr
        if not fl4.daddr:
            fl4.daddr = fl4.saddr = INADDR_LOOPBACK
        dev_out = net.loopback_dev
        assert dev_out is not None
        fl4.flowi4_oif = flow.LOOPBACK_IFINDEX
        res.type = uapi_rt.RTN_LOCAL
        flags |= RTCF_LOCAL
        if rec is not None:
            rec.source(fl4.saddr, "no destination: talk to ourselves via lo")
        return __mkroute_output(res, fl4, orig_oif, dev_out, flags)
    err = ipv4_fib_rules.fib_lookup(net, fl4, res, 0)
    if err:
        res.fi = None
        res.table = None
        if fl4.flowi4_oif and (ipv4_is_multicast(fl4.daddr) or not fl4.flowi4_l3mdev):
            assert dev_out is not None
            if fl4.saddr == 0:
                fl4.saddr = devinet.inet_select_addr(dev_out, 0, uapi_rt.RT_SCOPE_LINK)
            res.type = uapi_rt.RTN_UNICAST
            if rec is not None:
                rec.result(f"no route, oif {dev_out.name} given: assume on-link")
            return __mkroute_output(res, fl4, orig_oif, dev_out, flags)
        if rec is not None:
            rec.result(f"error {-err} ({errno.errorcode.get(-err, '?')})")
        return err
    if res.type == uapi_rt.RTN_LOCAL:
        if not fl4.saddr:
            fi = res.fi
            fl4.saddr = fi.fib_prefsrc if fi is not None and fi.fib_prefsrc else fl4.daddr
            if rec is not None:
                rec.source(fl4.saddr, "local route: prefsrc or the destination itself")
        dev_out = net.loopback_dev
        assert dev_out is not None
        orig_oif = ip_fib.FIB_RES_OIF(res)
        fl4.flowi4_oif = dev_out.ifindex
        flags |= RTCF_LOCAL
        return __mkroute_output(res, fl4, orig_oif, dev_out, flags)
    fib_semantics.fib_select_path(net, res, fl4, skb)  # records the source it picks
    dev_out = ip_fib.FIB_RES_DEV(res)
    assert dev_out is not None
    return __mkroute_output(res, fl4, orig_oif, dev_out, flags)


def ip_route_output_key_hash(net: Net, fl4: flowi4, skb: sk_buff | None) -> rtable | int:
    """Kernel: net/ipv4/route.c ip_route_output_key_hash (tos masked to the dscp bits)."""
    fl4.flowi4_tos &= INET_DSCP_MASK
    g: ip_rt_globals = net.ipv4.ip_rt
    if g.cache_mode == "classic":
        return ip_route_output_classic(net, fl4, skb, g)
    res = ip_fib.fib_result()
    rth = ip_route_output_key_hash_rcu(net, fl4, res, skb)
    if fl4.decision is not None and isinstance(rth, rtable):
        fl4.decision.result(repr(rth))
    return rth


def ip_route_output_classic(net: Net, fl4: flowi4, skb: sk_buff | None, g: ip_rt_globals
                            ) -> rtable | int:
    """Classic mode output: a hash hit (out_hit, the cached source filled in) or the slow
    path interned under the caller's key. Kernel 2.6.32: net/ipv4/route.c
    __ip_route_output_key."""
    key = (fl4.daddr, fl4.saddr, fl4.flowi4_tos, fl4.flowi4_mark, 0, fl4.flowi4_oif)
    e = rt_cache_find(g, net, key, OUT_HLIST_SEARCH)
    if e is not None:
        core_dst.dst_use(e.rt, net.kernel.jiffies)
        RT_CACHE_STAT_INC(net, OUT_HIT)
        fl4.saddr = e.rt_src
        return e.rt
    rth = ip_route_output_key_hash_rcu(net, fl4, ip_fib.fib_result(), skb)
    if isinstance(rth, int):
        return rth
    own = rt_intern_hash(g, net, key, rth, fl4.saddr, fl4.saddr)
    if own is not rth:
        core_dst.dst_release(rth)
    return own


def ip_route_output_key(net: Net, flp: flowi4) -> rtable | int:
    """Kernel: include/net/route.h ip_route_output_key."""
    return ip_route_output_key_hash(net, flp, None)


def ip_route_output_flow(net: Net, flp4: flowi4, sk: Any) -> rtable | int:
    """Output route for a socket's flow (no xfrm). Kernel: net/ipv4/route.c ip_route_output_flow."""
    return ip_route_output_key_hash(net, flp4, None)


def ip_route_output_ports(net: Net, fl4: flowi4, sk: Any, daddr: int, saddr: int,
                          dport: int, sport: int, proto: int, tos: int, oif: int
                          ) -> rtable | int:
    """Kernel: include/net/route.h ip_route_output_ports (uid 0, mark 0 without a socket)."""
    mark = sk.sk_mark if sk is not None else 0
    uid = 0  # sock_net_uid: every simulated socket belongs to root
    flow.flowi4_init_output(fl4, oif, mark, tos, uapi_rt.RT_SCOPE_UNIVERSE, proto, 0, daddr,
                            saddr, dport, sport, uid)
    return ip_route_output_flow(net, fl4, sk)


def ip_route_connect(fl4: flowi4, dst: int, src: int, oif: int, protocol: int, sport: int,
                     dport: int, sk: Any, net: Net) -> rtable | int:
    """Route for connect(): looks up once to learn the source when none is bound.

    Kernel: include/net/route.h ip_route_connect (without port rehash).
    """
    rt = ip_route_output_ports(net, fl4, sk, dst, src, dport, sport, protocol, 0, oif)
    return rt


# --- PMTU and redirects --------------------------------------------------------------------


def __ip_rt_update_pmtu(rt: rtable, fl4: flowi4, mtu: int) -> None:
    """Learn a smaller path MTU as a nexthop exception (below min_pmtu: min_pmtu, locked),
    expiring after mtu_expires. Kernel: net/ipv4/route.c __ip_rt_update_pmtu.
    """
    if ip_mtu_locked(rt):
        return
    old_mtu = ipv4_mtu(rt)
    if old_mtu < mtu:
        return
    dev = rt.dev
    assert dev is not None
    net = dev.nd_net
    now = net.kernel.jiffies
    lock = False
    if mtu < net.ipv4.ip_rt_min_pmtu:
        lock = True
        mtu = min(old_mtu, net.ipv4.ip_rt_min_pmtu)
    expires_j = net.ipv4.ip_rt_mtu_expires
    if rt.rt_pmtu == mtu and not lock and kjiffies.time_before(now, rt.expires - expires_j // 2):
        return
    res = ip_fib.fib_result()
    if ipv4_fib_rules.fib_lookup(net, fl4, res, 0) == 0:
        fib_semantics.fib_select_path(net, res, fl4, None)
        fi = res.fi
        assert fi is not None
        if ip_fib.fib_info_num_path(fi) > 1:
            for nhsel in range(ip_fib.fib_info_num_path(fi)):
                update_or_create_fnhe(ip_fib.fib_info_nhc(fi, nhsel), fl4.daddr, 0, mtu, lock,
                                      now + expires_j)
            return
        update_or_create_fnhe(ip_fib.FIB_RES_NHC(res), fl4.daddr, 0, mtu, lock, now + expires_j)


def ip_rt_update_pmtu(dst: core_dst.dst_entry, sk: Any, skb: sk_buff | None, mtu: int,
                      confirm_neigh: bool) -> None:
    """dst_ops.update_pmtu: the flow is rebuilt from the skb's IP header (or the socket).

    Kernel: net/ipv4/route.c ip_rt_update_pmtu.
    """
    assert isinstance(dst, rtable)
    if skb is not None:
        iph = core_skbuff.ip_hdr(skb)
        fl4 = flow.flowi4(flowi4_oif=dst.dev.ifindex if dst.dev is not None else 0,
                          flowi4_tos=iph.tos & INET_DSCP_MASK, flowi4_proto=iph.protocol,
                          flowi4_mark=skb.mark, daddr=iph.daddr, saddr=iph.saddr)
    else:
        fl4 = flow.flowi4(flowi4_oif=sk.sk_bound_dev_if, flowi4_mark=sk.sk_mark,
                          flowi4_proto=sk.sk_protocol, daddr=sk.inet_daddr,
                          saddr=sk.inet_saddr)
    __ip_rt_update_pmtu(dst, fl4, mtu)


def ipv4_update_pmtu(skb: sk_buff, net: Net, mtu: int, oif: int, protocol: int) -> None:
    """An ICMP Frag Needed arrived for the packet in `skb`: learn its PMTU.

    Kernel: net/ipv4/route.c ipv4_update_pmtu (skb->data at the quoted IP header).
    """
    fl4 = _quoted_flow(skb, oif, protocol)
    rt = ip_route_output_key(net, fl4)
    if isinstance(rt, rtable):
        __ip_rt_update_pmtu(rt, fl4, mtu)
        core_dst.dst_release(rt)


def ipv4_sk_update_pmtu(skb: sk_buff, sk: Any, mtu: int) -> None:
    """Socket variant of ipv4_update_pmtu. Kernel: net/ipv4/route.c ipv4_sk_update_pmtu."""
    ipv4_update_pmtu(skb, sk.sk_net, mtu, sk.sk_bound_dev_if, sk.sk_protocol)


def __ip_do_redirect(rt: rtable, skb: sk_buff, fl4: flowi4, kill_route: bool) -> None:
    """Accept an ICMP redirect (the outer header's source is the advising router, the ICMP
    header carries the new gateway) if sane and allowed: the new gateway is stored as a
    nexthop exception for gc_timeout (300 s) once its neighbour is valid (else resolution
    starts). Kernel: net/ipv4/route.c __ip_do_redirect.
    """
    new_gw = core_skbuff.icmp_hdr(skb).un_gateway
    old_gw = core_skbuff.ip_hdr(skb).saddr
    code = core_skbuff.icmp_hdr(skb).code & 7
    dev = skb.dev
    assert dev is not None
    if code > ICMP_REDIR_HOSTTOS:
        return
    if rt.rt_gw_family != uapi_rt.AF_INET or rt.rt_gw4 != old_gw:
        return
    in_dev = devinet.__in_dev_get_rtnl(dev)
    if in_dev is None:
        return
    net = dev.nd_net
    k = net.kernel
    reject = (new_gw == old_gw or not devinet.IN_DEV_RX_REDIRECTS(in_dev)
              or ipv4_is_multicast(new_gw) or ipv4_is_lbcast(new_gw) or ipv4_is_zeronet(new_gw))
    if not reject and not devinet.IN_DEV_SHARED_MEDIA(in_dev):
        reject = not devinet.inet_addr_onlink(in_dev, new_gw, old_gw) or bool(
            devinet.IN_DEV_SEC_REDIRECTS(in_dev)
            and fib_semantics.ip_fib_check_default(new_gw, dev))
    elif not reject:
        reject = fib_frontend.inet_addr_type(net, new_gw) != uapi_rt.RTN_UNICAST
    if reject:
        if devinet.IN_DEV_LOG_MARTIANS(in_dev):
            inner = _quoted_iph(skb)
            printk.net_info_ratelimited(
                k, f"Redirect from {ntoa(old_gw)} on {dev.name} about {ntoa(new_gw)} ignored\n"
                   f"  Advised path = {ntoa(inner.saddr)} -> {ntoa(inner.daddr)}")
        return
    rdev = rt.dev
    assert rdev is not None
    n = neighbour.__neigh_lookup(neighbour.arp_tbl(k), new_gw, rdev, True)
    if n is None:
        return
    if not n.nud_state & neighbour.NUD_VALID:
        neighbour.neigh_event_send(n, None)
    else:
        res = ip_fib.fib_result()
        if ipv4_fib_rules.fib_lookup(net, fl4, res, 0) == 0:
            fib_semantics.fib_select_path(net, res, fl4, skb)
            update_or_create_fnhe(ip_fib.FIB_RES_NHC(res), fl4.daddr, new_gw, 0, False,
                                  k.jiffies + net.ipv4.ip_rt.gc_timeout)
        if kill_route:
            rt.obsolete = core_dst.DST_OBSOLETE_KILL
        netevent.call_netevent_notifiers(netevent.NETEVENT_NEIGH_UPDATE, n)
    neighbour.neigh_release(n)


def _quoted_iph(skb: sk_buff) -> Any:
    """The IP header an ICMP error quotes: at skb->data when the error handlers run."""
    return ip.iphdr(skb.buf, skb.data)


def _quoted_flow(skb: sk_buff, oif: int, protocol: int) -> flowi4:
    """Kernel: net/ipv4/route.c __build_flow_key (from the quoted header)."""
    iph = _quoted_iph(skb)
    return flow.flowi4(flowi4_oif=oif, flowi4_tos=iph.tos & INET_DSCP_MASK,
                       flowi4_proto=protocol, flowi4_mark=skb.mark, daddr=iph.daddr,
                       saddr=iph.saddr)


def ipv4_redirect(skb: sk_buff, net: Net, oif: int, protocol: int) -> None:
    """An ICMP redirect arrived (skb->data at the quoted IP header).

    Kernel: net/ipv4/route.c ipv4_redirect.
    """
    fl4 = _quoted_flow(skb, oif, protocol)
    rt = ip_route_output_key(net, fl4)
    if isinstance(rt, rtable):
        __ip_do_redirect(rt, skb, fl4, False)
        core_dst.dst_release(rt)


def ip_rt_send_redirect(skb: sk_buff) -> None:
    """Send ICMP REDIRECT (host) towards the better gateway, paced per source by inet_peer:
    at most redirect_number unheeded, spaced redirect_load << n, reset after
    redirect_silence. Kernel: net/ipv4/route.c ip_rt_send_redirect. Softirq context.
    """
    rt = skb_rtable(skb)
    dev = rt.dev
    assert dev is not None
    in_dev = devinet.__in_dev_get_rtnl(dev)
    if in_dev is None or not devinet.IN_DEV_TX_REDIRECTS(in_dev):
        return
    log_martians = devinet.IN_DEV_LOG_MARTIANS(in_dev)
    net = dev.nd_net
    g: ip_rt_globals = net.ipv4.ip_rt
    k = net.kernel
    iph = core_skbuff.ip_hdr(skb)
    peer = inetpeer.inet_getpeer_v4(net.ipv4.peers, iph.saddr, 0, 1)
    if peer is None:
        return
    now = k.jiffies
    if kjiffies.time_after(now, peer.rate_last + g.redirect_silence):
        peer.rate_tokens = 0
        peer.n_redirects = 0
    if peer.n_redirects >= g.redirect_number:
        peer.rate_last = now
    elif peer.n_redirects == 0 or kjiffies.time_after(
            now, peer.rate_last + (g.redirect_load << peer.n_redirects)):
        gw = rt_nexthop(rt, iph.daddr)
        icmp.icmp_send(skb, ICMP_REDIRECT, ICMP_REDIR_HOST, gw)
        peer.rate_last = now
        peer.n_redirects += 1
        if log_martians and peer.n_redirects == g.redirect_number:
            printk.net_warn_ratelimited(
                k, f"host {ntoa(iph.saddr)}/if{skb.skb_iif} ignores redirects for "
                   f"{ntoa(iph.daddr)} to {ntoa(gw)}")
    inetpeer.inet_putpeer(peer)


def ip_error(skb: sk_buff) -> int:
    """dst.input of no-route dsts: count, maybe ICMP unreachable (rate-limited per source
    with error_cost/error_burst), free the skb. Not forwarding: silent (InAddrErrors for
    EHOSTUNREACH, InNoRoutes for ENETUNREACH). Consumes the skb.

    Kernel: net/ipv4/route.c ip_error. Softirq context. It runs for every packet a host
    that does not forward has no route for, so the inlines skb_rtable, __in_dev_get_rcu and
    IN_DEV_FORWARD are expanded.
    """
    rt: rtable = skb._skb_refdst
    dev = skb.dev
    reason = SKB_DROP_REASON.NOT_SPECIFIED
    in_dev = dev.ip_ptr
    if in_dev is None:
        core_skbuff.kfree_skb_reason(skb, reason)
        return 0
    rdev = rt.dev
    assert rdev is not None
    net = rdev.nd_net
    error = rt.error
    if not in_dev.cnf.data[devinet.IPV4_DEVCONF_FORWARDING - 1]:
        if error == errno.EHOSTUNREACH:
            reason = SKB_DROP_REASON.IP_INADDRERRORS
            snmp.__IP_INC_STATS(net, snmp.IPSTATS_MIB_INADDRERRORS)
        elif error == errno.ENETUNREACH:
            reason = SKB_DROP_REASON.IP_INNOROUTES
            snmp.__IP_INC_STATS(net, snmp.IPSTATS_MIB_INNOROUTES)
        core_skbuff.kfree_skb_reason(skb, reason)
        return 0
    if error == errno.EHOSTUNREACH:
        code = ICMP_HOST_UNREACH
    elif error == errno.ENETUNREACH:
        code = ICMP_NET_UNREACH
        reason = SKB_DROP_REASON.IP_INNOROUTES
        snmp.__IP_INC_STATS(net, snmp.IPSTATS_MIB_INNOROUTES)
    elif error == errno.EACCES:
        code = ICMP_PKT_FILTERED
    else:
        core_skbuff.kfree_skb_reason(skb, reason)
        return 0
    g: ip_rt_globals = net.ipv4.ip_rt
    peer = inetpeer.inet_getpeer_v4(net.ipv4.peers, core_skbuff.ip_hdr(skb).saddr, 0, 1)
    send = True
    if peer is not None:
        now = net.kernel.jiffies
        peer.rate_tokens += now - peer.rate_last
        if peer.rate_tokens > g.error_burst:
            peer.rate_tokens = g.error_burst
        peer.rate_last = now
        if peer.rate_tokens >= g.error_cost:
            peer.rate_tokens -= g.error_cost
        else:
            send = False
        inetpeer.inet_putpeer(peer)
    if send:
        icmp.icmp_send(skb, ICMP_DEST_UNREACH, code, 0)
    core_skbuff.kfree_skb_reason(skb, reason)
    return 0


# --- ip route get --------------------------------------------------------------------------


def rt_fill_info(net: Net, dst: int, src: int, rt: rtable, table_id: int, dscp: int,
                 fl4: flowi4 | None, skb: sk_buff | None, msgtype: int) -> uapi_rt.nlmsg:
    """The RTM_NEWROUTE answer of `ip route get`: a /32 "cloned" route with the output
    device, gateway, preferred source, PMTU metrics from an exception, uid/iif and cacheinfo.

    Kernel: net/ipv4/route.c rt_fill_info.
    """
    k = net.kernel
    flags = (rt.rt_flags & ~0xFFFF) | uapi_rt.RTM_F_CLONED
    if rt.rt_flags & RTCF_NOTIFY:
        flags |= uapi_rt.RTM_F_NOTIFY
    if skb is not None and ip_options.IPCB(skb).flags & ip_options.IPSKB_DOREDIRECT:
        flags |= RTCF_DOREDIRECT
    hdr = uapi_rt.rtmsg(family=uapi_rt.AF_INET, dst_len=32, src_len=0, tos=dscp,
                        table=table_id if table_id < 256 else uapi_rt.RT_TABLE_COMPAT,
                        protocol=uapi_rt.RTPROT_UNSPEC, scope=uapi_rt.RT_SCOPE_UNIVERSE,
                        type=rt.rt_type, flags=flags & 0xFFFFFFFF)
    attrs: dict[int, Any] = {uapi_rt.RTA_TABLE: table_id, uapi_rt.RTA_DST: dst}
    if src:
        hdr.src_len = 32
        attrs[uapi_rt.RTA_SRC] = src
    if rt.dev is not None:
        attrs[uapi_rt.RTA_OIF] = rt.dev.ifindex
    if rt.tclassid:
        attrs[uapi_rt.RTA_FLOW] = rt.tclassid
    if fl4 is not None and not rt_is_input_route(rt) and fl4.saddr != src:
        attrs[uapi_rt.RTA_PREFSRC] = fl4.saddr
    if rt.rt_uses_gateway and rt.rt_gw_family == uapi_rt.AF_INET:
        attrs[uapi_rt.RTA_GATEWAY] = rt.rt_gw4
    expires = rt.expires
    if expires:
        expires = expires - k.jiffies if kjiffies.time_before(k.jiffies, expires) else 0
    metrics = list(rt._metrics)
    if rt.rt_pmtu and expires:
        metrics[uapi_rt.RTAX_MTU - 1] = rt.rt_pmtu
    if rt.rt_mtu_locked and expires:
        metrics[uapi_rt.RTAX_LOCK - 1] |= 1 << uapi_rt.RTAX_MTU
    mx = {i + 1: v for i, v in enumerate(metrics) if v}
    if mx:
        attrs[uapi_rt.RTA_METRICS] = mx
    if fl4 is not None:
        if fl4.flowi4_mark:
            attrs[uapi_rt.RTA_MARK] = fl4.flowi4_mark
        if fl4.flowi4_uid != INVALID_UID:
            attrs[uapi_rt.RTA_UID] = fl4.flowi4_uid
        if rt_is_input_route(rt):
            attrs[uapi_rt.RTA_IIF] = fl4.flowi4_iif
    attrs[uapi_rt.RTA_CACHEINFO] = uapi_rt.rta_cacheinfo(
        rta_clntref=rt.refcnt,
        rta_lastuse=kjiffies.jiffies_to_clock_t(k, k.jiffies - rt.lastuse),
        rta_expires=kjiffies.jiffies_to_clock_t(k, expires) if expires else 0,
        rta_error=rt.error, rta_used=rt.use)
    return uapi_rt.nlmsg(type=msgtype, flags=0, hdr=hdr, attrs=attrs)


def fib_result_alias(res: ip_fib.fib_result) -> ip_fib.fib_alias | None:
    """The alias a lookup chose (its dscp is the kernel's res.dscp): the one in the leaf's
    list with the result's fib_info and prefix length.

    Kernel: net/ipv4/fib_trie.c fib_table_lookup.
    """
    fi = res.fi
    if fi is None:
        return None
    slen = 32 - res.prefixlen
    leaf = res.fa_head
    aliases = fib_trie.leaf_aliases(leaf) if leaf is not None else ()
    return next((a for a in aliases if a.fa_info is fi and a.fa_slen == slen), None)


def inet_rtm_getroute_build_skb(src: int, dst: int, ip_proto: int, sport: int,
                                dport: int) -> sk_buff:
    """The dummy packet `ip route get` routes: an IP header plus a UDP/TCP header carrying the
    ports (or an ICMP echo header), so rules matching ipproto/ports see them on input.

    Kernel: net/ipv4/route.c inet_rtm_getroute_build_skb.
    """
    skb = core_skbuff.alloc_skb(256, core_skbuff.GFP_KERNEL)
    core_skbuff.skb_reserve(skb, 64)
    core_skbuff.skb_reset_mac_header(skb)
    core_skbuff.skb_reset_network_header(skb)
    skb.protocol = ETH_P_IP
    core_skbuff.skb_put_zero(skb, 20)
    iph = core_skbuff.ip_hdr(skb)
    iph.version = 4
    iph.ihl = 5
    iph.protocol = ip_proto
    iph.saddr = src
    iph.daddr = dst
    core_skbuff.skb_set_transport_header(skb, skb.len)
    if ip_proto == IPPROTO_UDP:
        off = core_skbuff.skb_put_zero(skb, 8)
        struct.pack_into("!HHH", skb.buf, off, sport, dport, 8)
    elif ip_proto == IPPROTO_TCP:
        off = core_skbuff.skb_put_zero(skb, 20)
        struct.pack_into("!HHIIBB", skb.buf, off, sport, dport, 0, 0, 5 << 4, 0x04)
    elif ip_proto == IPPROTO_ICMP:
        off = core_skbuff.skb_put_zero(skb, 8)
        skb.buf[off] = 8  # ICMP_ECHO
    return skb


def inet_rtm_getroute(net: Net, msg: uapi_rt.nlmsg, extack: Any) -> int:
    """RTM_GETROUTE doit (`ip route get`): an output lookup as a local socket (iif lo, uid),
    or with RTA_IIF a simulated input lookup (error dst → -dst.error); answers with
    rt_fill_info, or with RTM_F_FIB_MATCH the matching FIB entry.

    Kernel: net/ipv4/route.c inet_rtm_getroute. Process context, RTNL not needed.
    """
    rtm = msg.hdr
    tb: dict[int, Any] = msg.attrs
    src = tb.get(uapi_rt.RTA_SRC, 0)
    dst = tb.get(uapi_rt.RTA_DST, 0)
    iif = tb.get(uapi_rt.RTA_IIF, 0)
    mark = tb.get(uapi_rt.RTA_MARK, 0)
    uid = tb.get(uapi_rt.RTA_UID, INVALID_UID if iif else 0)
    ip_proto = tb.get(uapi_rt.RTA_IP_PROTO, IPPROTO_UDP)
    sport = tb.get(uapi_rt.RTA_SPORT, 0)
    dport = tb.get(uapi_rt.RTA_DPORT, 0)
    skb = inet_rtm_getroute_build_skb(src, dst, ip_proto, sport, dport)
    fl4 = flow.flowi4(daddr=dst, saddr=src, flowi4_tos=rtm.tos & INET_DSCP_MASK,
                      flowi4_oif=tb.get(uapi_rt.RTA_OIF, 0), flowi4_mark=mark, flowi4_uid=uid,
                      fl4_sport=sport, fl4_dport=dport, flowi4_proto=ip_proto)
    res = ip_fib.fib_result()
    try:
        if iif:
            dev = net.dev_index_head.get(iif)
            if dev is None:
                return -errno.ENODEV
            fl4.flowi4_iif = iif
            skb.dev = dev
            skb.mark = mark
            err = ip_route_input_rcu(skb, dst, src, rtm.tos & INET_DSCP_MASK, dev, res)
            rt = skb_rtable(skb)
            if err == 0 and rt.error:
                err = -rt.error
        else:
            fl4.flowi4_iif = flow.LOOPBACK_IFINDEX
            skb.dev = net.loopback_dev
            out = ip_route_output_key_hash_rcu(net, fl4, res, skb)
            if isinstance(out, int):
                err = out
            else:
                err = 0
                rt = out
                core_skbuff.skb_dst_set(skb, rt)
        if err:
            return err
        if rtm.flags & uapi_rt.RTM_F_NOTIFY:
            rt.rt_flags |= RTCF_NOTIFY
        table_id = uapi_rt.RT_TABLE_MAIN
        if rtm.flags & uapi_rt.RTM_F_LOOKUP_TABLE:
            table_id = res.table.tb_id if res.table is not None else 0
        fa = fib_result_alias(res)
        if rtm.flags & uapi_rt.RTM_F_FIB_MATCH:
            if res.fi is None:
                perr: int = fib_semantics.fib_props[res.type][0]
                return perr or -errno.EHOSTUNREACH
            if fa is None:
                return -errno.EHOSTUNREACH
            reply = fib_semantics.fib_dump_info(uapi_rt.RTM_NEWROUTE, table_id, res.prefix,
                                                res.prefixlen, fa, 0)
            reply.hdr.type = rt.rt_type  # the kernel's fri.type: the dst's, not the alias's
        else:
            reply = rt_fill_info(net, dst, src, rt, table_id, fa.fa_dscp if fa else 0, fl4, skb,
                                 uapi_rt.RTM_NEWROUTE)
        return rtnetlink.rtnl_unicast(reply, extack)
    finally:
        core_skbuff.kfree_skb(skb)


# --- classic (2.6) route cache mode ------------------------------------------------------
#
# skbuff extension, NOT a kernel sysctl: net.ipv4.route.cache_mode = "modern" (default, the
# 6.12 behaviour above) or "classic", which puts the ≤3.5 rt_hash_table in front of the
# lookups: one rtable per flow key (daddr, saddr, tos, mark, iif, oif), in_hit/out_hit,
# garbage collection by gc_thresh/gc_elasticity/gc_min_interval/gc_timeout/gc_interval,
# "dst cache overflow" at max_size, secret_interval re-keying, and /proc/net/rt_cache rows
# as 2.6 printed them. Kernel (2.6.32): net/ipv4/route.c rt_hash, rt_intern_hash,
# rt_garbage_collect, rt_check_expire, rt_secret_rebuild, rt_cache_seq_show.

RT_CACHE_MODES = ("modern", "classic")
RT_HASH_LOG = 10
IN_HIT = _STAT["in_hit"]
OUT_HIT = _STAT["out_hit"]
GC_TOTAL = _STAT["gc_total"]
GC_IGNORED = _STAT["gc_ignored"]
GC_GOAL_MISS = _STAT["gc_goal_miss"]
GC_DST_OVERFLOW = _STAT["gc_dst_overflow"]
IN_HLIST_SEARCH = _STAT["in_hlist_search"]
OUT_HLIST_SEARCH = _STAT["out_hlist_search"]


class rt_cache_entry:
    """One rt_hash_table member: the flow key (struct flowi of 2.6's rtable), the route, and
    the answers a hit must hand back (source, spec_dst).

    Kernel 2.6.32: include/net/route.h struct rtable (its `fl` key).
    """

    __slots__ = (
        "daddr",
        "iif",
        "mark",
        "net",
        "oif",
        "rt",
        "rt_spec_dst",
        "rt_src",
        "saddr",
        "tos",
    )

    def __init__(self, net: Net, key: tuple[int, int, int, int, int, int], rt: rtable,
                 rt_src: int, rt_spec_dst: int) -> None:
        self.net = net
        self.daddr, self.saddr, self.tos, self.mark, self.iif, self.oif = key
        self.rt = rt
        self.rt_src = rt_src
        self.rt_spec_dst = rt_spec_dst


def rt_hash(g: ip_rt_globals, daddr: int, saddr: int, idx: int, genid: int) -> int:
    """Bucket of a flow (jhash_3words(daddr, saddr, idx, genid) in 2.6; a fixed integer mix
    here, re-keyed by genid). Kernel 2.6.32: net/ipv4/route.c rt_hash."""
    h = (daddr * 0x9E3779B1 ^ saddr * 0x85EBCA6B ^ idx * 0xC2B2AE35 ^ genid * 0x27D4EB2F)
    return (h ^ h >> 15) & ((1 << RT_HASH_LOG) - 1)


def rt_cache_mode_write(g: ip_rt_globals, mode: str, k: Any) -> int:
    """Switch cache modes: entering classic sizes gc_thresh/max_size from the hash table and
    starts the gc and secret timers; either way the table starts empty."""
    if mode not in RT_CACHE_MODES:
        return -errno.EINVAL
    buckets = 1 << RT_HASH_LOG
    rt_run_flush(g, None)
    g.cache_mode = mode
    g.rt_hash_table = [[] for _ in range(buckets)] if mode == "classic" else []
    if mode == "classic":
        g.gc_thresh, g.max_size = buckets, 16 * buckets
        ktimer.mod_timer(g.gc_timer, k.jiffies + g.gc_interval)
        ktimer.mod_timer(g.secret_timer, k.jiffies + g.secret_interval)
    else:
        g.gc_thresh, g.max_size = -1, 0x7FFFFFFF
        ktimer.del_timer(g.gc_timer)
        ktimer.del_timer(g.secret_timer)
    return 0


def rt_free(g: ip_rt_globals, chain: list[rt_cache_entry], e: rt_cache_entry) -> None:
    """Unlink an entry and drop the table's reference. Kernel 2.6.32: net/ipv4/route.c rt_free."""
    chain.remove(e)
    g.rt_hash_entries -= 1
    core_dst.dst_release(e.rt)


def rt_may_expire(e: rt_cache_entry, now: int, tmo: int) -> bool:
    """Unreferenced outside the table and expired or idle longer than `tmo`.

    Kernel 2.6.32: net/ipv4/route.c rt_may_expire.
    """
    rt = e.rt
    if rt.refcnt > 1:
        return False
    if rt.expires and kjiffies.time_after_eq(now, rt.expires):
        return True
    return now - rt.lastuse >= tmo


def rt_run_flush(g: ip_rt_globals, net: Net | None) -> None:
    """Empty the table (of one namespace's entries). Kernel 2.6.32: net/ipv4/route.c rt_do_flush."""
    for chain in g.rt_hash_table:
        for e in [e for e in chain if net is None or e.net is net]:
            rt_free(g, chain, e)


def rt_garbage_collect(g: ip_rt_globals, k: Any, net: Net) -> int:
    """Shrink the table towards gc_thresh, dropping idle unreferenced entries (oldest first);
    at max_size with nothing freeable: "dst cache overflow", -ENOBUFS.

    Kernel 2.6.32: net/ipv4/route.c rt_garbage_collect (goal/equilibrium simplified to
    "down to gc_thresh").
    """
    now = k.jiffies
    if now - g.last_gc < g.gc_min_interval and g.rt_hash_entries < g.max_size:
        RT_CACHE_STAT_INC(net, GC_IGNORED)
        return 0
    RT_CACHE_STAT_INC(net, GC_TOTAL)
    g.last_gc = now
    goal = g.rt_hash_entries - g.gc_thresh
    tmo = g.gc_timeout
    while goal > 0 and tmo > 0:
        for chain in g.rt_hash_table:
            for e in [e for e in chain if rt_may_expire(e, now, tmo)]:
                rt_free(g, chain, e)
                goal -= 1
        tmo >>= 1
    if goal > 0:
        RT_CACHE_STAT_INC(net, GC_GOAL_MISS)
    if g.rt_hash_entries < g.max_size:
        return 0
    printk.net_warn_ratelimited(k, "dst cache overflow")
    RT_CACHE_STAT_INC(net, GC_DST_OVERFLOW)
    return -errno.ENOBUFS


def rt_intern_hash(g: ip_rt_globals, net: Net, key: tuple[int, int, int, int, int, int],
                   rt: rtable, rt_src: int, rt_spec_dst: int) -> rtable | int:
    """Insert `rt` (fresh: nexthop caching is off in classic mode) under `key`; an equal key
    already present wins and is returned with a new reference for the caller (who then drops
    `rt`). Chains longer than gc_elasticity lose their oldest unreferenced entry. Returns the
    cached rtable, or -ENOBUFS (the caller still owns `rt`).

    Kernel 2.6.32: net/ipv4/route.c rt_intern_hash.
    """
    k = net.kernel
    daddr, saddr, _, _, iif, oif = key
    chain = g.rt_hash_table[rt_hash(g, daddr, saddr, iif or oif, rt_genid_ipv4(net))]
    for e in chain:
        if e.net is net and (e.daddr, e.saddr, e.tos, e.mark, e.iif, e.oif) == key:
            core_dst.dst_use(e.rt, k.jiffies)
            return e.rt
    if g.rt_hash_entries >= g.gc_thresh and rt_garbage_collect(g, k, net):
        return -errno.ENOBUFS
    if len(chain) > g.gc_elasticity:
        idle = [e for e in chain if e.rt.refcnt == 1]
        if idle:
            rt_free(g, chain, min(idle, key=lambda e: e.rt.lastuse))
    chain.insert(0, rt_cache_entry(net, key, rt, rt_src, rt_spec_dst))
    g.rt_hash_entries += 1
    core_dst.dst_hold(rt)
    return rt


def rt_cache_find(g: ip_rt_globals, net: Net, key: tuple[int, int, int, int, int, int],
                  search_stat: int) -> rt_cache_entry | None:
    """A valid entry for `key`, counting chain steps.

    Kernel 2.6.32: net/ipv4/route.c, the lookup loops of ip_route_input_common and
    __ip_route_output_key.
    """
    daddr, saddr, _, _, iif, oif = key
    genid = rt_genid_ipv4(net)
    for e in g.rt_hash_table[rt_hash(g, daddr, saddr, iif or oif, genid)]:
        if e.net is net and (e.daddr, e.saddr, e.tos, e.mark, e.iif, e.oif) == key \
                and not rt_is_expired(e.rt):
            return e
        RT_CACHE_STAT_INC(net, search_stat)
    return None


def rt_check_expire(t: timer_list) -> None:
    """gc_interval timer: drop entries idle longer than gc_timeout (or expired).

    Kernel 2.6.32: net/ipv4/route.c rt_check_expire (whole table per run here).
    """
    assert isinstance(t, rt_timer)
    g = t.owner
    k = g.kernel
    for chain in g.rt_hash_table:
        for e in [e for e in chain if rt_may_expire(e, k.jiffies, g.gc_timeout)]:
            rt_free(g, chain, e)
    ktimer.mod_timer(t, k.jiffies + g.gc_interval)


def rt_secret_rebuild(t: timer_list) -> None:
    """secret_interval timer: re-key the hash (flush everything).

    Kernel 2.6.32: net/ipv4/route.c rt_secret_rebuild.
    """
    assert isinstance(t, rt_timer)
    g = t.owner
    for net in g.kernel.nets:
        rt_cache_flush(net)
    ktimer.mod_timer(t, g.kernel.jiffies + g.secret_interval)


def rt_cache_classic_seq_show(net: Net) -> str:
    """/proc/net/rt_cache rows in classic mode, 2.6's format (addresses as the network-order
    word printed %08X, MTU = advmss + 40, HHRef -1).

    Kernel 2.6.32: net/ipv4/route.c rt_cache_seq_show.
    """
    g: ip_rt_globals = net.ipv4.ip_rt
    out = [f"{RT_CACHE_HEADER:<127}"]
    for chain in g.rt_hash_table:
        for e in chain:
            rt = e.rt
            if e.net is not net or rt_is_expired(rt):
                continue
            advmss = core_dst.dst_metric_raw(rt, uapi_rt.RTAX_ADVMSS)
            row = (f"{rt.dev.name if rt.dev is not None else '*'}\t{_le(e.daddr):08X}\t"
                   f"{_le(rt_nexthop(rt, e.daddr)):08X}\t{rt.rt_flags:8X}\t{rt.refcnt - 1}\t"
                   f"{rt.use}\t0\t{_le(e.rt_src):08X}\t{advmss + 40 if advmss else 0}\t"
                   f"{core_dst.dst_metric_raw(rt, uapi_rt.RTAX_WINDOW)}\t"
                   f"{(core_dst.dst_metric_raw(rt, uapi_rt.RTAX_RTT) >> 3) + core_dst.dst_metric_raw(rt, uapi_rt.RTAX_RTTVAR)}\t"  # noqa: E501
                   f"{e.tos:02X}\t-1\t0\t{_le(e.rt_spec_dst):08X}")
            out.append(f"{row:<127}")
    return "\n".join(out) + "\n"


def _le(addr: int) -> int:
    """A host-order address as x86 prints the network-order word with %X."""
    return int.from_bytes(addr.to_bytes(4, "big"), "little")


# --- procfs ----------------------------------------------------------------------------------

RT_CACHE_HEADER = ("Iface\tDestination\tGateway \tFlags\t\tRefCnt\tUse\tMetric\tSource\t\tMTU"
                   "\tWindow\tIRTT\tTOS\tHHRef\tHHUptod\tSpecDst")


def rt_cache_seq_show(net: Net) -> str:
    """/proc/net/rt_cache: only the header since 3.6 (rows in the classic cache mode).

    Kernel: net/ipv4/route.c rt_cache_seq_show.
    """
    if net.ipv4.ip_rt.cache_mode == "classic":
        return rt_cache_classic_seq_show(net)
    return f"{RT_CACHE_HEADER:<127}\n"


def rt_cpu_seq_show(net: Net) -> str:
    """/proc/net/stat/rt_cache: one line of 17 hex columns per CPU. The hit, gc and hlist
    columns move only in the classic cache mode (the kernel prints 0 since 3.6).

    Kernel: net/ipv4/route.c rt_cpu_seq_show.
    """
    g: ip_rt_globals = net.ipv4.ip_rt
    lines = ["entries  in_hit   in_slow_tot in_slow_mc in_no_route in_brd   in_martian_dst "
             "in_martian_src out_hit  out_slow_tot out_slow_mc gc_total gc_ignored "
             "gc_goal_miss gc_dst_overflow in_hlist_search out_hlist_search"]
    widths = (1, 1, 4, 3, 4, 1, 7, 7, 1, 5, 4, 1, 3, 5, 8, 8)
    for st in g.rt_cache_stat:
        row = f"{g.dst_entries:08x}"
        for w, v in zip(widths, st[1:]):
            row += " " * w + f"{v:08x}"
        lines.append(row)
    return "\n".join(lines) + "\n"


# --- sysctls and init ------------------------------------------------------------------------

IPV4_MIN_MTU = 68


def ipv4_sysctl_rtcache_flush(table: Any, write: bool, buf: Any) -> int:
    """net.ipv4.route.flush: write-only; any write invalidates every cached route.

    Kernel: net/ipv4/route.c ipv4_sysctl_rtcache_flush.
    """
    if not write:
        return -errno.EINVAL
    net: Net = table.extra1
    rt_cache_flush(net)
    net.ipv4.fnhe_genid += 1
    return 0


def _route_global_table(g: ip_rt_globals) -> list[Any]:
    ints = ("gc_thresh", "max_size")
    jiffy = ("gc_min_interval", "gc_timeout", "gc_interval")
    raw = ("redirect_load", "redirect_number", "redirect_silence", "error_cost", "error_burst",
           "gc_elasticity")
    table = [ksysctl.ctl_table(n, data=(g, n), proc_handler=ksysctl.proc_dointvec) for n in ints]
    table += [ksysctl.ctl_table(n, data=(g, n), proc_handler=ksysctl.proc_dointvec_jiffies)
              for n in jiffy]
    table.append(ksysctl.ctl_table("gc_min_interval_ms", data=(g, "gc_min_interval"),
                                   proc_handler=ksysctl.proc_dointvec_ms_jiffies))
    table += [ksysctl.ctl_table(n, data=(g, n), proc_handler=ksysctl.proc_dointvec) for n in raw]
    table.append(ksysctl.ctl_table("cache_mode", data=(g, "cache_mode"), maxlen=16,
                                   proc_handler=ipv4_sysctl_cache_mode))
    return table


def ipv4_sysctl_cache_mode(table: Any, write: bool, buf: Any) -> int:
    """net.ipv4.route.cache_mode — an skbuff knob, NOT a kernel sysctl: "modern" (6.12, the
    default) or "classic" (the ≤3.5 rt_hash_table, see rt_intern_hash). Other values: EINVAL.
    """
    g: ip_rt_globals = table.data[0]
    if not write:
        buf.text = g.cache_mode
        return 0
    return rt_cache_mode_write(g, buf.text.strip(), g.kernel)


def sysctl_route_net_init(net: Net) -> None:
    """Per-namespace net.ipv4.route: flush, min_pmtu, mtu_expires, min_adv_mss.

    Kernel: net/ipv4/route.c sysctl_route_net_init.
    """
    v4 = net.ipv4
    ksysctl.register_net_sysctl(net, "net/ipv4/route", [
        ksysctl.ctl_table("flush", mode=0o200, proc_handler=ipv4_sysctl_rtcache_flush,
                          extra1=net),
        ksysctl.ctl_table("min_pmtu", data=(v4, "ip_rt_min_pmtu"),
                          proc_handler=ksysctl.proc_dointvec_minmax, extra1=IPV4_MIN_MTU),
        ksysctl.ctl_table("mtu_expires", data=(v4, "ip_rt_mtu_expires"),
                          proc_handler=ksysctl.proc_dointvec_jiffies),
        ksysctl.ctl_table("min_adv_mss", data=(v4, "ip_rt_min_advmss"),
                          proc_handler=ksysctl.proc_dointvec),
    ])


def ip_rt_init(k: Any) -> None:
    """Route subsystem boot: the kernel-wide tunables (net.ipv4.route.* in init_net), the
    per-namespace state (rt/fnhe genids, mtu_expires in jiffies, inet_peer base, the
    per-namespace sysctls, /proc/net/rt_cache and /proc/net/stat/rt_cache) and the
    RTM_GETROUTE doit (`ip route get`).

    Kernel: net/ipv4/route.c ip_rt_init, ip_static_sysctl_init, sysctl_route_ops,
    ip_rt_ops (ip_rt_do_proc_init), rt_genid_ops, ipv4_inetpeer_ops.
    """
    g = ip_rt_globals(k)

    def ip_rt_net_init(net: Net) -> None:
        v4 = net.ipv4
        v4.ip_rt = g
        v4.rt_genid = 0
        v4.fnhe_genid = 0
        v4.ip_rt_mtu_expires = 600 * k.hz
        v4.peers = inetpeer.inet_peer_base_init(k)
        sysctl_route_net_init(net)
        procfs.proc_create_net_single(net, "net/rt_cache", rt_cache_seq_show)
        procfs.proc_create_net_single(net, "net/stat/rt_cache", rt_cpu_seq_show)

    def ip_rt_net_exit(net: Net) -> None:
        inetpeer.inetpeer_invalidate_tree(net.ipv4.peers)
        procfs.remove_proc_entry(net, "net/rt_cache")
        procfs.remove_proc_entry(net, "net/stat/rt_cache")

    net_namespace.register_pernet_subsys(
        k, net_namespace.pernet_operations("ip_rt", init=ip_rt_net_init, exit=ip_rt_net_exit))
    ksysctl.register_net_sysctl(k.init_net, "net/ipv4/route", _route_global_table(g))
    rtnetlink.rtnl_register(k, uapi_rt.AF_INET, uapi_rt.RTM_GETROUTE, inet_rtm_getroute, None)

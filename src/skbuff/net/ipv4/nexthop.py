"""Nexthop objects: `ip nexthop` and routes with `nhid`.

A namespace keeps its nexthops by id (`net.nexthop`, struct netns_nexthop). A nexthop is either
one path (`nh_info`: gateway, device, onlink, blackhole, fdb; its `fib_nh` is a real fib_nh,
checked by fib_check_nh as a route's would be) or a group of other nexthops with weights
(`nh_group`, hash-threshold). Routes point at a nexthop through `fib_info.nh`; the nexthop
lists them in `fi_list` so that removing it removes them (__remove_nexthop_fib) and replacing
it changes them in place. Groups list their members (`nh_grp_entry`), members list the
entries that hold them (`grp_list`). A group is hash-threshold (NEXTHOP_GRP_TYPE_MPATH: upper
bounds over the hash space) or resilient (NEXTHOP_GRP_TYPE_RES: an `nh_res_table` of buckets,
the flow hash picks a bucket; a change of members or weights moves only the buckets it must,
those idle for `idle_timer` first, all overweight ones once `unbalanced_timer` has passed, from
a delayed work on the simulated clock that tells RTM_NEWNEXTHOPBUCKET to `ip monitor`). IPv6
nexthops are not built (the stack is IPv4): a request of family AF_INET6 is -EAFNOSUPPORT, as
a kernel without IPv6 answers.

Everything here runs under RTNL in process context but the lookup helpers
(nexthop_select_path, nexthop_get_nhc_lookup, ...), which any context may call.
Kernel: net/ipv4/nexthop.c, include/net/nexthop.h.
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING, Any

from skbuff.kernel import notifier, sysctl
from skbuff.kernel import timer as ktimer
from skbuff.kernel.jiffies import (
    ULONG_MASK,
    clock_t_to_jiffies,
    jiffies_delta_to_clock_t,
    jiffies_to_clock_t,
    time_after,
    time_after_eq,
    time_before,
)
from skbuff.net import flow
from skbuff.net.core import dev as netdev
from skbuff.net.core import neighbour as nb
from skbuff.net.core import net_namespace, rtnetlink
from skbuff.net.ipv4 import arp, fib_frontend, fib_semantics, fib_trie, route
from skbuff.net.ipv4.ip_fib import fib_config, fib_info, fib_nh, fib_result, nl_info
from skbuff.uapi import nexthop as uapi_nh
from skbuff.uapi import rtnetlink as uapi_rt
from skbuff.uapi.if_link import IFF_LOWER_UP, IFF_RUNNING, IFF_UP

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel
    from skbuff.net.core.dev import net_device
    from skbuff.net.core.net_namespace import Net

NEXTHOP_VALID_USER_FLAGS = uapi_rt.RTNH_F_ONLINK
AF_INET6 = 10
NH_RES_DEFAULT_IDLE_TIMER_S = 120  # NH_RES_DEFAULT_IDLE_TIMER is 120 * HZ
NH_RES_DEFAULT_UNBALANCED_TIMER = 0  # no forced rebalancing


class nh_info:
    """struct nh_info: one path. `fib_nh` is the kernel's union member (fib_nhc is its common
    part: the same object here). Kernel: include/net/nexthop.h."""

    __slots__ = ("family", "fdb_nh", "fib_nh", "nh_parent", "reject_nh")

    def __init__(self, parent: nexthop, family: int) -> None:
        self.nh_parent = parent
        self.family = family
        self.reject_nh = False
        self.fdb_nh = False
        self.fib_nh = fib_nh()
        self.fib_nh.nhc_scope = uapi_rt.RT_SCOPE_LINK

    @property
    def fib_nhc(self) -> fib_nh:
        return self.fib_nh


class nh_grp_entry:
    """struct nh_grp_entry: one member of a group (`upper_bound` is hthr.upper_bound;
    `count_buckets`/`wants_buckets` are res.*, the buckets it holds and should hold).

    Kernel: include/net/nexthop.h."""

    __slots__ = ("count_buckets", "nh", "nh_parent", "upper_bound", "wants_buckets", "weight")

    def __init__(self, nh: nexthop, weight: int, parent: nexthop) -> None:
        self.nh = nh
        self.weight = weight
        self.upper_bound = 0
        self.count_buckets = 0
        self.wants_buckets = 0
        self.nh_parent = parent


class nh_res_bucket:
    """struct nh_res_bucket: the member a bucket sends flows to; `used_time` is the jiffy of
    its last selection (or of its migration, then equal to `migrated_time`).

    Kernel: include/net/nexthop.h."""

    __slots__ = ("migrated_time", "nh_entry", "nh_flags", "occupied", "used_time")

    def __init__(self) -> None:
        self.nh_entry: nh_grp_entry | None = None
        self.used_time = 0
        self.migrated_time = 0
        self.occupied = False
        self.nh_flags = 0


class nh_res_table:
    """struct nh_res_table: a resilient group's buckets, its timers (jiffies) and the
    underweight members (`uw_nh_entries`, the kernel's list: new ones go in front).
    `upkeep_dw` is the delayed work, a timer_list whose callback runs the work in place.

    Kernel: include/net/nexthop.h, net/ipv4/nexthop.c nexthop_res_table_alloc."""

    __slots__ = ("idle_timer", "net", "nh_buckets", "nhg_id", "num_nh_buckets",
                 "unbalanced_since", "unbalanced_timer", "upkeep_dw", "uw_nh_entries")

    def __init__(self, net: Net, nhg_id: int, cfg: nh_config) -> None:
        self.net = net
        self.nhg_id = nhg_id
        self.upkeep_dw = ktimer.timer_list()
        ktimer.timer_setup(self.upkeep_dw, lambda _t: nh_res_table_upkeep_dw(self), 0)
        self.uw_nh_entries: list[nh_grp_entry] = []
        self.unbalanced_since = 0
        self.idle_timer = cfg.nh_grp_res_idle_timer & 0xFFFFFFFF  # u32 fields
        self.unbalanced_timer = cfg.nh_grp_res_unbalanced_timer & 0xFFFFFFFF
        self.num_nh_buckets = cfg.nh_grp_res_num_buckets
        self.nh_buckets = [nh_res_bucket() for _ in range(self.num_nh_buckets)]


class nh_group:
    """struct nh_group: hash-threshold or resilient (then `res_table`).

    Kernel: include/net/nexthop.h."""

    __slots__ = ("fdb_nh", "has_v4", "hash_threshold", "is_multipath", "nh_entries",
                 "res_table", "resilient")

    def __init__(self) -> None:
        self.nh_entries: list[nh_grp_entry] = []
        self.is_multipath = False
        self.hash_threshold = False
        self.resilient = False
        self.fdb_nh = False
        self.has_v4 = False
        self.res_table: nh_res_table | None = None

    def res(self) -> nh_res_table:
        """rtnl_dereference(nhg->res_table) of a resilient group."""
        rt = self.res_table
        assert rt is not None
        return rt

    @property
    def num_nh(self) -> int:
        return len(self.nh_entries)


class nexthop:
    """struct nexthop: `nh_info` for a single path, `nh_grp` for a group (the kernel's union).

    `fi_list` holds the fib_infos (routes) using it, `grp_list` the group entries holding it.
    Kernel: include/net/nexthop.h."""

    __slots__ = ("fi_list", "grp_list", "id", "is_group", "net", "nh_flags", "nh_grp",
                 "nh_info", "protocol")

    def __init__(self, net: Net) -> None:
        self.net = net
        self.id = 0
        self.protocol = 0
        self.nh_flags = 0
        self.is_group = False
        self.nh_info: nh_info | None = None
        self.nh_grp: nh_group | None = None
        self.fi_list: list[fib_info] = []
        self.grp_list: list[nh_grp_entry] = []

    def info(self) -> nh_info:
        """rtnl_dereference(nh->nh_info) of a single nexthop."""
        nhi = self.nh_info
        assert nhi is not None
        return nhi

    def grp(self) -> nh_group:
        """rtnl_dereference(nh->nh_grp) of a group."""
        nhg = self.nh_grp
        assert nhg is not None
        return nhg


class netns_nexthop:
    """struct netns_nexthop: the id → nexthop tree (a dict, walked in id order), the device
    hash (ifindex → nh_infos, newest first), the dump sequence and the last auto id.

    Kernel: include/net/netns/nexthop.h."""

    __slots__ = ("devhash", "last_id_allocated", "rb_root", "seq")

    def __init__(self) -> None:
        self.rb_root: dict[int, nexthop] = {}
        self.devhash: dict[int, list[nh_info]] = {}
        self.seq = 0
        self.last_id_allocated = 0


class nh_config:
    """struct nh_config: a parsed RTM_NEWNEXTHOP (res timers in jiffies).

    Kernel: include/net/nexthop.h."""

    __slots__ = ("dev", "gw", "nh_blackhole", "nh_family", "nh_fdb", "nh_flags", "nh_grp",
                 "nh_grp_res_has_idle_timer", "nh_grp_res_has_num_buckets",
                 "nh_grp_res_has_unbalanced_timer", "nh_grp_res_idle_timer",
                 "nh_grp_res_num_buckets", "nh_grp_res_unbalanced_timer", "nh_grp_type",
                 "nh_id", "nh_ifindex", "nh_protocol", "nlflags", "nlinfo")

    def __init__(self) -> None:
        self.nh_id = 0
        self.nh_family = 0
        self.nh_protocol = 0
        self.nh_blackhole = False
        self.nh_fdb = False
        self.nh_flags = 0
        self.nh_ifindex = 0
        self.dev: net_device | None = None
        self.gw = 0
        self.nh_grp: list[uapi_nh.nexthop_grp] | None = None
        self.nh_grp_type = 0
        self.nh_grp_res_num_buckets = 0
        self.nh_grp_res_idle_timer = 0
        self.nh_grp_res_unbalanced_timer = 0
        self.nh_grp_res_has_num_buckets = False
        self.nh_grp_res_has_idle_timer = False
        self.nh_grp_res_has_unbalanced_timer = False
        self.nlflags = 0
        self.nlinfo = nl_info()


def _nh(net: Net) -> netns_nexthop:
    state: netns_nexthop = net.nexthop
    return state


# ----- include/net/nexthop.h helpers (any context) --------------------------------------------


def nexthop_num_path(nh: nexthop) -> int:
    """Kernel: include/net/nexthop.h nexthop_num_path."""
    if nh.is_group:
        nhg = nh.grp()
        if nhg.is_multipath:
            return nhg.num_nh
    return 1


def nexthop_is_blackhole(nh: nexthop) -> bool:
    """A blackhole nexthop, or a group whose one member is. Kernel: include/net/nexthop.h
    nexthop_is_blackhole."""
    if nh.is_group:
        nhg = nh.grp()
        if nhg.num_nh > 1:
            return False
        nh = nhg.nh_entries[0].nh
    return nh.info().reject_nh


def nexthop_fib_nhc(nh: nexthop, nhsel: int) -> fib_nh | None:
    """The nhsel-th path's fib_nh_common. Kernel: include/net/nexthop.h nexthop_fib_nhc."""
    if nh.is_group:
        nhg = nh.grp()
        if nhg.is_multipath:
            if nhsel >= nhg.num_nh:
                return None
            nh = nhg.nh_entries[nhsel].nh
    return nh.info().fib_nh


def nexthop_get_nhc_lookup(nh: nexthop, fib_flags: int,
                           flp: flow.flowi4) -> tuple[fib_nh, int] | None:
    """The first path fib_table_lookup may use for this flow, with its index.

    Kernel: include/net/nexthop.h nexthop_get_nhc_lookup."""
    if nh.is_group:
        for i, nhge in enumerate(nh.grp().nh_entries):
            nhc = nhge.nh.info().fib_nh
            if not fib_trie.fib_lookup_good_nhc(nhc, fib_flags, flp):
                return nhc, i
        return None
    nhc = nh.info().fib_nh
    if not fib_trie.fib_lookup_good_nhc(nhc, fib_flags, flp):
        return nhc, 0
    return None


def nexthop_uses_dev(nh: nexthop, dev: net_device) -> bool:
    """Kernel: include/net/nexthop.h nexthop_uses_dev."""
    if nh.is_group:
        return any(nhge.nh.info().fib_nh.nhc_dev is dev for nhge in nh.grp().nh_entries)
    return nh.info().fib_nh.nhc_dev is dev


def nexthop_path_fib_result(res: fib_result, hash: int) -> None:
    """Point res at the path the flow hash selects. Kernel: include/net/nexthop.h
    nexthop_path_fib_result."""
    fi = res.fi
    assert fi is not None and fi.nh is not None
    res.nhc = nexthop_select_path(fi.nh, hash).info().fib_nh


def nexthop_mpath_fill_node(nh: nexthop) -> list[uapi_rt.rtnexthop]:
    """RTA_MULTIPATH hops of a group (compat-mode route dumps). Kernel:
    include/net/nexthop.h nexthop_mpath_fill_node."""
    return [fib_semantics.fib_add_nexthop(nhge.nh.info().fib_nh, nhge.weight, 0)
            for nhge in nh.grp().nh_entries]


# ----- lookups and ids --------------------------------------------------------------------------


def nexthop_find_by_id(net: Net, id: int) -> nexthop | None:
    """No reference taken. Kernel: net/ipv4/nexthop.c nexthop_find_by_id."""
    return _nh(net).rb_root.get(id)


def nh_find_unused_id(net: Net) -> int:
    """The next free id after the last one allocated (0: none left).

    Kernel: net/ipv4/nexthop.c nh_find_unused_id."""
    state = _nh(net)
    id_start = state.last_id_allocated
    while True:
        state.last_id_allocated = (state.last_id_allocated + 1) & 0xFFFFFFFF
        if state.last_id_allocated == id_start:
            return 0
        if state.last_id_allocated and state.last_id_allocated not in state.rb_root:
            return state.last_id_allocated


def nh_base_seq_inc(net: Net) -> None:
    """Kernel: net/ipv4/nexthop.c nh_base_seq_inc (never 0)."""
    state = _nh(net)
    state.seq = (state.seq + 1) & 0xFFFFFFFF or 1


# ----- netlink messages -------------------------------------------------------------------------


def nh_fill_node(nh: nexthop, event: int, nlflags: int) -> uapi_rt.nlmsg:
    """The RTM_NEWNEXTHOP/DELNEXTHOP message describing nh. Kernel: net/ipv4/nexthop.c
    nh_fill_node, nla_put_nh_group."""
    hdr = uapi_nh.nhmsg(nh_family=uapi_rt.AF_UNSPEC, nh_flags=nh.nh_flags,
                        nh_protocol=nh.protocol)
    attrs: dict[int, Any] = {uapi_nh.NHA_ID: nh.id}
    if nh.is_group:
        nhg = nh.grp()
        if nhg.fdb_nh:
            attrs[uapi_nh.NHA_FDB] = None
        attrs[uapi_nh.NHA_GROUP_TYPE] = (uapi_nh.NEXTHOP_GRP_TYPE_RES if nhg.resilient
                                         else uapi_nh.NEXTHOP_GRP_TYPE_MPATH)
        attrs[uapi_nh.NHA_GROUP] = [
            uapi_nh.nexthop_grp(id=e.nh.id, weight=(e.weight - 1) & 0xFF,
                                weight_high=(e.weight - 1) >> 8) for e in nhg.nh_entries]
        if nhg.resilient:
            attrs[uapi_nh.NHA_RES_GROUP] = nla_put_nh_group_res(nhg.res())
        attrs[uapi_nh.NHA_OP_FLAGS] = uapi_nh.NHA_OP_FLAG_RESP_GRP_RESVD_0
        return uapi_rt.nlmsg(type=event, flags=nlflags, hdr=hdr, attrs=attrs)
    nhi = nh.info()
    hdr.nh_family = nhi.family
    if nhi.reject_nh:
        attrs[uapi_nh.NHA_BLACKHOLE] = None
        return uapi_rt.nlmsg(type=event, flags=nlflags, hdr=hdr, attrs=attrs)
    if nhi.fdb_nh:
        attrs[uapi_nh.NHA_FDB] = None
    elif nhi.fib_nh.nhc_dev is not None:
        attrs[uapi_nh.NHA_OIF] = nhi.fib_nh.nhc_dev.ifindex
    hdr.nh_scope = nhi.fib_nh.nhc_scope
    if nhi.fib_nh.nhc_gw_family:
        attrs[uapi_nh.NHA_GATEWAY] = nhi.fib_nh.nhc_gw
    return uapi_rt.nlmsg(type=event, flags=nlflags, hdr=hdr, attrs=attrs)


def nla_put_nh_group_res(res_table: nh_res_table) -> dict[int, int]:
    """The NHA_RES_GROUP nest. Kernel: net/ipv4/nexthop.c nla_put_nh_group_res."""
    k = res_table.net.kernel
    return {uapi_nh.NHA_RES_GROUP_BUCKETS: res_table.num_nh_buckets,
            uapi_nh.NHA_RES_GROUP_IDLE_TIMER: jiffies_to_clock_t(k, res_table.idle_timer),
            uapi_nh.NHA_RES_GROUP_UNBALANCED_TIMER: jiffies_to_clock_t(
                k, res_table.unbalanced_timer),
            uapi_nh.NHA_RES_GROUP_UNBALANCED_TIME: nh_res_table_unbalanced_time(res_table)}


def nh_res_table_unbalanced_time(res_table: nh_res_table) -> int:
    """How long (clock_t) the table has been unbalanced; 0 when balanced.

    Kernel: net/ipv4/nexthop.c nh_res_table_unbalanced_time."""
    if not res_table.uw_nh_entries:
        return 0
    k = res_table.net.kernel
    return jiffies_delta_to_clock_t(k, k.jiffies - res_table.unbalanced_since)


def nh_res_bucket_idle_time(k: Kernel, bucket: nh_res_bucket) -> int:
    """Clock_t since the bucket was last used. Kernel: net/ipv4/nexthop.c
    nh_res_bucket_idle_time."""
    return jiffies_delta_to_clock_t(k, k.jiffies - bucket.used_time)


def nh_fill_res_bucket(nh: nexthop, bucket_index: int, event: int,
                       nlflags: int) -> uapi_rt.nlmsg:
    """The RTM_NEWNEXTHOPBUCKET message of one bucket of resilient group nh.

    Kernel: net/ipv4/nexthop.c nh_fill_res_bucket."""
    bucket = nh.grp().res().nh_buckets[bucket_index]
    nhge = bucket.nh_entry
    assert nhge is not None
    hdr = uapi_nh.nhmsg(nh_family=uapi_rt.AF_UNSPEC, nh_flags=bucket.nh_flags,
                        nh_protocol=nh.protocol)
    nest = {uapi_nh.NHA_RES_BUCKET_INDEX: bucket_index,
            uapi_nh.NHA_RES_BUCKET_NH_ID: nhge.nh.id,
            uapi_nh.NHA_RES_BUCKET_IDLE_TIME: nh_res_bucket_idle_time(nh.net.kernel, bucket)}
    return uapi_rt.nlmsg(type=event, flags=nlflags, hdr=hdr,
                         attrs={uapi_nh.NHA_ID: nh.id, uapi_nh.NHA_RES_BUCKET: nest})


def nexthop_bucket_notify(res_table: nh_res_table, bucket_index: int) -> None:
    """RTM_NEWNEXTHOPBUCKET (NLM_F_REPLACE) to RTNLGRP_NEXTHOP: the upkeep work moved a
    bucket. Kernel: net/ipv4/nexthop.c nexthop_bucket_notify."""
    nhge = res_table.nh_buckets[bucket_index].nh_entry
    assert nhge is not None
    nh = nhge.nh_parent
    if not rtnetlink.rtnl_has_listeners(nh.net, uapi_rt.RTNLGRP_NEXTHOP):
        return
    rtnetlink.rtnl_notify(nh.net, uapi_rt.RTNLGRP_NEXTHOP, nh_fill_res_bucket(
        nh, bucket_index, uapi_rt.RTM_NEWNEXTHOPBUCKET, uapi_rt.NLM_F_REPLACE))


def nexthop_notify(event: int, nh: nexthop, info: nl_info) -> None:
    """Tell RTNLGRP_NEXTHOP listeners (`ip monitor nexthop`). Kernel: net/ipv4/nexthop.c
    nexthop_notify."""
    net = info.nl_net
    if net is None or not rtnetlink.rtnl_has_listeners(net, uapi_rt.RTNLGRP_NEXTHOP):
        return
    nlflags = info.nlh.flags if info.nlh is not None else 0
    rtnetlink.rtnl_notify(net, uapi_rt.RTNLGRP_NEXTHOP, nh_fill_node(nh, event, nlflags))


# ----- group checks and path selection ----------------------------------------------------------


def valid_group_nh(nh: nexthop, npaths: int, is_fdb: list[bool], extack: Any) -> bool:
    """May nh be a member of a group of npaths? Sets is_fdb[0]. Kernel: net/ipv4/nexthop.c
    valid_group_nh."""
    if nh.is_group:
        nhg = nh.grp()
        if nhg.hash_threshold:
            rtnetlink.NL_SET_ERR_MSG(extack,
                                     "Hash-threshold group can not be a nexthop within a group")
            return False
        if nhg.resilient:
            rtnetlink.NL_SET_ERR_MSG(extack,
                                     "Resilient group can not be a nexthop within a group")
            return False
        is_fdb[0] = nhg.fdb_nh
        return True
    nhi = nh.info()
    if nhi.reject_nh and npaths > 1:
        rtnetlink.NL_SET_ERR_MSG(
            extack, "Blackhole nexthop can not be used in a group with more than 1 path")
        return False
    is_fdb[0] = nhi.fdb_nh
    return True


def nh_check_attr_fdb_group(nh: nexthop, nh_family: list[int], extack: Any) -> int:
    """Kernel: net/ipv4/nexthop.c nh_check_attr_fdb_group."""
    nhi = nh.info()
    if not nhi.fdb_nh:
        rtnetlink.NL_SET_ERR_MSG(extack, "FDB nexthop group can only have fdb nexthops")
        return -errno.EINVAL
    if nh_family[0] == uapi_rt.AF_UNSPEC:
        nh_family[0] = nhi.family
    elif nh_family[0] != nhi.family:
        rtnetlink.NL_SET_ERR_MSG(extack, "FDB nexthop group cannot have mixed family nexthops")
        return -errno.EINVAL
    return 0


_GROUP_ALLOWED = frozenset({uapi_nh.NHA_ID, uapi_nh.NHA_GROUP, uapi_nh.NHA_GROUP_TYPE,
                            uapi_nh.NHA_HW_STATS_ENABLE, uapi_nh.NHA_FDB})


def nh_check_attr_group(net: Net, tb: dict[int, Any], nh_grp_type: int, extack: Any) -> int:
    """Kernel: net/ipv4/nexthop.c nh_check_attr_group."""
    grps: list[uapi_nh.nexthop_grp] = tb[uapi_nh.NHA_GROUP]
    if not grps:
        rtnetlink.NL_SET_ERR_MSG(extack, "Invalid length for nexthop group attribute")
        return -errno.EINVAL
    for i, g in enumerate(grps):
        if g.resvd2:
            rtnetlink.NL_SET_ERR_MSG(extack, "Reserved field in nexthop_grp must be 0")
            return -errno.EINVAL
        if uapi_nh.nexthop_grp_weight(g) > 0xFFFF:
            rtnetlink.NL_SET_ERR_MSG(extack, "Invalid value for weight")
            return -errno.EINVAL
        if any(g.id == h.id for h in grps[i + 1:]):
            rtnetlink.NL_SET_ERR_MSG(extack, "Nexthop id can not be used twice in a group")
            return -errno.EINVAL
    nhg_fdb = uapi_nh.NHA_FDB in tb
    nh_family = [uapi_rt.AF_UNSPEC]
    for g in grps:
        nh = nexthop_find_by_id(net, g.id)
        if nh is None:
            rtnetlink.NL_SET_ERR_MSG(extack, "Invalid nexthop id")
            return -errno.EINVAL
        is_fdb = [False]
        if not valid_group_nh(nh, len(grps), is_fdb, extack):
            return -errno.EINVAL
        if nhg_fdb and nh_check_attr_fdb_group(nh, nh_family, extack):
            return -errno.EINVAL
        if not nhg_fdb and is_fdb[0]:
            rtnetlink.NL_SET_ERR_MSG(extack, "Non FDB nexthop group cannot have fdb nexthops")
            return -errno.EINVAL
    for attr in tb:
        if attr in _GROUP_ALLOWED or (attr == uapi_nh.NHA_RES_GROUP
                                      and nh_grp_type == uapi_nh.NEXTHOP_GRP_TYPE_RES):
            continue
        rtnetlink.NL_SET_ERR_MSG(extack, "No other attributes can be set in nexthop groups")
        return -errno.EINVAL
    return 0


def ipv4_good_nh(nh: fib_nh) -> bool:
    """The gateway's neighbour, if any, is NUD_VALID. Kernel: net/ipv4/nexthop.c ipv4_good_nh."""
    state = nb.NUD_REACHABLE
    if nh.nhc_dev is not None:
        n = arp.__ipv4_neigh_lookup_noref(nh.nhc_dev, nh.nhc_gw)
        if n is not None:
            state = n.nud_state
    return bool(state & nb.NUD_VALID)


def nexthop_is_good_nh(nh: nexthop) -> bool:
    """Kernel: net/ipv4/nexthop.c nexthop_is_good_nh."""
    nhi = nh.info()
    return nhi.family == uapi_rt.AF_INET and ipv4_good_nh(nhi.fib_nh)


def nexthop_select_path_fdb(nhg: nh_group, hash: int) -> nexthop:
    """Kernel: net/ipv4/nexthop.c nexthop_select_path_fdb."""
    for nhge in nhg.nh_entries:
        if hash <= nhge.upper_bound:
            return nhge.nh
    return nhg.nh_entries[0].nh


def nexthop_select_path_hthr(nhg: nh_group, hash: int) -> nexthop:
    """Hash-threshold over the members whose neighbour is usable (always checked for
    nexthop objects, no sysctl); none usable: the first member.

    Kernel: net/ipv4/nexthop.c nexthop_select_path_hthr."""
    if nhg.fdb_nh:
        return nexthop_select_path_fdb(nhg, hash)
    nhge0: nh_grp_entry | None = None
    for nhge in nhg.nh_entries:
        if not nexthop_is_good_nh(nhge.nh):
            continue
        if nhge0 is None:
            nhge0 = nhge
        if hash > nhge.upper_bound:
            continue
        return nhge.nh
    return (nhge0 or nhg.nh_entries[0]).nh


def nexthop_select_path_res(nhg: nh_group, hash: int) -> nexthop:
    """The member in bucket hash % buckets (no neighbour check: a bucket always has one),
    which is marked used now. Kernel: net/ipv4/nexthop.c nexthop_select_path_res."""
    res_table = nhg.res()
    bucket = res_table.nh_buckets[hash % res_table.num_nh_buckets]
    nh_res_bucket_set_busy(res_table.net.kernel, bucket)
    nhge = bucket.nh_entry
    assert nhge is not None
    return nhge.nh


def nexthop_select_path(nh: nexthop, hash: int) -> nexthop:
    """The path (single nexthop) a flow hash takes through nh. Kernel: net/ipv4/nexthop.c
    nexthop_select_path."""
    if not nh.is_group:
        return nh
    nhg = nh.grp()
    if nhg.resilient:
        return nexthop_select_path_res(nhg, hash)
    return nexthop_select_path_hthr(nhg, hash)


def nexthop_check_scope(nhi: nh_info, scope: int, extack: Any) -> int:
    """Kernel: net/ipv4/nexthop.c nexthop_check_scope."""
    if scope == uapi_rt.RT_SCOPE_HOST and nhi.fib_nh.nhc_gw_family:
        rtnetlink.NL_SET_ERR_MSG(extack, "Route with host scope can not have a gateway")
        return -errno.EINVAL
    if nhi.fib_nh.nhc_flags & uapi_rt.RTNH_F_ONLINK and scope >= uapi_rt.RT_SCOPE_LINK:
        rtnetlink.NL_SET_ERR_MSG(extack, "Scope mismatch with nexthop")
        return -errno.EINVAL
    return 0


def fib_check_nexthop(nh: nexthop, scope: int, extack: Any) -> int:
    """May a route of `scope` use nh? (what fib_check_nh does for a route's own nexthops).

    Kernel: net/ipv4/nexthop.c fib_check_nexthop."""
    if nh.is_group:
        nhg = nh.grp()
        if nhg.fdb_nh:
            rtnetlink.NL_SET_ERR_MSG(extack, "Route cannot point to a fdb nexthop")
            return -errno.EINVAL
        if scope == uapi_rt.RT_SCOPE_HOST:
            rtnetlink.NL_SET_ERR_MSG(extack,
                                     "Route with host scope can not have multiple nexthops")
            return -errno.EINVAL
        return nexthop_check_scope(nhg.nh_entries[0].nh.info(), scope, extack)
    nhi = nh.info()
    if nhi.fdb_nh:
        rtnetlink.NL_SET_ERR_MSG(extack, "Route cannot point to a fdb nexthop")
        return -errno.EINVAL
    return nexthop_check_scope(nhi, scope, extack)


def fib_check_nh_list(old: nexthop, new: nexthop, extack: Any) -> int:
    """Kernel: net/ipv4/nexthop.c fib_check_nh_list."""
    for fi in old.fi_list:
        err = fib_check_nexthop(new, fi.fib_scope, extack)
        if err:
            return err
    return 0


def nh_hthr_group_rebalance(nhg: nh_group) -> None:
    """Upper bounds in [0, 2^31) proportional to the weights. Kernel: net/ipv4/nexthop.c
    nh_hthr_group_rebalance."""
    total = sum(nhge.weight for nhge in nhg.nh_entries)
    w = 0
    for nhge in nhg.nh_entries:
        w += nhge.weight
        nhge.upper_bound = ((w << 31) + total // 2) // total - 1


# ----- resilient groups -------------------------------------------------------------------------

NH_RES_UPKEEP_DW_MINIMUM_INTERVAL_DIV = 2  # the upkeep work runs at least HZ / 2 apart


def nh_res_bucket_set_idle(k: Kernel, bucket: nh_res_bucket) -> None:
    """Kernel: net/ipv4/nexthop.c nh_res_bucket_set_idle."""
    bucket.used_time = bucket.migrated_time = k.jiffies


def nh_res_bucket_set_busy(k: Kernel, bucket: nh_res_bucket) -> None:
    """Kernel: net/ipv4/nexthop.c nh_res_bucket_set_busy."""
    bucket.used_time = k.jiffies


def nh_res_bucket_idle_point(res_table: nh_res_table, bucket: nh_res_bucket, now: int) -> int:
    """When the bucket becomes idle (now if unused since its migration).

    Kernel: net/ipv4/nexthop.c nh_res_bucket_idle_point."""
    if bucket.used_time == bucket.migrated_time:
        return now
    return (bucket.used_time + res_table.idle_timer) & ULONG_MASK


def nh_res_table_unb_point(res_table: nh_res_table) -> int:
    """Kernel: net/ipv4/nexthop.c nh_res_table_unb_point."""
    return (res_table.unbalanced_since + res_table.unbalanced_timer) & ULONG_MASK


def nh_res_bucket_unset_nh(bucket: nh_res_bucket) -> None:
    """Kernel: net/ipv4/nexthop.c nh_res_bucket_unset_nh."""
    if bucket.occupied:
        assert bucket.nh_entry is not None
        bucket.nh_entry.count_buckets -= 1
        bucket.occupied = False


def nh_res_bucket_set_nh(bucket: nh_res_bucket, nhge: nh_grp_entry) -> None:
    """Kernel: net/ipv4/nexthop.c nh_res_bucket_set_nh."""
    nh_res_bucket_unset_nh(bucket)
    bucket.occupied = True
    bucket.nh_entry = nhge
    nhge.count_buckets += 1


def nh_res_bucket_should_migrate(res_table: nh_res_table, bucket: nh_res_bucket,
                                 deadline: list[int]) -> bool:
    """Does the bucket move now? An empty bucket does; one of an underweight or balanced
    member stays; one of an overweight member moves once idle, or once the table has been
    unbalanced for longer than unbalanced_timer (0: never). deadline[0] is lowered to when it
    might move. (The kernel's `force` tells offloading drivers which case it was; no driver
    here.) Kernel: net/ipv4/nexthop.c nh_res_bucket_should_migrate."""
    now = res_table.net.kernel.jiffies
    if not bucket.occupied:
        return True
    nhge = bucket.nh_entry
    assert nhge is not None
    if nhge.count_buckets <= nhge.wants_buckets:
        return False
    idle_point = nh_res_bucket_idle_point(res_table, bucket, now)
    if time_after_eq(now, idle_point):
        return True
    if res_table.unbalanced_timer:
        unb_point = nh_res_table_unb_point(res_table)
        if time_after(now, unb_point):
            return True
        nh_res_time_set_deadline(unb_point, deadline)
    nh_res_time_set_deadline(idle_point, deadline)
    return False


def nh_res_time_set_deadline(next_time: int, deadline: list[int]) -> None:
    """Kernel: net/ipv4/nexthop.c nh_res_time_set_deadline."""
    if time_before(next_time, deadline[0]):
        deadline[0] = next_time


def nh_res_bucket_migrate(res_table: nh_res_table, bucket_index: int, notify_nl: bool) -> None:
    """Give the bucket to the first underweight member (no driver here can veto it).

    Kernel: net/ipv4/nexthop.c nh_res_bucket_migrate."""
    bucket = res_table.nh_buckets[bucket_index]
    new_nhge = res_table.uw_nh_entries[0]
    nh_res_bucket_set_nh(bucket, new_nhge)
    nh_res_bucket_set_idle(res_table.net.kernel, bucket)
    if notify_nl:
        nexthop_bucket_notify(res_table, bucket_index)
    if new_nhge.count_buckets == new_nhge.wants_buckets:
        res_table.uw_nh_entries.pop(0)


def nh_res_table_upkeep(res_table: nh_res_table, notify_nl: bool) -> None:
    """Move every bucket that should move; if the table stays unbalanced, queue the upkeep
    work for the earliest time another might (at least HZ / 2 on). Kernel: net/ipv4/nexthop.c
    nh_res_table_upkeep."""
    k = res_table.net.kernel
    now = k.jiffies
    deadline = [(now + (res_table.unbalanced_timer or res_table.idle_timer)) & ULONG_MASK]
    for i, bucket in enumerate(res_table.nh_buckets):
        if nh_res_bucket_should_migrate(res_table, bucket, deadline):
            nh_res_bucket_migrate(res_table, i, notify_nl)
    if res_table.uw_nh_entries:
        now = k.jiffies
        min_deadline = now + k.hz // NH_RES_UPKEEP_DW_MINIMUM_INTERVAL_DIV
        if time_before(deadline[0], min_deadline):
            deadline[0] = min_deadline
        if not ktimer.timer_pending(res_table.upkeep_dw):  # queue_delayed_work
            ktimer.mod_timer(res_table.upkeep_dw, deadline[0])


def nh_res_table_upkeep_dw(res_table: nh_res_table) -> None:
    """The delayed upkeep work, with bucket notifications. Kernel: net/ipv4/nexthop.c
    nh_res_table_upkeep_dw."""
    nh_res_table_upkeep(res_table, True)


def nh_res_table_cancel_upkeep(res_table: nh_res_table) -> None:
    """Kernel: net/ipv4/nexthop.c nh_res_table_cancel_upkeep."""
    ktimer.del_timer_sync(res_table.upkeep_dw)


def nh_res_group_rebalance(nhg: nh_group, res_table: nh_res_table) -> None:
    """Each member wants buckets in proportion to its weight (rounded upper bounds); the
    underweight ones are listed, the last member first. Kernel: net/ipv4/nexthop.c
    nh_res_group_rebalance."""
    res_table.uw_nh_entries = []
    total = sum(nhge.weight for nhge in nhg.nh_entries)
    prev_upper_bound = 0
    w = 0
    for nhge in nhg.nh_entries:
        w += nhge.weight
        upper_bound = (res_table.num_nh_buckets * w + total // 2) // total & 0xFFFF
        nhge.wants_buckets = (upper_bound - prev_upper_bound) & 0xFFFF
        prev_upper_bound = upper_bound
        if nhge.count_buckets < nhge.wants_buckets:
            if not res_table.uw_nh_entries:
                res_table.unbalanced_since = res_table.net.kernel.jiffies
            res_table.uw_nh_entries.insert(0, nhge)


def nh_res_table_migrate_buckets(res_table: nh_res_table, nhg: nh_group) -> None:
    """Point each bucket at nhg's entry of the same nexthop id; a bucket whose member is gone
    is left unoccupied. Kernel: net/ipv4/nexthop.c nh_res_table_migrate_buckets."""
    by_id = {nhge.nh.id: nhge for nhge in nhg.nh_entries}
    for bucket in res_table.nh_buckets:
        assert bucket.nh_entry is not None
        nhge = by_id.get(bucket.nh_entry.nh.id)
        if nhge is not None:
            nh_res_bucket_set_nh(bucket, nhge)
        else:
            nh_res_bucket_unset_nh(bucket)


def replace_nexthop_grp_res(oldg: nh_group, newg: nh_group) -> None:
    """Carry oldg's buckets over to newg's members and rebalance (no bucket notifications;
    an unbalanced table stays unbalanced since the same time). Kernel: net/ipv4/nexthop.c
    replace_nexthop_grp_res."""
    old_res_table = oldg.res()
    prev_unbalanced_since = old_res_table.unbalanced_since
    prev_has_uw = bool(old_res_table.uw_nh_entries)
    nh_res_table_cancel_upkeep(old_res_table)
    nh_res_table_migrate_buckets(old_res_table, newg)
    nh_res_group_rebalance(newg, old_res_table)
    if prev_has_uw and old_res_table.uw_nh_entries:
        old_res_table.unbalanced_since = prev_unbalanced_since
    nh_res_table_upkeep(old_res_table, False)


# ----- removal ----------------------------------------------------------------------------------


def remove_nh_grp_entry(net: Net, nhge: nh_grp_entry, nlinfo: nl_info | None) -> None:
    """Drop one member from its group (the last member takes the group with it).

    Kernel: net/ipv4/nexthop.c remove_nh_grp_entry."""
    nhp = nhge.nh_parent
    nhg = nhp.grp()
    if nhg.num_nh == 1:
        remove_nexthop(net, nhp, nlinfo)
        return
    newg = nh_group()
    newg.is_multipath = nhg.is_multipath
    newg.hash_threshold = nhg.hash_threshold
    newg.resilient = nhg.resilient
    newg.res_table = nhg.res_table
    newg.fdb_nh = nhg.fdb_nh
    newg.nh_entries = [e for e in nhg.nh_entries if e.nh is not nhge.nh]
    newg.has_v4 = any(e.nh.info().family == uapi_rt.AF_INET for e in newg.nh_entries)
    if newg.hash_threshold:
        nh_hthr_group_rebalance(newg)
    else:
        replace_nexthop_grp_res(nhg, newg)
    nhp.nh_grp = newg
    nhge.nh.grp_list.remove(nhge)
    if nlinfo is not None:
        nexthop_notify(uapi_rt.RTM_NEWNEXTHOP, nhp, nlinfo)


def remove_nexthop_from_groups(net: Net, nh: nexthop, nlinfo: nl_info | None) -> None:
    """Kernel: net/ipv4/nexthop.c remove_nexthop_from_groups."""
    for nhge in list(nh.grp_list):
        remove_nh_grp_entry(net, nhge, nlinfo)


def remove_nexthop_group(nh: nexthop) -> None:
    """Unlink a group from its members; a resilient group's upkeep work is cancelled.

    Kernel: net/ipv4/nexthop.c remove_nexthop_group."""
    nhg = nh.grp()
    for nhge in nhg.nh_entries:
        if nhge in nhge.nh.grp_list:
            nhge.nh.grp_list.remove(nhge)
    if nhg.resilient:
        nh_res_table_cancel_upkeep(nhg.res())


def __remove_nexthop_fib(net: Net, nh: nexthop) -> None:
    """Kill the routes using nh: their fib_infos die and fib_flush removes them (not called
    for a replace). Kernel: net/ipv4/nexthop.c __remove_nexthop_fib."""
    for fi in nh.fi_list:
        fi.fib_flags |= uapi_rt.RTNH_F_DEAD
    if nh.fi_list:
        fib_frontend.fib_flush(net)


def __remove_nexthop(net: Net, nh: nexthop, nlinfo: nl_info | None) -> None:
    """Kernel: net/ipv4/nexthop.c __remove_nexthop."""
    __remove_nexthop_fib(net, nh)
    if nh.is_group:
        remove_nexthop_group(nh)
        return
    nhi = nh.info()
    dev = nhi.fib_nh.nhc_dev
    if dev is not None:
        bucket = _nh(net).devhash.get(dev.ifindex, [])
        if nhi in bucket:
            bucket.remove(nhi)
    remove_nexthop_from_groups(net, nh, nlinfo)


def remove_nexthop(net: Net, nh: nexthop, nlinfo: nl_info | None) -> None:
    """Unhash nh, notify (when asked by a request), remove its routes and group memberships.
    The route cache is flushed: in the kernel the last nexthop_put frees the nexthop's fib_nh
    and with it the dsts cached on it. Kernel: net/ipv4/nexthop.c remove_nexthop."""
    state = _nh(net)
    if state.rb_root.get(nh.id) is nh:
        del state.rb_root[nh.id]
    if nlinfo is not None:
        nexthop_notify(uapi_rt.RTM_DELNEXTHOP, nh, nlinfo)
    __remove_nexthop(net, nh, nlinfo)
    nh_base_seq_inc(net)
    route.rt_cache_flush(net)


def nh_rt_cache_flush(net: Net, nh: nexthop) -> None:
    """Routes through nh must take new dsts. Kernel: net/ipv4/nexthop.c nh_rt_cache_flush."""
    if nh.fi_list:
        route.rt_cache_flush(net)


# ----- replace ----------------------------------------------------------------------------------


def replace_nexthop_grp(old: nexthop, new: nexthop, cfg: nh_config, extack: Any) -> int:
    """Swap the groups of old and new (new is then freed holding old's). A resilient group
    keeps its table (bucket count, and the timers the request does not give) and its buckets
    migrate to the new members.

    Kernel: net/ipv4/nexthop.c replace_nexthop_grp."""
    if not new.is_group:
        rtnetlink.NL_SET_ERR_MSG(extack, "Can not replace a nexthop group with a nexthop.")
        return -errno.EINVAL
    oldg, newg = old.grp(), new.grp()
    if newg.hash_threshold != oldg.hash_threshold:
        rtnetlink.NL_SET_ERR_MSG(extack,
                                 "Can not replace a nexthop group with one of a different type.")
        return -errno.EINVAL
    if newg.resilient:
        old_res_table = oldg.res()
        if (cfg.nh_grp_res_has_num_buckets
                and cfg.nh_grp_res_num_buckets != old_res_table.num_nh_buckets):
            rtnetlink.NL_SET_ERR_MSG(
                extack, "Can not change number of buckets of a resilient nexthop group.")
            return -errno.EINVAL
        if cfg.nh_grp_res_has_idle_timer:
            old_res_table.idle_timer = cfg.nh_grp_res_idle_timer & 0xFFFFFFFF
        if cfg.nh_grp_res_has_unbalanced_timer:
            old_res_table.unbalanced_timer = cfg.nh_grp_res_unbalanced_timer & 0xFFFFFFFF
        replace_nexthop_grp_res(oldg, newg)
        newg.res_table, oldg.res_table = old_res_table, newg.res_table
    for nhge in newg.nh_entries:
        nhge.nh_parent = old
    old.nh_grp = newg
    for nhge in oldg.nh_entries:
        nhge.nh_parent = new
    new.nh_grp = oldg
    return 0


def nh_group_v4_update(nhg: nh_group) -> None:
    """Kernel: net/ipv4/nexthop.c nh_group_v4_update."""
    nhg.has_v4 = any(e.nh.info().family == uapi_rt.AF_INET for e in nhg.nh_entries)


def replace_nexthop_single(old: nexthop, new: nexthop, extack: Any) -> int:
    """Swap the nh_infos of old and new: routes and groups holding old now use the new path.

    Kernel: net/ipv4/nexthop.c replace_nexthop_single."""
    if new.is_group:
        rtnetlink.NL_SET_ERR_MSG(extack, "Can not replace a nexthop with a nexthop group.")
        return -errno.EINVAL
    oldi, newi = old.info(), new.info()
    if old.grp_list and newi.fdb_nh != oldi.fdb_nh:
        rtnetlink.NL_SET_ERR_MSG(extack, "Cannot change nexthop FDB status while in a group")
        return -errno.EINVAL
    newi.nh_parent = old
    oldi.nh_parent = new
    old.protocol = new.protocol
    old.nh_flags = new.nh_flags
    old.nh_info = newi
    new.nh_info = oldi
    if oldi.family != newi.family:
        for nhge in old.grp_list:
            nh_group_v4_update(nhge.nh_parent.grp())
    return 0


def replace_nexthop(net: Net, old: nexthop, new: nexthop, cfg: nh_config, extack: Any) -> int:
    """Check that the routes and groups using old accept new, then make old take new's
    definition in place. Kernel: net/ipv4/nexthop.c replace_nexthop."""
    err = fib_check_nh_list(old, new, extack)
    if err:
        return err
    new_is_reject = not new.is_group and new.info().reject_nh
    for nhge in old.grp_list:
        if new_is_reject and nexthop_num_path(nhge.nh_parent) > 1:
            rtnetlink.NL_SET_ERR_MSG(extack, "Blackhole nexthop can not be a member of a group "
                                     "with more than one path")
            return -errno.EINVAL
        err = fib_check_nh_list(nhge.nh_parent, new, extack)
        if err:
            return err
    if old.is_group:
        err = replace_nexthop_grp(old, new, cfg, extack)
    else:
        err = replace_nexthop_single(old, new, extack)
    if not err:
        nh_rt_cache_flush(net, old)
        __remove_nexthop(net, new, None)
    return err


def __nexthop_replace_notify(net: Net, nh: nexthop, info: nl_info) -> None:
    """RTM_NEWROUTE (NLM_F_REPLACE) for every route using nh. Kernel: net/ipv4/nexthop.c
    __nexthop_replace_notify."""
    if nh.fi_list:
        fib_trie.fib_info_notify_update(net, info, set(map(id, nh.fi_list)))


def nexthop_replace_notify(net: Net, nh: nexthop, info: nl_info) -> None:
    """Kernel: net/ipv4/nexthop.c nexthop_replace_notify."""
    __nexthop_replace_notify(net, nh, info)
    for nhge in nh.grp_list:
        __nexthop_replace_notify(net, nhge.nh_parent, info)


def insert_nexthop(net: Net, new_nh: nexthop, cfg: nh_config, extack: Any) -> int:
    """Insert new_nh under its id, or replace the nexthop there (NLM_F_REPLACE); an existing id
    without REPLACE is -EEXIST. Kernel: net/ipv4/nexthop.c insert_nexthop."""
    state = _nh(net)
    replace = bool(cfg.nlflags & uapi_rt.NLM_F_REPLACE)
    create = bool(cfg.nlflags & uapi_rt.NLM_F_CREATE)
    replace_notify = False
    old = state.rb_root.get(new_nh.id)
    if old is not None:
        if not replace:
            return -errno.EEXIST
        rc = replace_nexthop(net, old, new_nh, cfg, extack)
        if rc:
            return rc
        new_nh = old
        replace_notify = True
    elif replace and not create:
        rtnetlink.NL_SET_ERR_MSG(extack, "Replace specified without create and no entry exists")
        return -errno.ENOENT
    else:
        if new_nh.is_group and new_nh.grp().resilient:
            if not cfg.nh_grp_res_has_num_buckets:
                rtnetlink.NL_SET_ERR_MSG(
                    extack, "Number of buckets not specified for nexthop group insertion")
                return -errno.EINVAL
            nhg = new_nh.grp()
            nh_res_group_rebalance(nhg, nhg.res())
            nh_res_table_upkeep(nhg.res(), False)
        state.rb_root[new_nh.id] = new_nh
    nh_base_seq_inc(net)
    nexthop_notify(uapi_rt.RTM_NEWNEXTHOP, new_nh, cfg.nlinfo)
    if replace_notify and net.ipv4.sysctl_nexthop_compat_mode:
        nexthop_replace_notify(net, new_nh, cfg.nlinfo)
    return 0


def nexthop_flush_dev(dev: net_device, event: int) -> None:
    """Remove the nexthops on dev (blackholes, on lo, survive it going down).

    Kernel: net/ipv4/nexthop.c nexthop_flush_dev."""
    net = dev.nd_net
    for nhi in list(_nh(net).devhash.get(dev.ifindex, [])):
        if nhi.fib_nh.nhc_dev is not dev:
            continue
        if nhi.reject_nh and event in (netdev.NETDEV_DOWN, netdev.NETDEV_CHANGE):
            continue
        remove_nexthop(net, nhi.nh_parent, None)


def flush_all_nexthops(net: Net) -> None:
    """The namespace goes away. Kernel: net/ipv4/nexthop.c flush_all_nexthops."""
    state = _nh(net)
    while state.rb_root:
        remove_nexthop(net, state.rb_root[min(state.rb_root)], None)


# ----- creation ---------------------------------------------------------------------------------


def nexthop_create_group(net: Net, cfg: nh_config) -> nexthop:
    """Kernel: net/ipv4/nexthop.c nexthop_create_group."""
    grps = cfg.nh_grp
    assert grps
    nh = nexthop(net)
    nh.is_group = True
    nhg = nh_group()
    for g in grps:
        nhe = nexthop_find_by_id(net, g.id)
        assert nhe is not None  # nh_check_attr_group found every member, under RTNL
        if nhe.info().family == uapi_rt.AF_INET:
            nhg.has_v4 = True
        nhge = nh_grp_entry(nhe, uapi_nh.nexthop_grp_weight(g), nh)
        nhg.nh_entries.append(nhge)
        nhe.grp_list.insert(0, nhge)
    if cfg.nh_grp_type == uapi_nh.NEXTHOP_GRP_TYPE_RES:
        nhg.res_table = nh_res_table(net, cfg.nh_id, cfg)
        nhg.resilient = True
    else:
        nhg.hash_threshold = True
        nh_hthr_group_rebalance(nhg)
    nhg.is_multipath = True
    nhg.fdb_nh = cfg.nh_fdb
    nh.nh_grp = nhg
    return nh


def nh_create_ipv4(net: Net, nh: nexthop, nhi: nh_info, cfg: nh_config, extack: Any) -> int:
    """Fill nhi's fib_nh and check it as a route's nexthop is checked (fib_check_nh, table main,
    scope 0); fdb nexthops are not checked. Kernel: net/ipv4/nexthop.c nh_create_ipv4."""
    fnh = nhi.fib_nh
    fib_cfg = fib_config()
    fib_cfg.fc_oif = cfg.nh_ifindex
    fib_cfg.fc_gw4 = cfg.gw
    fib_cfg.fc_gw_family = uapi_rt.AF_INET if cfg.gw else 0
    fib_cfg.fc_flags = cfg.nh_flags
    fib_cfg.fc_nlinfo = cfg.nlinfo
    err = fib_semantics.fib_nh_init(net, fnh, fib_cfg, 1, extack)
    if err or nhi.fdb_nh:
        return err
    err = fib_semantics.fib_check_nh(net, fnh, uapi_rt.RT_TABLE_MAIN, 0, extack)
    if not err:
        nh.nh_flags = fnh.nhc_flags
        fib_semantics.fib_info_update_nhc_saddr(
            net, fnh, fnh.nhc_scope - 1 if fnh.nhc_scope else 0)
    return err


def nexthop_create(net: Net, cfg: nh_config, extack: Any) -> nexthop | int:
    """A single-path nexthop (blackhole: a device nexthop on lo). Kernel: net/ipv4/nexthop.c
    nexthop_create."""
    nh = nexthop(net)
    nh.nh_flags = cfg.nh_flags
    nhi = nh_info(nh, cfg.nh_family)
    nhi.fdb_nh = cfg.nh_fdb
    if cfg.nh_blackhole:
        nhi.reject_nh = True
        assert net.loopback_dev is not None
        cfg.nh_ifindex = net.loopback_dev.ifindex
    if cfg.nh_family == uapi_rt.AF_INET:
        err = nh_create_ipv4(net, nh, nhi, cfg, extack)
    else:
        err = -errno.EAFNOSUPPORT
    if err:
        return err
    dev = nhi.fib_nh.nhc_dev
    if not nhi.fdb_nh and dev is not None:  # nexthop_devhash_add
        _nh(net).devhash.setdefault(dev.ifindex, []).insert(0, nhi)
    nh.nh_info = nhi
    return nh


def nexthop_add(net: Net, cfg: nh_config, extack: Any) -> nexthop | int:
    """Create the nexthop cfg describes (an id is allocated when none is given) and insert it.

    Kernel: net/ipv4/nexthop.c nexthop_add."""
    if cfg.nlflags & uapi_rt.NLM_F_REPLACE and not cfg.nh_id:
        rtnetlink.NL_SET_ERR_MSG(extack, "Replace requires nexthop id")
        return -errno.EINVAL
    if not cfg.nh_id:
        cfg.nh_id = nh_find_unused_id(net)
        if not cfg.nh_id:
            rtnetlink.NL_SET_ERR_MSG(extack, "No unused id")
            return -errno.EINVAL
    nh = nexthop_create_group(net, cfg) if cfg.nh_grp else nexthop_create(net, cfg, extack)
    if isinstance(nh, int):
        return nh
    nh.id = cfg.nh_id
    nh.protocol = cfg.nh_protocol
    err = insert_nexthop(net, nh, cfg, extack)
    if err:
        __remove_nexthop(net, nh, None)
        return err
    return nh


# ----- rtnetlink handlers -----------------------------------------------------------------------


def rtm_nh_get_timer(net: Net, tb: dict[int, int], attr: int, fallback: int,
                     extack: Any) -> tuple[int, bool] | int:
    """(jiffies, given) of a clock_t timer attribute, or -EINVAL when it does not fit.

    Kernel: net/ipv4/nexthop.c rtm_nh_get_timer."""
    if attr not in tb:
        return fallback, False
    timer = clock_t_to_jiffies(net.kernel, tb[attr] & 0xFFFFFFFF)
    if timer == ULONG_MASK:
        rtnetlink.NL_SET_ERR_MSG(extack, "Timer value too large")
        return -errno.EINVAL
    return timer, True


def rtm_to_nh_config_grp_res(net: Net, tb: dict[int, int], cfg: nh_config, extack: Any) -> int:
    """The NHA_RES_GROUP nest: bucket count (not 0), idle timer (default 120 s), unbalanced
    timer (default 0). Kernel: net/ipv4/nexthop.c rtm_to_nh_config_grp_res."""
    if uapi_nh.NHA_RES_GROUP_BUCKETS in tb:
        cfg.nh_grp_res_num_buckets = tb[uapi_nh.NHA_RES_GROUP_BUCKETS] & 0xFFFF
        cfg.nh_grp_res_has_num_buckets = True
        if not cfg.nh_grp_res_num_buckets:
            rtnetlink.NL_SET_ERR_MSG(extack, "Number of buckets needs to be non-0")
            return -errno.EINVAL
    idle = rtm_nh_get_timer(net, tb, uapi_nh.NHA_RES_GROUP_IDLE_TIMER,
                            NH_RES_DEFAULT_IDLE_TIMER_S * net.kernel.hz, extack)
    if isinstance(idle, int):
        return idle
    cfg.nh_grp_res_idle_timer, cfg.nh_grp_res_has_idle_timer = idle
    unb = rtm_nh_get_timer(net, tb, uapi_nh.NHA_RES_GROUP_UNBALANCED_TIMER,
                           NH_RES_DEFAULT_UNBALANCED_TIMER, extack)
    if isinstance(unb, int):
        return unb
    cfg.nh_grp_res_unbalanced_timer, cfg.nh_grp_res_has_unbalanced_timer = unb
    return 0


def rtm_to_nh_config(net: Net, msg: uapi_rt.nlmsg, cfg: nh_config, extack: Any) -> int:
    """Parse and check an RTM_NEWNEXTHOP request. Kernel: net/ipv4/nexthop.c rtm_to_nh_config."""
    nhm: uapi_nh.nhmsg = msg.hdr
    tb = msg.attrs
    if nhm.resvd or nhm.nh_scope:
        rtnetlink.NL_SET_ERR_MSG(extack, "Invalid values in ancillary header")
        return -errno.EINVAL
    if nhm.nh_flags & ~NEXTHOP_VALID_USER_FLAGS:
        rtnetlink.NL_SET_ERR_MSG(extack, "Invalid nexthop flags in ancillary header")
        return -errno.EINVAL
    if nhm.nh_family not in (uapi_rt.AF_INET, AF_INET6) and not (
            nhm.nh_family == uapi_rt.AF_UNSPEC and uapi_nh.NHA_GROUP in tb):
        rtnetlink.NL_SET_ERR_MSG(extack, "Invalid address family")
        return -errno.EINVAL
    cfg.nlflags = msg.flags
    cfg.nlinfo = nl_info(net, msg, msg.pid)
    cfg.nh_family = nhm.nh_family
    cfg.nh_protocol = nhm.nh_protocol
    cfg.nh_flags = nhm.nh_flags
    cfg.nh_id = tb.get(uapi_nh.NHA_ID, 0)
    if uapi_nh.NHA_FDB in tb:
        if any(a in tb for a in (uapi_nh.NHA_OIF, uapi_nh.NHA_BLACKHOLE, uapi_nh.NHA_ENCAP,
                                 uapi_nh.NHA_ENCAP_TYPE)):
            rtnetlink.NL_SET_ERR_MSG(
                extack, "Fdb attribute can not be used with encap, oif or blackhole")
            return -errno.EINVAL
        if nhm.nh_flags:
            rtnetlink.NL_SET_ERR_MSG(extack, "Unsupported nexthop flags in ancillary header")
            return -errno.EINVAL
        cfg.nh_fdb = True
    if uapi_nh.NHA_GROUP in tb:
        if nhm.nh_family != uapi_rt.AF_UNSPEC:
            rtnetlink.NL_SET_ERR_MSG(extack, "Invalid family for group")
            return -errno.EINVAL
        cfg.nh_grp = tb[uapi_nh.NHA_GROUP]
        cfg.nh_grp_type = tb.get(uapi_nh.NHA_GROUP_TYPE, uapi_nh.NEXTHOP_GRP_TYPE_MPATH)
        if cfg.nh_grp_type > uapi_nh.NEXTHOP_GRP_TYPE_MAX:
            rtnetlink.NL_SET_ERR_MSG(extack, "Invalid group type")
            return -errno.EINVAL
        err = nh_check_attr_group(net, tb, cfg.nh_grp_type, extack)
        if not err and cfg.nh_grp_type == uapi_nh.NEXTHOP_GRP_TYPE_RES:
            err = rtm_to_nh_config_grp_res(net, tb.get(uapi_nh.NHA_RES_GROUP, {}), cfg, extack)
        return err
    if uapi_nh.NHA_BLACKHOLE in tb:
        if any(a in tb for a in (uapi_nh.NHA_GATEWAY, uapi_nh.NHA_OIF, uapi_nh.NHA_ENCAP,
                                 uapi_nh.NHA_ENCAP_TYPE, uapi_nh.NHA_FDB)):
            rtnetlink.NL_SET_ERR_MSG(extack, "Blackhole attribute can not be used with "
                                     "gateway, oif, encap or fdb")
            return -errno.EINVAL
        cfg.nh_blackhole = True
        return 0
    if not cfg.nh_fdb and uapi_nh.NHA_OIF not in tb:
        rtnetlink.NL_SET_ERR_MSG(extack,
                                 "Device attribute required for non-blackhole and non-fdb "
                                 "nexthops")
        return -errno.EINVAL
    if not cfg.nh_fdb:
        cfg.nh_ifindex = tb[uapi_nh.NHA_OIF]
        if cfg.nh_ifindex:
            cfg.dev = net.dev_index_head.get(cfg.nh_ifindex)
        if cfg.dev is None:
            rtnetlink.NL_SET_ERR_MSG(extack, "Invalid device index")
            return -errno.EINVAL
        if not cfg.dev.flags & IFF_UP:
            rtnetlink.NL_SET_ERR_MSG(extack, "Nexthop device is not up")
            return -errno.ENETDOWN
        if not netdev.netif_carrier_ok(cfg.dev):
            rtnetlink.NL_SET_ERR_MSG(extack, "Carrier for nexthop device is down")
            return -errno.ENETDOWN
    if uapi_nh.NHA_GATEWAY in tb:
        if cfg.nh_family != uapi_rt.AF_INET:
            rtnetlink.NL_SET_ERR_MSG(extack, "Unknown address family for gateway")
            return -errno.EINVAL
        cfg.gw = tb[uapi_nh.NHA_GATEWAY]
    elif cfg.nh_flags & uapi_rt.RTNH_F_ONLINK:
        rtnetlink.NL_SET_ERR_MSG(extack,
                                 "ONLINK flag can not be set for nexthop without a gateway")
        return -errno.EINVAL
    if uapi_nh.NHA_ENCAP in tb or uapi_nh.NHA_ENCAP_TYPE in tb:
        rtnetlink.NL_SET_ERR_MSG(extack, "LWT encapsulation type is missing"
                                 if uapi_nh.NHA_ENCAP in tb else
                                 "LWT encapsulation attribute is missing")
        return -errno.EINVAL
    if uapi_nh.NHA_HW_STATS_ENABLE in tb:
        rtnetlink.NL_SET_ERR_MSG(
            extack, "Cannot enable nexthop hardware statistics for non-group nexthops")
        return -errno.EINVAL
    return 0


def rtm_new_nexthop(net: Net, msg: uapi_rt.nlmsg, extack: Any) -> int:
    """RTM_NEWNEXTHOP doit (`ip nexthop add/replace`). Kernel: net/ipv4/nexthop.c
    rtm_new_nexthop."""
    cfg = nh_config()
    err = rtm_to_nh_config(net, msg, cfg, extack)
    if err:
        return err
    nh = nexthop_add(net, cfg, extack)
    return nh if isinstance(nh, int) else 0


def nh_valid_get_del_req(msg: uapi_rt.nlmsg, extack: Any) -> int:
    """The id a GET/DEL names, or -EINVAL. Kernel: net/ipv4/nexthop.c nh_valid_get_del_req."""
    nhm: uapi_nh.nhmsg = msg.hdr
    if nhm.nh_protocol or nhm.resvd or nhm.nh_scope or nhm.nh_flags:
        rtnetlink.NL_SET_ERR_MSG(extack, "Invalid values in header")
        return -errno.EINVAL
    if uapi_nh.NHA_ID not in msg.attrs:
        rtnetlink.NL_SET_ERR_MSG(extack, "Nexthop id is missing")
        return -errno.EINVAL
    id: int = msg.attrs[uapi_nh.NHA_ID]
    if not id:
        rtnetlink.NL_SET_ERR_MSG(extack, "Invalid nexthop id")
        return -errno.EINVAL
    return id


def rtm_del_nexthop(net: Net, msg: uapi_rt.nlmsg, extack: Any) -> int:
    """RTM_DELNEXTHOP doit (`ip nexthop del`). Kernel: net/ipv4/nexthop.c rtm_del_nexthop."""
    id = nh_valid_get_del_req(msg, extack)
    if id < 0:
        return id
    nh = nexthop_find_by_id(net, id)
    if nh is None:
        return -errno.ENOENT
    remove_nexthop(net, nh, nl_info(net, msg, msg.pid))
    return 0


def rtm_get_nexthop(net: Net, msg: uapi_rt.nlmsg, extack: Any) -> int:
    """RTM_GETNEXTHOP doit (`ip nexthop get`). Kernel: net/ipv4/nexthop.c rtm_get_nexthop."""
    id = nh_valid_get_del_req(msg, extack)
    if id < 0:
        return id
    nh = nexthop_find_by_id(net, id)
    if nh is None:
        return -errno.ENOENT
    return rtnetlink.rtnl_unicast(nh_fill_node(nh, uapi_rt.RTM_NEWNEXTHOP, 0), extack)


def nh_dump_filtered(nh: nexthop, dev_idx: int, master_idx: int, group_filter: bool,
                     family: int) -> bool:
    """Kernel: net/ipv4/nexthop.c nh_dump_filtered (no device here has a master)."""
    if group_filter and not nh.is_group:
        return True
    if not dev_idx and not master_idx and not family:
        return False
    if nh.is_group:
        return True
    nhi = nh.info()
    if family and nhi.family != family:
        return True
    dev = nhi.fib_nh.nhc_dev
    if dev_idx and (dev is None or dev.ifindex != dev_idx):
        return True
    return bool(master_idx)


def __nh_valid_dump_req(nhm: uapi_nh.nhmsg, tb: dict[int, Any],
                        ext: Any) -> uapi_rt.nlreply | None:
    """The checks both dump requests share: device indexes that fit an int, a header with no
    protocol, scope or flags. None when valid, else the error reply. Kernel:
    net/ipv4/nexthop.c __nh_valid_dump_req."""
    for attr, what in ((uapi_nh.NHA_OIF, "Invalid device index"),
                       (uapi_nh.NHA_MASTER, "Invalid master device index")):
        if tb.get(attr, 0) > 0x7FFFFFFF:
            rtnetlink.NL_SET_ERR_MSG(ext, what)
            return uapi_rt.nlreply(-errno.EINVAL, ext.msg, [], True)
    if nhm.nh_protocol or nhm.resvd or nhm.nh_scope or nhm.nh_flags:
        rtnetlink.NL_SET_ERR_MSG(ext, "Invalid values in header for nexthop dump request")
        return uapi_rt.nlreply(-errno.EINVAL, ext.msg, [], True)
    return None


def rtm_dump_nexthop(net: Net, msg: uapi_rt.nlmsg) -> list[uapi_rt.nlmsg] | uapi_rt.nlreply:
    """RTM_GETNEXTHOP dumpit (`ip nexthop show`): nexthops in id order through the filter
    (NHA_OIF, NHA_MASTER, NHA_GROUPS; NHA_FDB is accepted and, as in the kernel, not applied).
    Kernel: net/ipv4/nexthop.c rtm_dump_nexthop, nh_valid_dump_req."""
    nhm: uapi_nh.nhmsg = msg.hdr
    tb = msg.attrs
    ext = rtnetlink.netlink_ext_ack(None, [])
    bad = __nh_valid_dump_req(nhm, tb, ext)
    if bad is not None:
        return bad
    dev_idx = tb.get(uapi_nh.NHA_OIF, 0)
    master_idx = tb.get(uapi_nh.NHA_MASTER, 0)
    group_filter = uapi_nh.NHA_GROUPS in tb
    state = _nh(net)
    return [nh_fill_node(state.rb_root[id], uapi_rt.RTM_NEWNEXTHOP, uapi_rt.NLM_F_MULTI)
            for id in sorted(state.rb_root)
            if not nh_dump_filtered(state.rb_root[id], dev_idx, master_idx, group_filter,
                                    nhm.nh_family)]


def nexthop_find_group_resilient(net: Net, id: int, extack: Any) -> nexthop | int:
    """Kernel: net/ipv4/nexthop.c nexthop_find_group_resilient."""
    nh = nexthop_find_by_id(net, id)
    if nh is None:
        return -errno.ENOENT
    if not nh.is_group:
        rtnetlink.NL_SET_ERR_MSG(extack, "Not a nexthop group")
        return -errno.EINVAL
    if not nh.grp().resilient:
        rtnetlink.NL_SET_ERR_MSG(extack, "Nexthop group not of type resilient")
        return -errno.EINVAL
    return nh


def rtm_dump_nexthop_bucket_nh(nh: nexthop, dev_idx: int, master_idx: int, nh_id: int,
                               family: int) -> list[uapi_rt.nlmsg]:
    """The buckets of one resilient group whose member passes the filter.

    Kernel: net/ipv4/nexthop.c rtm_dump_nexthop_bucket_nh."""
    out = []
    for i, bucket in enumerate(nh.grp().res().nh_buckets):
        nhge = bucket.nh_entry
        assert nhge is not None
        if nh_dump_filtered(nhge.nh, dev_idx, master_idx, False, family):
            continue
        if nh_id and nh_id != nhge.nh.id:
            continue
        out.append(nh_fill_res_bucket(nh, i, uapi_rt.RTM_NEWNEXTHOPBUCKET, uapi_rt.NLM_F_MULTI))
    return out


def rtm_dump_nexthop_bucket(net: Net,
                            msg: uapi_rt.nlmsg) -> list[uapi_rt.nlmsg] | uapi_rt.nlreply:
    """RTM_GETNEXTHOPBUCKET dumpit (`ip nexthop bucket show`): the buckets of one group
    (NHA_ID) or of every resilient group in id order, filtered by member device (NHA_OIF,
    NHA_MASTER) and member id (NHA_RES_BUCKET_NH_ID). Kernel: net/ipv4/nexthop.c
    rtm_dump_nexthop_bucket, nh_valid_dump_bucket_req, nh_valid_dump_nhid."""
    nhm: uapi_nh.nhmsg = msg.hdr
    tb = msg.attrs
    ext = rtnetlink.netlink_ext_ack(None, [])
    res_tb: dict[int, int] = tb.get(uapi_nh.NHA_RES_BUCKET, {})
    for value in (tb.get(uapi_nh.NHA_ID), res_tb.get(uapi_nh.NHA_RES_BUCKET_NH_ID)):
        if value == 0:
            rtnetlink.NL_SET_ERR_MSG(ext, "Invalid nexthop id")
            return uapi_rt.nlreply(-errno.EINVAL, ext.msg, [], True)
    bad = __nh_valid_dump_req(nhm, tb, ext)
    if bad is not None:
        return bad
    dev_idx = tb.get(uapi_nh.NHA_OIF, 0)
    master_idx = tb.get(uapi_nh.NHA_MASTER, 0)
    res_nh_id = res_tb.get(uapi_nh.NHA_RES_BUCKET_NH_ID, 0)
    if tb.get(uapi_nh.NHA_ID):
        nh = nexthop_find_group_resilient(net, tb[uapi_nh.NHA_ID], ext)
        if isinstance(nh, int):
            return uapi_rt.nlreply(nh, ext.msg, [], True)
        return rtm_dump_nexthop_bucket_nh(nh, dev_idx, master_idx, res_nh_id, nhm.nh_family)
    state = _nh(net)
    out: list[uapi_rt.nlmsg] = []
    for id in sorted(state.rb_root):
        nh = state.rb_root[id]
        if nh.is_group and nh.grp().resilient:
            out.extend(rtm_dump_nexthop_bucket_nh(nh, dev_idx, master_idx, res_nh_id,
                                                  nhm.nh_family))
    return out


def rtm_get_nexthop_bucket(net: Net, msg: uapi_rt.nlmsg, extack: Any) -> int:
    """RTM_GETNEXTHOPBUCKET doit (`ip nexthop bucket get`). Kernel: net/ipv4/nexthop.c
    rtm_get_nexthop_bucket, nh_valid_get_bucket_req."""
    id = nh_valid_get_del_req(msg, extack)
    if id < 0:
        return id
    res_tb: dict[int, int] | None = msg.attrs.get(uapi_nh.NHA_RES_BUCKET)
    if res_tb is None:
        rtnetlink.NL_SET_ERR_MSG(extack, "Bucket information is missing")
        return -errno.EINVAL
    if uapi_nh.NHA_RES_BUCKET_INDEX not in res_tb:
        rtnetlink.NL_SET_ERR_MSG(extack, "Bucket index is missing")
        return -errno.EINVAL
    bucket_index = res_tb[uapi_nh.NHA_RES_BUCKET_INDEX] & 0xFFFF
    nh = nexthop_find_group_resilient(net, id, extack)
    if isinstance(nh, int):
        return nh
    if bucket_index >= nh.grp().res().num_nh_buckets:
        rtnetlink.NL_SET_ERR_MSG(extack, "Bucket index out of bounds")
        return -errno.ENOENT
    return rtnetlink.rtnl_unicast(
        nh_fill_res_bucket(nh, bucket_index, uapi_rt.RTM_NEWNEXTHOPBUCKET, 0), extack)


# ----- events, namespaces, init -----------------------------------------------------------------


def nh_netdev_event(nbk: notifier.notifier_block, event: int, ptr: Any) -> int:
    """Device down/unregister (or carrier loss) removes its nexthops; an MTU change flushes
    the route cache. Kernel: net/ipv4/nexthop.c nh_netdev_event."""
    dev = netdev.netdev_notifier_info_to_dev(ptr)
    if event in (netdev.NETDEV_DOWN, netdev.NETDEV_UNREGISTER):
        nexthop_flush_dev(dev, event)
    elif event == netdev.NETDEV_CHANGE:
        if not netdev.dev_get_flags(dev) & (IFF_RUNNING | IFF_LOWER_UP):
            nexthop_flush_dev(dev, event)
    elif event == netdev.NETDEV_CHANGEMTU:
        route.rt_cache_flush(dev.nd_net)
    return notifier.NOTIFY_DONE


def nexthop_net_init(net: Net) -> None:
    """Kernel: net/ipv4/nexthop.c nexthop_net_init; net.ipv4.nexthop_compat_mode from
    net/ipv4/sysctl_net_ipv4.c ipv4_net_table."""
    net.nexthop = netns_nexthop()
    sysctl.register_net_sysctl(net, "net/ipv4", [
        sysctl.ctl_table("nexthop_compat_mode", data=(net.ipv4, "sysctl_nexthop_compat_mode"),
                         maxlen=1, proc_handler=sysctl.proc_dou8vec_minmax, extra1=0,
                         extra2=1)])


def nexthop_net_exit(net: Net) -> None:
    """Kernel: net/ipv4/nexthop.c nexthop_net_exit_batch_rtnl."""
    flush_all_nexthops(net)


def nexthop_init(k: Kernel) -> None:
    """Pernet ops, the netdev notifier, the RTM_*NEXTHOP handlers. Kernel: net/ipv4/nexthop.c
    nexthop_init."""
    net_namespace.register_pernet_subsys(k, net_namespace.pernet_operations(
        "nexthop", init=nexthop_net_init, exit=nexthop_net_exit))
    netdev.register_netdevice_notifier(k, notifier.notifier_block(nh_netdev_event))
    for family in (uapi_rt.AF_UNSPEC, uapi_rt.AF_INET):
        rtnetlink.rtnl_register(k, family, uapi_rt.RTM_NEWNEXTHOP, rtm_new_nexthop, None)
        rtnetlink.rtnl_register(k, family, uapi_rt.RTM_GETNEXTHOP, rtm_get_nexthop,
                                rtm_dump_nexthop)
    rtnetlink.rtnl_register(k, uapi_rt.AF_UNSPEC, uapi_rt.RTM_DELNEXTHOP, rtm_del_nexthop, None)
    rtnetlink.rtnl_register(k, uapi_rt.AF_UNSPEC, uapi_rt.RTM_GETNEXTHOPBUCKET,
                            rtm_get_nexthop_bucket, rtm_dump_nexthop_bucket)

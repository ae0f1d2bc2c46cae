"""FIB semantics: route types, fib_info creation and sharing, nexthop checks, sync on device
events, multipath and default-route selection, source address choice.

Kernel: net/ipv4/fib_semantics.c (and fib_multipath_hash from net/ipv4/route.c). fib_infos of a
namespace are shared through `net.ipv4.fib_info_hash` (the kernel's global fib_info_hash filtered
by net): a dict from the fib_find_info comparison key to the fib_info. Everything here runs under
RTNL in process context except fib_select_* and fib_multipath_hash (any context).
"""

from __future__ import annotations

import errno
import struct
from typing import TYPE_CHECKING, Any

from skbuff.net import flow
from skbuff.net.core import dev as netdev
from skbuff.net.core import neighbour as nb
from skbuff.net.core import rtnetlink
from skbuff.net.core import skbuff as core_skbuff
from skbuff.net.ipv4 import arp, devinet, fib_frontend, fib_rules, fib_trie, nexthop
from skbuff.net.ipv4.ip_fib import (
    FIB_LOOKUP_IGNORE_LINKSTATE,
    FIB_LOOKUP_NOREF,
    fib_alias,
    fib_config,
    fib_info,
    fib_info_nhc,
    fib_info_num_path,
    fib_nh,
    fib_nh_common,
    fib_result,
    nl_info,
)
from skbuff.uapi import inet
from skbuff.uapi import rtnetlink as uapi_rt
from skbuff.uapi.if_link import IFF_LOWER_UP, IFF_RUNNING, IFF_UP
from skbuff.uapi.neighbour import NUD_INCOMPLETE, NUD_REACHABLE

if TYPE_CHECKING:
    from skbuff.net.core.dev import net_device
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff

RTAX_FEATURE_MASK = 0x0F  # ECN | SACK | TIMESTAMP | ALLFRAG
FIB_MULTIPATH_HASH_FIELD_SRC_IP = 0x0001
FIB_MULTIPATH_HASH_FIELD_DST_IP = 0x0002
FIB_MULTIPATH_HASH_FIELD_IP_PROTO = 0x0004
FIB_MULTIPATH_HASH_FIELD_SRC_PORT = 0x0010
FIB_MULTIPATH_HASH_FIELD_DST_PORT = 0x0020

# fib_props[type] = (error at lookup, minimal scope). Kernel: net/ipv4/fib_semantics.c fib_props.
fib_props: tuple[tuple[int, int], ...] = (
    (0, uapi_rt.RT_SCOPE_NOWHERE),            # RTN_UNSPEC
    (0, uapi_rt.RT_SCOPE_UNIVERSE),           # RTN_UNICAST
    (0, uapi_rt.RT_SCOPE_HOST),               # RTN_LOCAL
    (0, uapi_rt.RT_SCOPE_LINK),               # RTN_BROADCAST
    (0, uapi_rt.RT_SCOPE_LINK),               # RTN_ANYCAST
    (0, uapi_rt.RT_SCOPE_UNIVERSE),           # RTN_MULTICAST
    (-errno.EINVAL, uapi_rt.RT_SCOPE_UNIVERSE),        # RTN_BLACKHOLE
    (-errno.EHOSTUNREACH, uapi_rt.RT_SCOPE_UNIVERSE),  # RTN_UNREACHABLE
    (-errno.EACCES, uapi_rt.RT_SCOPE_UNIVERSE),        # RTN_PROHIBIT
    (-errno.EAGAIN, uapi_rt.RT_SCOPE_UNIVERSE),        # RTN_THROW
    (-errno.EINVAL, uapi_rt.RT_SCOPE_NOWHERE),         # RTN_NAT
    (-errno.EINVAL, uapi_rt.RT_SCOPE_NOWHERE),         # RTN_XRESOLVE
)

RTN_NAMES = ("unspec", "unicast", "local", "broadcast", "anycast", "multicast", "blackhole",
             "unreachable", "prohibit", "throw", "nat", "xresolve")


def nhc_desc(nhc: fib_nh_common) -> str:
    """`via GW dev NAME` text of a nexthop (decision records)."""
    dev = nhc.nhc_dev
    via = f"via {inet.ntoa(nhc.nhc_gw)} " if nhc.nhc_gw_family else ""
    return f"{via}dev {dev.name if dev is not None else '*'}"


def fa_desc(fa: fib_alias) -> str:
    """Short text of an alias (decision records): type, tos, metric, scope."""
    fi = fa.fa_info
    tos = f" tos {fa.fa_dscp:#x}" if fa.fa_dscp else ""
    return (f"{RTN_NAMES[fa.fa_type]}{tos} metric {fi.fib_priority} scope {fi.fib_scope} "
            f"table {fa.tb_id}")


def ip_ignore_linkdown(dev: net_device | None) -> bool:
    """Kernel: include/net/ip_fib.h ip_ignore_linkdown."""
    if dev is None:
        return False
    in_dev = dev.ip_ptr
    return in_dev is not None and bool(devinet.IN_DEV_IGNORE_ROUTES_WITH_LINKDOWN(in_dev))


def _fib_info_key(fi: fib_info) -> tuple[Any, ...]:
    """What fib_find_info compares (the hash and equality of fib_info_hashfn/nh_comp; a
    nexthop object compares by identity, nexthop_cmp)."""
    mask = ~uapi_rt.RTNH_COMPARE_MASK
    return (fi.nh, fi.fib_nhs, fi.fib_protocol, fi.fib_scope, fi.fib_prefsrc, fi.fib_priority,
            fi.fib_type, fi.fib_tb_id, tuple(fi.fib_metrics), fi.fib_flags & mask,
            tuple((nh.nhc_oif, nh.nhc_gw_family, nh.nhc_gw, nh.nhc_scope, nh.nhc_weight,
                   nh.nh_tclassid, nh.nhc_flags & mask) for nh in fi.fib_nh))


def fib_find_info(nfi: fib_info) -> fib_info | None:
    """An existing live fib_info equal to nfi. Kernel: net/ipv4/fib_semantics.c fib_find_info."""
    net = nfi.fib_net
    assert net is not None
    return _info_hash(net).get(_fib_info_key(nfi))


def _info_hash(net: Net) -> dict[tuple[Any, ...], fib_info]:
    h: dict[tuple[Any, ...], fib_info] = net.ipv4.fib_info_hash
    return h


def fib_release_info(fi: fib_info) -> None:
    """Drop one tree reference; the last unhashes and kills the fib_info.

    Kernel: net/ipv4/fib_semantics.c fib_release_info.
    """
    fi.fib_treeref -= 1
    if fi.fib_treeref > 0:
        return
    net = fi.fib_net
    if net is not None:
        h = _info_hash(net)
        key = _fib_info_key(fi)
        if h.get(key) is fi:
            del h[key]
        else:
            for k, v in list(h.items()):
                if v is fi:
                    del h[k]
    if fi.nh is not None:
        fi.nh.fi_list.remove(fi)
    fi.fib_dead = 1


def ip_fib_metrics_init(fc_mx: dict[int, int] | None, extack: Any) -> list[int] | int:
    """RTA_METRICS → metrics list (RTAX_* - 1 indexed), or -EINVAL.

    Kernel: net/ipv4/metrics.c ip_metrics_convert.
    """
    metrics = [0] * uapi_rt.RTAX_MAX
    if not fc_mx:
        return metrics
    for typ, val in fc_mx.items():
        if not typ:
            continue
        if typ > uapi_rt.RTAX_MAX:
            return -errno.EINVAL
        if typ == uapi_rt.RTAX_ADVMSS and val > 65535 - 40:
            val = 65535 - 40
        if typ == uapi_rt.RTAX_MTU and val > 65535 - 15:
            val = 65535 - 15
        if typ == uapi_rt.RTAX_HOPLIMIT and val > 255:
            val = 255
        if typ == uapi_rt.RTAX_ADVMSS and val > 65535 - 40:
            val = 65535 - 40
        if typ == uapi_rt.RTAX_MTU and val > 65535 - 15:
            val = 65535 - 15
        if typ == uapi_rt.RTAX_FEATURES and val & ~RTAX_FEATURE_MASK:
            rtnetlink.NL_SET_ERR_MSG(extack,
                                     "Unknown flag set in feature mask in metrics attribute")
            return -errno.EINVAL
        metrics[typ - 1] = val
    return metrics


def fib_nh_init(net: Net, nh: fib_nh, cfg: fib_config, nh_weight: int, extack: Any) -> int:
    """Kernel: net/ipv4/fib_semantics.c fib_nh_init."""
    nh.nhc_family = uapi_rt.AF_INET
    nh.nhc_oif = cfg.fc_oif
    nh.nhc_gw_family = cfg.fc_gw_family
    if cfg.fc_gw_family == uapi_rt.AF_INET:
        nh.nhc_gw = cfg.fc_gw4
    nh.nhc_flags = cfg.fc_flags
    nh.nh_tclassid = cfg.fc_flow
    nh.nhc_weight = nh_weight
    return 0


def fib_get_nhs(fi: fib_info, mp: list[uapi_rt.rtnexthop], cfg: fib_config, extack: Any) -> int:
    """Fill fi's nexthops from RTA_MULTIPATH. Kernel: net/ipv4/fib_semantics.c fib_get_nhs."""
    net = fi.fib_net
    assert net is not None
    for nh, rtnh in zip(fi.fib_nh, mp):
        if rtnh.flags & (uapi_rt.RTNH_F_DEAD | uapi_rt.RTNH_F_LINKDOWN):
            rtnetlink.NL_SET_ERR_MSG(
                extack, "Invalid flags for nexthop - can not contain DEAD or LINKDOWN")
            return -errno.EINVAL
        sub = fib_config()
        sub.fc_flags = (cfg.fc_flags & ~0xFF) | rtnh.flags
        sub.fc_oif = rtnh.ifindex
        if uapi_rt.RTA_GATEWAY in rtnh.attrs and uapi_rt.RTA_VIA in rtnh.attrs:
            rtnetlink.NL_SET_ERR_MSG(
                extack, "Nexthop configuration can not contain both GATEWAY and VIA")
            return -errno.EINVAL
        gw = rtnh.attrs.get(uapi_rt.RTA_GATEWAY, rtnh.attrs.get(uapi_rt.RTA_VIA, 0))
        if gw:
            sub.fc_gw4 = gw
            sub.fc_gw_family = uapi_rt.AF_INET
        sub.fc_flow = rtnh.attrs.get(uapi_rt.RTA_FLOW, 0)
        fib_nh_init(net, nh, sub, rtnh.hops + 1, extack)
    nh0 = fi.fib_nh[0]
    if cfg.fc_oif and nh0.nhc_oif != cfg.fc_oif:
        rtnetlink.NL_SET_ERR_MSG(extack, "Nexthop device index does not match RTA_OIF")
        return -errno.EINVAL
    if cfg.fc_gw_family and (cfg.fc_gw_family != nh0.nhc_gw_family or
                             nh0.nhc_gw != cfg.fc_gw4):
        rtnetlink.NL_SET_ERR_MSG(extack,
                                 "Nexthop gateway does not match RTA_GATEWAY or RTA_VIA")
        return -errno.EINVAL
    if cfg.fc_flow and nh0.nh_tclassid != cfg.fc_flow:
        rtnetlink.NL_SET_ERR_MSG(extack, "Nexthop class id does not match RTA_FLOW")
        return -errno.EINVAL
    return 0


def fib_rebalance(fi: fib_info) -> None:
    """Give each live nexthop a hash range ∝ its weight (upper bounds in [0, 2^31)).

    Kernel: net/ipv4/fib_semantics.c fib_rebalance.
    """
    if fi.fib_nhs < 2:
        return
    total = 0
    for nh in fi.fib_nh:
        if nh.nhc_flags & uapi_rt.RTNH_F_DEAD:
            continue
        if ip_ignore_linkdown(nh.nhc_dev) and nh.nhc_flags & uapi_rt.RTNH_F_LINKDOWN:
            continue
        total += nh.nhc_weight
    w = 0
    for nh in fi.fib_nh:
        if not total or nh.nhc_flags & uapi_rt.RTNH_F_DEAD or (
                ip_ignore_linkdown(nh.nhc_dev) and nh.nhc_flags & uapi_rt.RTNH_F_LINKDOWN):
            upper = -1
        else:
            w += nh.nhc_weight
            upper = ((w << 31) + total // 2) // total - 1
        nh.nhc_upper_bound = upper


def fib_check_nh_v4_gw(net: Net, nh: fib_nh, table: int, scope: int, extack: Any) -> int:
    """The gateway must be reachable through a unicast/local route of scope > route scope
    (at least link), or the nexthop is `onlink`.
    Kernel: net/ipv4/fib_semantics.c fib_check_nh_v4_gw."""
    if nh.nhc_flags & uapi_rt.RTNH_F_ONLINK:
        if scope >= uapi_rt.RT_SCOPE_LINK:
            rtnetlink.NL_SET_ERR_MSG(extack, "Nexthop has invalid scope")
            return -errno.EINVAL
        dev = net.dev_index_head.get(nh.nhc_oif)
        if dev is None:
            rtnetlink.NL_SET_ERR_MSG(extack, "Nexthop device required for onlink")
            return -errno.ENODEV
        if not dev.flags & IFF_UP:
            rtnetlink.NL_SET_ERR_MSG(extack, "Nexthop device is not up")
            return -errno.ENETDOWN
        if fib_frontend.inet_addr_type_dev_table(net, dev, nh.nhc_gw) != uapi_rt.RTN_UNICAST:
            rtnetlink.NL_SET_ERR_MSG(extack, "Nexthop has invalid gateway")
            return -errno.EINVAL
        if not _carrier_ok(dev):
            nh.nhc_flags |= uapi_rt.RTNH_F_LINKDOWN
        nh.nhc_dev = dev
        nh.nhc_scope = uapi_rt.RT_SCOPE_LINK
        return 0
    fl4 = flow.flowi4(daddr=nh.nhc_gw, flowi4_scope=max(scope + 1, uapi_rt.RT_SCOPE_LINK),
                 flowi4_oif=nh.nhc_oif, flowi4_iif=flow.LOOPBACK_IFINDEX)
    res = fib_result()
    err = -errno.EAGAIN
    tbl = None
    if table and table != uapi_rt.RT_TABLE_MAIN:
        tbl = fib_frontend.fib_get_table(net, table)
    if tbl is not None:
        err = fib_trie.fib_table_lookup(tbl, fl4, res,
                                        FIB_LOOKUP_IGNORE_LINKSTATE | FIB_LOOKUP_NOREF)
    if tbl is None or err:
        err = fib_rules.fib_lookup(net, fl4, res, FIB_LOOKUP_IGNORE_LINKSTATE)
    if err:
        rtnetlink.NL_SET_ERR_MSG(extack, "Nexthop has invalid gateway")
        return err
    if res.type not in (uapi_rt.RTN_UNICAST, uapi_rt.RTN_LOCAL):
        rtnetlink.NL_SET_ERR_MSG(extack, "Nexthop has invalid gateway")
        return -errno.EINVAL
    nhc = res.nhc
    assert nhc is not None
    nh.nhc_scope = res.scope
    nh.nhc_oif = nhc.nhc_oif
    dev = nhc.nhc_dev
    nh.nhc_dev = dev
    if dev is None:
        rtnetlink.NL_SET_ERR_MSG(extack, "No egress device for nexthop gateway")
        return -errno.EINVAL
    if not _carrier_ok(dev):
        nh.nhc_flags |= uapi_rt.RTNH_F_LINKDOWN
    return 0 if dev.flags & IFF_UP else -errno.ENETDOWN


def _carrier_ok(dev: net_device) -> bool:
    return bool(netdev.netif_carrier_ok(dev))


def fib_check_nh_nongw(net: Net, nh: fib_nh, extack: Any) -> int:
    """A device-only nexthop: the device must exist with IPv4 and be up.

    Kernel: net/ipv4/fib_semantics.c fib_check_nh_nongw.
    """
    if nh.nhc_flags & (uapi_rt.RTNH_F_PERVASIVE | uapi_rt.RTNH_F_ONLINK):
        rtnetlink.NL_SET_ERR_MSG(
            extack, "Invalid flags for nexthop - PERVASIVE and ONLINK can not be set")
        return -errno.EINVAL
    dev = net.dev_index_head.get(nh.nhc_oif)
    if dev is None or dev.ip_ptr is None:
        return -errno.ENODEV
    if not dev.flags & IFF_UP:
        rtnetlink.NL_SET_ERR_MSG(extack, "Device for nexthop is not up")
        return -errno.ENETDOWN
    nh.nhc_dev = dev
    nh.nhc_scope = uapi_rt.RT_SCOPE_HOST
    if not _carrier_ok(dev):
        nh.nhc_flags |= uapi_rt.RTNH_F_LINKDOWN
    return 0


def fib_check_nh(net: Net, nh: fib_nh, table: int, scope: int, extack: Any) -> int:
    """Kernel: net/ipv4/fib_semantics.c fib_check_nh."""
    if nh.nhc_gw_family == uapi_rt.AF_INET:
        return fib_check_nh_v4_gw(net, nh, table, scope, extack)
    return fib_check_nh_nongw(net, nh, extack)


def fib_valid_prefsrc(cfg: fib_config, fib_prefsrc: int) -> bool:
    """prefsrc must be a local address (of the table's local table or the local table).

    Kernel: net/ipv4/fib_semantics.c fib_valid_prefsrc.
    """
    if cfg.fc_type != uapi_rt.RTN_LOCAL or not cfg.fc_dst or fib_prefsrc != cfg.fc_dst:
        net = cfg.fc_nlinfo.nl_net
        assert net is not None
        tb_id = cfg.fc_table
        if tb_id == uapi_rt.RT_TABLE_MAIN:
            tb_id = uapi_rt.RT_TABLE_LOCAL
        rc = fib_frontend.inet_addr_type_table(net, fib_prefsrc, tb_id)
        if rc != uapi_rt.RTN_LOCAL and tb_id != uapi_rt.RT_TABLE_LOCAL:
            rc = fib_frontend.inet_addr_type_table(net, fib_prefsrc, uapi_rt.RT_TABLE_LOCAL)
        if rc != uapi_rt.RTN_LOCAL:
            return False
    return True


def fib_create_info(cfg: fib_config, extack: Any) -> fib_info | int:
    """Validate cfg and return a (possibly shared) fib_info with one more tree reference, or
    -errno with the kernel's extack text. An equal earlier request's answer is reused when
    nothing it read has changed (fib_info_memo). Kernel: net/ipv4/fib_semantics.c
    fib_create_info."""
    net = cfg.fc_nlinfo.nl_net
    assert net is not None
    memo: fib_info_memo | None = net.ipv4.fib_info_memo
    key = _memo_key(cfg) if memo is not None else None
    if key is not None:
        assert memo is not None
        ofi = fib_info_memo_get(net, memo, key)
        if ofi is not None:
            ofi.fib_treeref += 1  # what link_it gives the equal fib_info it finds
            return ofi
    res = _fib_create_info(net, cfg, extack)
    if key is not None and not isinstance(res, int):
        assert memo is not None
        _memo_record(net, memo, key, cfg, res)
    return res


def _fib_create_info(net: Net, cfg: fib_config, extack: Any) -> fib_info | int:
    """fib_create_info proper (no memo)."""
    if cfg.fc_type > uapi_rt.RTN_MAX:
        return -errno.EINVAL
    if fib_props[cfg.fc_type][1] > cfg.fc_scope:
        rtnetlink.NL_SET_ERR_MSG(extack, "Invalid scope")
        return -errno.EINVAL
    if cfg.fc_flags & (uapi_rt.RTNH_F_DEAD | uapi_rt.RTNH_F_LINKDOWN):
        rtnetlink.NL_SET_ERR_MSG(extack, "Invalid rtm_flags - can not contain DEAD or LINKDOWN")
        return -errno.EINVAL
    nhs = 1
    nh = None
    if cfg.fc_nh_id:
        nh = nexthop.nexthop_find_by_id(net, cfg.fc_nh_id)
        if nh is None:
            rtnetlink.NL_SET_ERR_MSG(extack, "Nexthop id does not exist")
            return -errno.EINVAL
        nhs = 0
    if cfg.fc_mp is not None:
        nhs = len(cfg.fc_mp)
        if not nhs:
            rtnetlink.NL_SET_ERR_MSG(
                extack, "Invalid nexthop configuration - extra data after nexthops")
            return -errno.EINVAL
    metrics = ip_fib_metrics_init(cfg.fc_mx, extack)
    if isinstance(metrics, int):
        return metrics
    fi = fib_info(net)
    fi.fib_metrics = metrics
    fi.fib_protocol = cfg.fc_protocol
    fi.fib_scope = cfg.fc_scope
    fi.fib_flags = cfg.fc_flags
    fi.fib_priority = cfg.fc_priority
    fi.fib_prefsrc = cfg.fc_prefsrc
    fi.fib_type = cfg.fc_type
    fi.fib_tb_id = cfg.fc_table
    fi.fib_nhs = nhs
    if nh is not None:
        fi.nh = nh
    else:
        for _ in range(nhs):
            fnh = fib_nh()
            fnh.nh_parent = fi
            fi.fib_nh.append(fnh)
        if cfg.fc_mp is not None:
            err = fib_get_nhs(fi, cfg.fc_mp, cfg, extack)
        else:
            err = fib_nh_init(net, fi.fib_nh[0], cfg, 1, extack)
        if err:
            return err
    if fib_props[cfg.fc_type][0]:
        if cfg.fc_gw_family or cfg.fc_oif or cfg.fc_mp:
            rtnetlink.NL_SET_ERR_MSG(
                extack, "Gateway, device and multipath can not be specified for this route type")
            return -errno.EINVAL
        return _link_it(fi)
    if cfg.fc_type not in (uapi_rt.RTN_UNICAST, uapi_rt.RTN_LOCAL, uapi_rt.RTN_BROADCAST,
                           uapi_rt.RTN_ANYCAST, uapi_rt.RTN_MULTICAST):
        rtnetlink.NL_SET_ERR_MSG(extack, "Invalid route type")
        return -errno.EINVAL
    if cfg.fc_scope > uapi_rt.RT_SCOPE_HOST:
        rtnetlink.NL_SET_ERR_MSG(extack, "Invalid scope")
        return -errno.EINVAL
    if nh is not None:
        err = nexthop.fib_check_nexthop(nh, cfg.fc_scope, extack)
        if err:
            return err
    elif cfg.fc_scope == uapi_rt.RT_SCOPE_HOST:
        fnh = fi.fib_nh[0]
        if nhs != 1:
            rtnetlink.NL_SET_ERR_MSG(extack,
                                     "Route with host scope can not have multiple nexthops")
            return -errno.EINVAL
        if fnh.nhc_gw_family:
            rtnetlink.NL_SET_ERR_MSG(extack, "Route with host scope can not have a gateway")
            return -errno.EINVAL
        fnh.nhc_scope = uapi_rt.RT_SCOPE_NOWHERE
        fnh.nhc_dev = net.dev_index_head.get(fnh.nhc_oif)
        if fnh.nhc_dev is None:
            return -errno.ENODEV
    else:
        linkdown = 0
        for fnh in fi.fib_nh:
            err = fib_check_nh(net, fnh, cfg.fc_table, cfg.fc_scope, extack)
            if err:
                return err
            if fnh.nhc_flags & uapi_rt.RTNH_F_LINKDOWN:
                linkdown += 1
        if linkdown == fi.fib_nhs:
            fi.fib_flags |= uapi_rt.RTNH_F_LINKDOWN
    if fi.fib_prefsrc and not fib_valid_prefsrc(cfg, fi.fib_prefsrc):
        rtnetlink.NL_SET_ERR_MSG(extack, "Invalid prefsrc address")
        return -errno.EINVAL
    for fnh in fi.fib_nh:
        fib_info_update_nhc_saddr(net, fnh, fi.fib_scope)
    fib_rebalance(fi)
    return _link_it(fi)


def _link_it(fi: fib_info) -> fib_info:
    """Share an equal fib_info or hash this one. Kernel: fib_create_info `link_it`."""
    ofi = fib_find_info(fi)
    if ofi is not None:
        fi.fib_dead = 1
        ofi.fib_treeref += 1
        return ofi
    fi.fib_treeref = 1
    fi.fib_clntref = 1
    net = fi.fib_net
    assert net is not None
    _info_hash(net)[_fib_info_key(fi)] = fi
    if fi.nh is not None:
        fi.nh.fi_list.append(fi)
    return fi


# What a memoized request's nexthop check read besides the request (fib_info_memo).
MEMO_REJECT = 0   # a reject type: no nexthop check
MEMO_HOST = 1     # host scope: the device at fc_oif exists
MEMO_NONGW = 2    # fib_check_nh_nongw: the device at fc_oif, its in_device and IFF_UP
MEMO_GW = 3       # fib_check_nh_v4_gw by lookup: the tries walked, the egress device's IFF_UP
MEMO_ONLINK = 4   # fib_check_nh_v4_gw onlink: the device at fc_oif, IFF_UP, the local trie
FIB_INFO_MEMO_SIZE = 16


class fib_info_memo_entry:
    """One remembered fib_create_info success (see fib_info_memo)."""

    __slots__ = ("check", "dev", "fi", "gw", "oif", "table", "tries")

    def __init__(self, fi: fib_info, check: int, dev: net_device | None, oif: int, gw: int,
                 table: int, tries: list[Any]) -> None:
        self.fi = fi
        self.check = check
        self.dev = dev
        self.oif = oif
        self.gw = gw
        self.table = table
        self.tries = tries


class fib_info_memo:
    """fib_create_info's memo: skbuff's, no kernel counterpart (in C the function is cheap;
    here it is most of an `ip route add` above the trie).

    A request that succeeded leaves an entry under every field fib_create_info reads from
    it (requests with prefsrc, multipath or a nexthop id are not memoized), holding the
    fib_info it got and what the checks read from the namespace. An equal request gets the
    same fib_info, as link_it would hand it out, only while: the fib_info is alive (hashed:
    nothing else can hold its key); the device checks the full path makes still pass on
    the current devices; and, when a FIB lookup was part of the check (a gateway), no
    custom rules decide lookups, no probe is on fib_table_lookup (the lookup would fire
    it), and the tries that lookup may read are the same objects with the same genid.
    Every change to a trie bumps its genid; fib_info_memo_inserted re-stamps entries after
    an insertion whose prefix does not cover their gateway (longest-prefix match never
    reads such an alias) and that bumped genid exactly once (so nothing else changed).
    fib_sync_* change nexthop flags in place and empty the memo. Failures are never
    memoized: an error always comes from the full path.
    """

    __slots__ = ("entries",)

    def __init__(self) -> None:
        self.entries: dict[tuple[Any, ...], fib_info_memo_entry] = {}


def _memo_key(cfg: fib_config) -> tuple[Any, ...] | None:
    """Every cfg field fib_create_info reads, or None when cfg is not memoized."""
    if cfg.fc_mp is not None or cfg.fc_prefsrc or cfg.fc_nh_id:
        return None
    mx = cfg.fc_mx
    return (cfg.fc_type, cfg.fc_scope, cfg.fc_flags, cfg.fc_protocol, cfg.fc_priority,
            cfg.fc_table, cfg.fc_oif, cfg.fc_gw_family, cfg.fc_gw4, cfg.fc_flow,
            tuple(mx.items()) if mx else None)


def _memo_tables(net: Net, check: int, table: int) -> tuple[Any, ...]:
    """The tables the check's lookup may read: the request's table, then main and default
    (fib_lookup without custom rules) for a gateway; local for onlink."""
    ipv4 = net.ipv4
    if check == MEMO_ONLINK:
        return (ipv4.fib_table_hash.get(uapi_rt.RT_TABLE_LOCAL),)
    if table != uapi_rt.RT_TABLE_MAIN:
        return (ipv4.fib_table_hash.get(table), ipv4.fib_main, ipv4.fib_default)
    return (ipv4.fib_main, ipv4.fib_default)


def _memo_tries(net: Net, check: int, table: int) -> list[Any]:
    """What the check's lookup would read, flat: each _memo_tables trie (None for a missing
    table) followed by its genid. Equal lists: the lookup reads the same tries, unchanged."""
    out: list[Any] = []
    for tb in _memo_tables(net, check, table):
        t = tb.tb_data if tb is not None else None
        out += (t, t.genid) if t is not None else (None, 0)
    return out


def fib_info_memo_get(net: Net, memo: fib_info_memo, key: tuple[Any, ...]) -> fib_info | None:
    """The fib_info the full fib_create_info would return for the request `key`, when the
    memo can vouch for it (see fib_info_memo); None otherwise."""
    e = memo.entries.get(key)
    if e is None or e.fi.fib_dead:
        return None
    check = e.check
    if check >= MEMO_GW:
        if (_memo_tries(net, check, e.table) != e.tries or net.ipv4.fib_has_custom_rules
                or net.kernel.trace.attached("fib_table_lookup")):
            return None
        if check == MEMO_GW:
            dev = e.dev
            assert dev is not None
            return e.fi if dev.flags & IFF_UP else None
    elif check == MEMO_REJECT:
        return e.fi
    cur = net.dev_index_head.get(e.oif)
    if cur is None:
        return None
    if check == MEMO_HOST:
        return e.fi
    if check == MEMO_NONGW and cur.ip_ptr is None:
        return None
    return e.fi if cur.flags & IFF_UP else None


def _memo_record(net: Net, memo: fib_info_memo, key: tuple[Any, ...], cfg: fib_config,
                 fi: fib_info) -> None:
    """Remember that the request `key` got `fi` (single nexthop: see _memo_key)."""
    if fib_props[cfg.fc_type][0]:
        check = MEMO_REJECT
    elif cfg.fc_scope == uapi_rt.RT_SCOPE_HOST:
        check = MEMO_HOST
    elif cfg.fc_gw_family != uapi_rt.AF_INET:
        check = MEMO_NONGW
    elif cfg.fc_flags & uapi_rt.RTNH_F_ONLINK:
        check = MEMO_ONLINK
    else:
        check = MEMO_GW
    tries = _memo_tries(net, check, cfg.fc_table) if check >= MEMO_GW else []
    entries = memo.entries
    if len(entries) >= FIB_INFO_MEMO_SIZE:
        entries.clear()
    entries[key] = fib_info_memo_entry(fi, check, fi.fib_nh[0].nhc_dev, cfg.fc_oif, cfg.fc_gw4,
                                  cfg.fc_table, tries)


def fib_info_memo_inserted(net: Net, t: Any, genid_before: int, dst: int, dst_len: int) -> None:
    """A route dst/dst_len went into trie `t` (whose genid was `genid_before`): entries
    whose gateway it does not cover stay valid (see fib_info_memo). RTNL."""
    memo: fib_info_memo | None = net.ipv4.fib_info_memo
    if memo is None or not dst_len or t.genid != genid_before + 1:
        return  # a default route covers every gateway
    genid = t.genid
    shift = 32 - dst_len
    for e in memo.entries.values():
        tries = e.tries
        if tries and (e.gw ^ dst) >> shift:
            i = 1
            for u in tries[::2]:
                if u is t and tries[i] == genid_before:
                    tries[i] = genid
                i += 2


def fib_info_memo_flush(net: Net) -> None:
    """Forget every entry: nexthop state changed in place. RTNL."""
    memo: fib_info_memo | None = net.ipv4.fib_info_memo
    if memo is not None:
        memo.entries.clear()


def fib_nh_match(net: Net, cfg: fib_config, fi: fib_info, extack: Any) -> int:
    """0 if cfg's nexthop selectors match fi (for delete), 1 if not.

    Kernel: net/ipv4/fib_semantics.c fib_nh_match.
    """
    if cfg.fc_priority and cfg.fc_priority != fi.fib_priority:
        return 1
    if cfg.fc_nh_id:
        return 0 if fi.nh is not None and fi.nh.id == cfg.fc_nh_id else 1
    if fi.nh is not None:
        return 1 if cfg.fc_oif or cfg.fc_gw_family or cfg.fc_mp else 0
    if cfg.fc_oif or cfg.fc_gw_family:
        nh = fi.fib_nh[0]
        if cfg.fc_flow and cfg.fc_flow != nh.nh_tclassid:
            return 1
        if (cfg.fc_oif and cfg.fc_oif != nh.nhc_oif) or (
                cfg.fc_gw_family and cfg.fc_gw_family != nh.nhc_gw_family):
            return 1
        if cfg.fc_gw_family == uapi_rt.AF_INET and cfg.fc_gw4 != nh.nhc_gw:
            return 1
        return 0
    if not cfg.fc_mp:
        return 0
    for nh, rtnh in zip(fi.fib_nh, cfg.fc_mp, strict=False):
        if rtnh.ifindex and rtnh.ifindex != nh.nhc_oif:
            return 1
        gw = rtnh.attrs.get(uapi_rt.RTA_GATEWAY)
        if gw is not None and (nh.nhc_gw_family != uapi_rt.AF_INET or gw != nh.nhc_gw):
            return 1
    return 0


def fib_metrics_match(cfg: fib_config, fi: fib_info) -> bool:
    """Kernel: net/ipv4/fib_semantics.c fib_metrics_match."""
    if not cfg.fc_mx:
        return True
    for typ, val in cfg.fc_mx.items():
        if not typ:
            continue
        if typ > uapi_rt.RTAX_MAX or fi.fib_metrics[typ - 1] != val:
            return False
    return True


def fib_info_nh_uses_dev(fi: fib_info, dev: net_device) -> bool:
    """Kernel: net/ipv4/fib_frontend.c fib_info_nh_uses_dev."""
    if fi.nh is not None:
        return nexthop.nexthop_uses_dev(fi.nh, dev)
    return any(nh.nhc_dev is dev for nh in fi.fib_nh)


def _net_fib_infos(net: Net) -> list[fib_info]:
    return list(_info_hash(net).values())


def fib_sync_down_addr(dev: net_device, local: int) -> int:
    """Mark DEAD the main-table fib_infos whose prefsrc is `local` (being deleted).

    Kernel: net/ipv4/fib_semantics.c fib_sync_down_addr.
    """
    if not local:
        return 0
    fib_info_memo_flush(dev.nd_net)
    ret = 0
    for fi in _net_fib_infos(dev.nd_net):
        if fi.fib_tb_id == uapi_rt.RT_TABLE_MAIN and fi.fib_prefsrc == local:
            fi.fib_flags |= uapi_rt.RTNH_F_DEAD
            ret += 1
    return ret


def ip_fib_check_default(gw: int, dev: net_device) -> int:
    """0 if `gw` is already a live gateway of some route via `dev` (secure_redirects),
    else -1. Reads `net.ipv4.fib_info_hash`.

    Kernel: net/ipv4/fib_semantics.c ip_fib_check_default.
    """
    for fi in dev.nd_net.ipv4.fib_info_hash.values():
        for nh in fi.fib_nh:
            if nh.nhc_dev is dev and nh.nhc_gw == gw and not nh.nhc_flags & uapi_rt.RTNH_F_DEAD:
                return 0
    return -1


def fib_sync_down_dev(dev: net_device, event: int, force: bool) -> int:
    """Mark dev's nexthops DEAD|LINKDOWN (DOWN/UNREGISTER) or LINKDOWN (CHANGE); a fib_info
    with all nexthops down gets the flags too. Returns how many fib_infos died.

    Kernel: net/ipv4/fib_semantics.c fib_sync_down_dev.
    """
    scope = -1 if force else uapi_rt.RT_SCOPE_NOWHERE
    fib_info_memo_flush(dev.nd_net)
    ret = 0
    for fi in _net_fib_infos(dev.nd_net):
        if fi.nh is not None or not fib_info_nh_uses_dev(fi, dev):
            continue  # a nexthop object's routes: nh_netdev_event removes them
        dead = 0
        for nh in fi.fib_nh:
            if nh.nhc_flags & uapi_rt.RTNH_F_DEAD:
                dead += 1
            elif nh.nhc_dev is dev and nh.nhc_scope != scope:
                if event in (netdev.NETDEV_DOWN, netdev.NETDEV_UNREGISTER):
                    nh.nhc_flags |= uapi_rt.RTNH_F_DEAD | uapi_rt.RTNH_F_LINKDOWN
                elif event == netdev.NETDEV_CHANGE:
                    nh.nhc_flags |= uapi_rt.RTNH_F_LINKDOWN
                dead += 1
            if event == netdev.NETDEV_UNREGISTER and nh.nhc_dev is dev:
                dead = fi.fib_nhs
                break
        if dead == fi.fib_nhs:
            if event in (netdev.NETDEV_DOWN, netdev.NETDEV_UNREGISTER):
                fi.fib_flags |= uapi_rt.RTNH_F_DEAD | uapi_rt.RTNH_F_LINKDOWN
            elif event == netdev.NETDEV_CHANGE:
                fi.fib_flags |= uapi_rt.RTNH_F_LINKDOWN
            ret += 1
        fib_rebalance(fi)
    return ret


def fib_sync_up(dev: net_device, nh_flags: int) -> int:
    """Clear `nh_flags` (DEAD and/or LINKDOWN) on dev's nexthops when it comes back.

    Kernel: net/ipv4/fib_semantics.c fib_sync_up.
    """
    if not dev.flags & IFF_UP:
        return 0
    if nh_flags & uapi_rt.RTNH_F_DEAD and netdev.dev_get_flags(dev) & (IFF_RUNNING |
                                                                        IFF_LOWER_UP):
        nh_flags |= uapi_rt.RTNH_F_LINKDOWN
    fib_info_memo_flush(dev.nd_net)
    ret = 0
    for fi in _net_fib_infos(dev.nd_net):
        if fi.nh is not None or not fib_info_nh_uses_dev(fi, dev):
            continue  # not in the kernel's fib_info_devhash
        alive = 0
        for nh in fi.fib_nh:
            if not nh.nhc_flags & nh_flags:
                alive += 1
                continue
            ndev = nh.nhc_dev
            if ndev is None or not ndev.flags & IFF_UP:
                continue
            if ndev is not dev or dev.ip_ptr is None:
                continue
            alive += 1
            nh.nhc_flags &= ~nh_flags
        if alive > 0:
            fi.fib_flags &= ~nh_flags
            ret += 1
        fib_rebalance(fi)
    return ret


def fib_good_nh(nh: fib_nh_common) -> bool:
    """A link-scope gateway's neighbour must be NUD_VALID.

    Kernel: net/ipv4/fib_semantics.c fib_good_nh.
    """
    if nh.nhc_scope != uapi_rt.RT_SCOPE_LINK or nh.nhc_dev is None:
        return True
    n = arp.__ipv4_neigh_lookup_noref(nh.nhc_dev, nh.nhc_gw)
    return n is None or bool(n.nud_state & nb.NUD_VALID)


def fib_select_multipath(res: fib_result, hash: int) -> None:
    """Hash-threshold: the first nexthop whose upper bound >= hash (skipping bad neighbours
    with fib_multipath_use_neigh). Kernel: net/ipv4/fib_semantics.c fib_select_multipath."""
    fi = res.fi
    assert fi is not None and fi.fib_net is not None
    if fi.nh is not None:
        nexthop.nexthop_path_fib_result(res, hash)
        return
    use_neigh = fi.fib_net.ipv4.sysctl_fib_multipath_use_neigh
    first = False
    for nhsel, nh in enumerate(fi.fib_nh):
        if use_neigh:
            if not fib_good_nh(nh):
                continue
            if not first:
                res.nh_sel = nhsel
                res.nhc = nh
                first = True
        if hash > nh.nhc_upper_bound:
            continue
        res.nh_sel = nhsel
        res.nhc = nh
        return


def fib_multipath_hash(net: Net, fl4: flow.flowi4, skb: sk_buff | None, flkeys: Any = None) -> int:
    """31-bit flow hash by net.ipv4.fib_multipath_hash_policy: 0 L3, 1 L4 5-tuple, 2 L3 (inner
    L3 where present), 3 the fib_multipath_hash_fields selection. With an skb the addresses
    come from its IP header. Kernel: net/ipv4/route.c fib_multipath_hash."""
    policy = net.ipv4.sysctl_fib_multipath_hash_policy
    saddr, daddr, proto = fl4.saddr, fl4.daddr, fl4.flowi4_proto
    sport, dport = fl4.fl4_sport, fl4.fl4_dport
    if skb is not None:
        iph = core_skbuff.ip_hdr(skb)
        saddr, daddr, proto = iph.saddr, iph.daddr, iph.protocol
    words: tuple[int, ...]
    if policy == 1:
        words = (saddr, daddr, proto, sport, dport)
    elif policy == 3:
        fields = net.ipv4.sysctl_fib_multipath_hash_fields
        words = (saddr if fields & FIB_MULTIPATH_HASH_FIELD_SRC_IP else 0,
                 daddr if fields & FIB_MULTIPATH_HASH_FIELD_DST_IP else 0,
                 proto if fields & FIB_MULTIPATH_HASH_FIELD_IP_PROTO else 0,
                 sport if fields & FIB_MULTIPATH_HASH_FIELD_SRC_PORT else 0,
                 dport if fields & FIB_MULTIPATH_HASH_FIELD_DST_PORT else 0)
    else:
        words = (saddr, daddr)
    k = net.kernel
    key = k.rng.net_get_random_once("fib_multipath_hash", 16)
    h: int = k.rng.siphash(key, struct.pack(f"!{len(words)}I", *words))
    return (h & 0xFFFFFFFF) >> 1


def fib_detect_death(fi: fib_info, order: int, last_resort: list[Any], last_idx: list[int],
                     dflt: int) -> bool:
    """Is the default gateway of fi unusable (neighbour not valid)? Keeps the best fallback in
    last_resort[0]/last_idx[0]. Kernel: net/ipv4/fib_semantics.c fib_detect_death."""
    nh = fib_info_nhc(fi, 0)
    n = arp.__ipv4_neigh_lookup_noref(nh.nhc_dev, nh.nhc_gw) if nh.nhc_dev else None
    state = n.nud_state if n is not None else 0
    if state == NUD_REACHABLE or (state & nb.NUD_VALID and order != dflt):
        return False
    if state & nb.NUD_VALID or (last_idx[0] < 0 and order > dflt and state != NUD_INCOMPLETE):
        last_resort[0] = fi
        last_idx[0] = order
    return True


def fib_select_default(flp: flow.flowi4, res: fib_result) -> None:
    """Among several equal default routes, prefer one whose gateway neighbour is alive, round
    robin by fa_default. Kernel: net/ipv4/fib_semantics.c fib_select_default."""
    fa_head = res.fa_head
    tb = res.table
    assert fa_head is not None and tb is not None and res.fi is not None
    slen = 32 - res.prefixlen
    order = -1
    last_idx = [-1]
    last_resort: list[Any] = [None]
    fi: fib_info | None = None
    fa1: fib_alias | None = None
    last_prio = res.fi.fib_priority
    last_dscp = 0
    tos = flp.flowi4_tos & fib_trie.IPTOS_RT_MASK
    for fa in fib_trie.leaf_aliases(fa_head):
        next_fi = fa.fa_info
        if fa.fa_slen != slen or (fa.fa_dscp and fa.fa_dscp != tos) or fa.tb_id != tb.tb_id:
            continue
        if next_fi.fib_priority > last_prio and fa.fa_dscp == last_dscp:
            if last_dscp:
                continue
            break
        if next_fi.fib_flags & uapi_rt.RTNH_F_DEAD:
            continue
        last_dscp = fa.fa_dscp
        last_prio = next_fi.fib_priority
        if next_fi.fib_scope != res.scope or fa.fa_type != uapi_rt.RTN_UNICAST:
            continue
        nhc = fib_info_nhc(next_fi, 0)
        if not nhc.nhc_gw_family or nhc.nhc_scope != uapi_rt.RT_SCOPE_LINK:
            continue
        fa.fa_state |= fib_trie.FA_S_ACCESSED
        if fi is None:
            if next_fi is not res.fi:
                break
            fa1 = fa
        elif fa1 is not None and not fib_detect_death(fi, order, last_resort, last_idx,
                                                      fa1.fa_default):
            _result_assign(res, fi)
            fa1.fa_default = order
            return
        fi = next_fi
        order += 1
    if order <= 0 or fi is None or fa1 is None:
        if fa1 is not None:
            fa1.fa_default = -1
        return
    if not fib_detect_death(fi, order, last_resort, last_idx, fa1.fa_default):
        _result_assign(res, fi)
        fa1.fa_default = order
        return
    if last_idx[0] >= 0:
        _result_assign(res, last_resort[0])
    fa1.fa_default = last_idx[0]


def _result_assign(res: fib_result, fi: fib_info) -> None:
    res.fi = fi
    res.nhc = fib_info_nhc(fi, 0)
    res.nh_sel = 0


def fib_select_path(net: Net, res: fib_result, fl4: flow.flowi4, skb: sk_buff | None) -> None:
    """Pick the nexthop (multipath hash or default-route choice, unless an oif is given) and
    fill fl4.saddr when unset. Kernel: net/ipv4/fib_semantics.c fib_select_path."""
    fi = res.fi
    assert fi is not None
    if not fl4.flowi4_oif:
        # fib_info_num_path(fi) > 1: fib_nhs is 0 with a nexthop object, 1 for a plain path
        if fi.fib_nhs != 1 and fib_info_num_path(fi) > 1:
            fib_select_multipath(res, fib_multipath_hash(net, fl4, skb))
        elif (not res.prefixlen and res.table is not None and res.table.tb_num_default > 1
              and res.type == uapi_rt.RTN_UNICAST):
            fib_select_default(fl4, res)
    if not fl4.saddr:
        fl4.saddr = fib_result_prefsrc(net, res)
        if fl4.decision is not None:
            fl4.decision.source(fl4.saddr, "prefsrc" if fi.fib_prefsrc else "inet_select_addr")


def fib_info_update_nhc_saddr(net: Net, nhc: fib_nh_common, scope: int) -> int:
    """Cache the nexthop's preferred source for this dev_addr_genid.

    Kernel: net/ipv4/fib_semantics.c fib_info_update_nhc_saddr.
    """
    saddr = devinet.inet_select_addr(nhc.nhc_dev, nhc.nhc_gw, scope) if nhc.nhc_dev else 0
    if isinstance(nhc, fib_nh):
        nhc.nh_saddr = saddr
        nhc.nh_saddr_genid = net.ipv4.dev_addr_genid
    return saddr


def fib_result_prefsrc(net: Net, res: fib_result) -> int:
    """Kernel: net/ipv4/fib_semantics.c fib_result_prefsrc."""
    fi = res.fi
    nhc = res.nhc
    assert fi is not None and nhc is not None
    if fi.fib_prefsrc:
        return fi.fib_prefsrc
    if isinstance(nhc, fib_nh) and nhc.nh_saddr_genid == net.ipv4.dev_addr_genid:
        return nhc.nh_saddr
    return fib_info_update_nhc_saddr(net, nhc, fi.fib_scope)


def fib_dump_info(msgtype: int, tb_id: int, dst: int, dst_len: int, fa: fib_alias,
                  flags: int) -> uapi_rt.nlmsg:
    """The RTM_NEWROUTE message describing one alias (dumps and notifications).

    Kernel: net/ipv4/fib_semantics.c fib_dump_info.
    """
    fi = fa.fa_info
    hdr = uapi_rt.rtmsg(family=uapi_rt.AF_INET, dst_len=dst_len, src_len=0, tos=fa.fa_dscp,
                        table=tb_id if tb_id < 256 else uapi_rt.RT_TABLE_COMPAT,
                        protocol=fi.fib_protocol, scope=fi.fib_scope, type=fa.fa_type,
                        flags=0)
    attrs: dict[int, Any] = {uapi_rt.RTA_TABLE: tb_id}
    if dst_len:
        attrs[uapi_rt.RTA_DST] = dst
    if fi.fib_priority:
        attrs[uapi_rt.RTA_PRIORITY] = fi.fib_priority
    mx = {i + 1: v for i, v in enumerate(fi.fib_metrics) if v}
    if mx:
        attrs[uapi_rt.RTA_METRICS] = mx
    if fi.fib_prefsrc:
        attrs[uapi_rt.RTA_PREFSRC] = fi.fib_prefsrc
    nh = fi.nh
    if nh is not None:
        attrs[uapi_rt.RTA_NH_ID] = nh.id
        if nexthop.nexthop_is_blackhole(nh):
            hdr.type = uapi_rt.RTN_BLACKHOLE
        if not fi.fib_net or not fi.fib_net.ipv4.sysctl_nexthop_compat_mode:
            return uapi_rt.nlmsg(type=msgtype, flags=flags, hdr=hdr, attrs=attrs)
    if fib_info_num_path(fi) == 1:
        nhc = fib_info_nhc(fi, 0)
        hdr.flags = _nexthop_flags(nhc)
        if nhc.nhc_gw_family == uapi_rt.AF_INET:
            attrs[uapi_rt.RTA_GATEWAY] = nhc.nhc_gw
        if nhc.nhc_dev is not None:
            attrs[uapi_rt.RTA_OIF] = nhc.nhc_dev.ifindex
        if isinstance(nhc, fib_nh) and nhc.nh_tclassid:
            attrs[uapi_rt.RTA_FLOW] = nhc.nh_tclassid
    elif nh is not None:  # fib_add_multipath
        attrs[uapi_rt.RTA_MULTIPATH] = nexthop.nexthop_mpath_fill_node(nh)
    else:
        attrs[uapi_rt.RTA_MULTIPATH] = [fib_add_nexthop(fnh, fnh.nhc_weight, fnh.nh_tclassid)
                                        for fnh in fi.fib_nh]
    return uapi_rt.nlmsg(type=msgtype, flags=flags, hdr=hdr, attrs=attrs)


def _nexthop_flags(nhc: fib_nh_common) -> int:
    """The rtm/rtnh flags byte fib_nexthop_info reports (DEAD too for a link-down nexthop
    whose device ignores routes with linkdown)."""
    flags = nhc.nhc_flags & 0xFF
    if nhc.nhc_flags & uapi_rt.RTNH_F_LINKDOWN and ip_ignore_linkdown(nhc.nhc_dev):
        flags |= uapi_rt.RTNH_F_DEAD
    return flags


def fib_add_nexthop(nhc: fib_nh_common, nh_weight: int, nh_tclassid: int) -> uapi_rt.rtnexthop:
    """One RTA_MULTIPATH hop. Kernel: net/ipv4/fib_semantics.c fib_add_nexthop,
    fib_nexthop_info."""
    hop_attrs: dict[int, Any] = {}
    if nhc.nhc_gw_family == uapi_rt.AF_INET:
        hop_attrs[uapi_rt.RTA_GATEWAY] = nhc.nhc_gw
    if nh_tclassid:
        hop_attrs[uapi_rt.RTA_FLOW] = nh_tclassid
    return uapi_rt.rtnexthop(flags=_nexthop_flags(nhc), hops=nh_weight - 1,
                             ifindex=nhc.nhc_dev.ifindex if nhc.nhc_dev else 0,
                             attrs=hop_attrs)


def rtmsg_fib(event: int, key: int, fa: fib_alias, dst_len: int, tb_id: int,
              info: nl_info, nlm_flags: int) -> None:
    """Notify RTNLGRP_IPV4_ROUTE listeners (`ip monitor route`) of a route change.

    The message is built only when someone listens (rtnl_has_listeners: measured 13% of an
    RTM_NEWROUTE otherwise). Kernel: net/ipv4/fib_semantics.c rtmsg_fib.
    """
    net = info.nl_net
    if net is None or info.skip_notify or not rtnetlink.rtnl_has_listeners(
            net, uapi_rt.RTNLGRP_IPV4_ROUTE):
        return
    rtnetlink.rtnl_notify(net, uapi_rt.RTNLGRP_IPV4_ROUTE,
                          fib_dump_info(event, tb_id, key, dst_len, fa, nlm_flags))

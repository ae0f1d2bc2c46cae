"""The FIB front end: tables per namespace, routes that follow addresses and devices, source
validation, address types, and the route rtnetlink handlers.

Kernel: net/ipv4/fib_frontend.c. Tables live in `net.ipv4.fib_table_hash` (tb_id → fib_table,
in creation order; dumps and /proc walk them in the kernel's hash order, see `fib_tables`).
Everything runs under RTNL in process context except fib_validate_source,
fib_compute_spec_dst and inet_addr_type* (any context).
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from skbuff.kernel import notifier, procfs
from skbuff.net import flow
from skbuff.net.core import dev as netdev
from skbuff.net.core import net_namespace, rtnetlink
from skbuff.net.core import skbuff as core_skbuff
from skbuff.net.ipv4 import arp, devinet, fib_rules, fib_semantics, fib_trie, ip_fib, nexthop, route
from skbuff.net.ipv4.ip_fib import FIB_LOOKUP_IGNORE_LINKSTATE, FIB_LOOKUP_NOREF, fib_config
from skbuff.uapi import if_addr, in_
from skbuff.uapi import rtnetlink as uapi_rt
from skbuff.uapi.if_link import IFF_LOOPBACK, IFF_LOWER_UP, IFF_RUNNING, IFF_UP
from skbuff.uapi.in_route import RTCF_BROADCAST, RTCF_LOCAL, RTCF_MULTICAST
from skbuff.uapi.rtnetlink import (
    RTA_DST,
    RTA_FLOW,
    RTA_GATEWAY,
    RTA_METRICS,
    RTA_MULTIPATH,
    RTA_NH_ID,
    RTA_OIF,
    RTA_PREFSRC,
    RTA_PRIORITY,
    RTA_TABLE,
    RTA_VIA,
)

if TYPE_CHECKING:
    from skbuff.net.core.dev import net_device
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff

FIB_TABLE_HASHSZ = 256
INET_DSCP_MASK = 0xFC


def fib_get_table(net: Net, id: int) -> ip_fib.fib_table | None:
    """Table `id` (0 = main) or None. Kernel: net/ipv4/fib_frontend.c fib_get_table."""
    tb: ip_fib.fib_table | None = net.ipv4.fib_table_hash.get(id or uapi_rt.RT_TABLE_MAIN)
    return tb


def fib_new_table(net: Net, id: int) -> ip_fib.fib_table:
    """Get or create table `id`; local shares main's trie until custom rules exist.

    Kernel: net/ipv4/fib_frontend.c fib_new_table.
    """
    if id == 0:
        id = uapi_rt.RT_TABLE_MAIN
    tb = fib_get_table(net, id)
    if tb is not None:
        return tb
    alias = None
    if id == uapi_rt.RT_TABLE_LOCAL and not net.ipv4.fib_has_custom_rules:
        alias = fib_new_table(net, uapi_rt.RT_TABLE_MAIN)
    tb = fib_trie.fib_trie_table(id, alias, net.kernel.trace)
    if id == uapi_rt.RT_TABLE_MAIN:
        net.ipv4.fib_main = tb
    elif id == uapi_rt.RT_TABLE_DEFAULT:
        net.ipv4.fib_default = tb
    net.ipv4.fib_table_hash[id] = tb
    return tb


def fib_tables(net: Net) -> Iterator[ip_fib.fib_table]:
    """Tables in the kernel's walk order: hash bucket (id & 255) ascending, newest first
    within a bucket (hlist_add_head).

    Kernel: net/ipv4/fib_frontend.c fib_new_table.
    """
    tables = list(net.ipv4.fib_table_hash.values())
    order = sorted(range(len(tables)),
                   key=lambda i: (tables[i].tb_id & (FIB_TABLE_HASHSZ - 1), -i))
    for i in order:
        yield tables[i]


def fib_unmerge(net: Net) -> int:
    """Give local its own trie and drop local's aliases from main (first custom rule).

    Kernel: net/ipv4/fib_frontend.c fib_unmerge. RTNL.
    """
    old = fib_get_table(net, uapi_rt.RT_TABLE_LOCAL)
    if old is None:
        return 0
    new = fib_trie.fib_trie_unmerge(old)
    if new is old:
        return 0
    hash_ = net.ipv4.fib_table_hash
    hash_[uapi_rt.RT_TABLE_LOCAL] = new
    main_table = fib_get_table(net, uapi_rt.RT_TABLE_MAIN)
    if main_table is not None:
        fib_trie.fib_table_flush_external(main_table)
    return 0


def fib_flush(net: Net) -> None:
    """Remove dead routes from every table. Kernel: net/ipv4/fib_frontend.c fib_flush."""
    flushed = 0
    for tb in list(fib_tables(net)):
        flushed += fib_trie.fib_table_flush(net, tb, False)
    if flushed:
        route.rt_cache_flush(net)


def __inet_dev_addr_type(net: Net, dev: net_device | None, addr: int, tb_id: int) -> int:
    """RTN_* type of addr by table tb_id (restricted to dev when given).

    Kernel: net/ipv4/fib_frontend.c __inet_dev_addr_type.
    """
    if in_.ipv4_is_zeronet(addr) or in_.ipv4_is_lbcast(addr):
        return uapi_rt.RTN_BROADCAST
    if in_.ipv4_is_multicast(addr):
        return uapi_rt.RTN_MULTICAST
    table = fib_get_table(net, tb_id)
    if table is None:
        return uapi_rt.RTN_BROADCAST
    res = ip_fib.fib_result()
    if not fib_trie.fib_table_lookup(table, flow.flowi4(daddr=addr), res, FIB_LOOKUP_NOREF):
        assert res.fi is not None
        if dev is None or dev is ip_fib.fib_info_nhc(res.fi, 0).nhc_dev:
            return res.type
    return uapi_rt.RTN_UNICAST


def inet_addr_type_table(net: Net, addr: int, tb_id: int) -> int:
    """Kernel: net/ipv4/fib_frontend.c inet_addr_type_table."""
    return __inet_dev_addr_type(net, None, addr, tb_id)


def inet_addr_type(net: Net, addr: int) -> int:
    """RTN_LOCAL/BROADCAST/MULTICAST/UNICAST… of addr.

    Kernel: net/ipv4/fib_frontend.c inet_addr_type.
    """
    return __inet_dev_addr_type(net, None, addr, uapi_rt.RT_TABLE_LOCAL)


def inet_dev_addr_type(net: Net, dev: net_device, addr: int) -> int:
    """Kernel: net/ipv4/fib_frontend.c inet_dev_addr_type."""
    return __inet_dev_addr_type(net, dev, addr, uapi_rt.RT_TABLE_LOCAL)


def inet_addr_type_dev_table(net: Net, dev: net_device, addr: int) -> int:
    """Kernel: net/ipv4/fib_frontend.c inet_addr_type_dev_table (no l3mdev: the local table)."""
    return __inet_dev_addr_type(net, None, addr, uapi_rt.RT_TABLE_LOCAL)


def fib_compute_spec_dst(skb: sk_buff) -> int:
    """The local address a reply to skb should come from (ICMP, IP options).

    Kernel: net/ipv4/fib_frontend.c fib_compute_spec_dst. Softirq context.
    """
    dev = skb.dev
    rt = core_skbuff.skb_dst(skb)
    iph = core_skbuff.ip_hdr(skb)
    if rt is not None and (rt.rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST | RTCF_LOCAL)
                           == RTCF_LOCAL):
        return int(iph.daddr)
    in_dev = dev.ip_ptr
    net = dev.nd_net
    scope = uapi_rt.RT_SCOPE_UNIVERSE
    if not in_.ipv4_is_zeronet(iph.saddr):
        vmark = in_dev is not None and devinet.IN_DEV_SRC_VMARK(in_dev)
        fl4 = flow.flowi4(flowi4_iif=flow.LOOPBACK_IFINDEX, daddr=iph.saddr,
                          flowi4_tos=iph.tos & INET_DSCP_MASK, flowi4_scope=scope,
                          flowi4_mark=skb.mark if vmark else 0)
        res = ip_fib.fib_result()
        if not fib_rules.fib_lookup(net, fl4, res, 0):
            return fib_semantics.fib_result_prefsrc(net, res)
    else:
        scope = uapi_rt.RT_SCOPE_LINK
    return devinet.inet_select_addr(dev, iph.saddr, scope)


def __fib_validate_source(skb: sk_buff, src: int, dst: int, tos: int, oif: int,
                          dev: net_device, rpf: int, idev: devinet.in_device,
                          itag: list[int]) -> int:
    """Reverse-path lookup of src. Returns 1 (source on-link, nh scope host), 0, -EINVAL
    (martian source type) or -EXDEV (rp_filter failure). Kernel: net/ipv4/fib_frontend.c
    __fib_validate_source."""
    net = dev.nd_net
    fl4 = flow.flowi4(flowi4_iif=oif or flow.LOOPBACK_IFINDEX, daddr=src, saddr=dst,
                      flowi4_tos=tos, flowi4_scope=uapi_rt.RT_SCOPE_UNIVERSE,
                      flowi4_mark=skb.mark if devinet.IN_DEV_SRC_VMARK(idev) else 0)
    no_addr = not idev.ifa_list
    res = ip_fib.fib_result()
    if fib_rules.fib_lookup(net, fl4, res, 0):
        if rpf:
            return -errno.EXDEV
        itag[0] = 0
        return 0
    if res.type != uapi_rt.RTN_UNICAST and (res.type != uapi_rt.RTN_LOCAL
                                            or not devinet.IN_DEV_ACCEPT_LOCAL(idev)):
        return -errno.EINVAL
    itag[0] = 0
    assert res.fi is not None
    dev_match = fib_semantics.fib_info_nh_uses_dev(res.fi, dev) or (
        res.type == uapi_rt.RTN_LOCAL and dev is net.loopback_dev)
    if dev_match:
        return int(ip_fib.FIB_RES_NHC(res).nhc_scope >= uapi_rt.RT_SCOPE_HOST)
    if no_addr:
        if rpf:
            return -errno.EXDEV
        itag[0] = 0
        return 0
    if rpf == 1:
        return -errno.EXDEV
    fl4.flowi4_oif = dev.ifindex
    ret = 0
    if (fib_rules.fib_lookup(net, fl4, res, FIB_LOOKUP_IGNORE_LINKSTATE) == 0
            and res.type == uapi_rt.RTN_UNICAST):
        ret = int(ip_fib.FIB_RES_NHC(res).nhc_scope >= uapi_rt.RT_SCOPE_HOST)
    return ret


def fib_validate_source(skb: sk_buff, src: int, dst: int, tos: int, oif: int,
                        dev: net_device, idev: devinet.in_device, itag: list[int]) -> int:
    """Validate a received packet's source (rp_filter 0/1/2, accept_local, martian local
    source). `itag` is a one-element list (the kernel's u32 *itag). Returns 1/0 or -errno.
    Kernel: net/ipv4/fib_frontend.c fib_validate_source. Softirq context."""
    net = dev.nd_net
    # IN_DEV_RPFILTER and IN_DEV_ACCEPT_LOCAL are macros (max and or of all/device), expanded
    # here: this runs for every forwarded packet
    conf_all = net.ipv4.devconf_all.data
    conf = idev.cnf.data
    rp = devinet.IPV4_DEVCONF_RP_FILTER - 1
    r = conf_all[rp]
    if conf[rp] > r:  # max(all, dev)
        r = conf[rp]
    if not r and (dev.ifindex != oif or not devinet.IN_DEV_TX_REDIRECTS(idev)):
        if (conf_all[devinet.IPV4_DEVCONF_ACCEPT_LOCAL - 1]
                or conf[devinet.IPV4_DEVCONF_ACCEPT_LOCAL - 1]):
            itag[0] = 0
            return 0
        if not (net.ipv4.fib_has_custom_local_routes or net.ipv4.fib_has_custom_rules):
            if devinet.inet_lookup_ifaddr_rcu(net, src) is not None:
                return -errno.EINVAL
            itag[0] = 0
            return 0
    return __fib_validate_source(skb, src, dst, tos, oif, dev, r, idev, itag)


def rtm_to_fib_config(net: Net, msg: uapi_rt.nlmsg, cfg: fib_config, extack: Any) -> int:
    """Parse an RTM_NEWROUTE/DELROUTE request into `cfg` (fib_config.unset()): every field is
    set; on an error the caller drops cfg. Kernel: net/ipv4/fib_frontend.c rtm_to_fib_config."""
    rtm: uapi_rt.rtmsg = msg.hdr
    tos = rtm.tos
    if tos & ~INET_DSCP_MASK:
        rtnetlink.NL_SET_ERR_MSG(extack, "Invalid dsfield (tos): ECN bits must be 0")
        return -errno.EINVAL
    cfg.fc_dscp = tos
    cfg.fc_dst_len = dst_len = rtm.dst_len
    cfg.fc_protocol = rtm.protocol
    cfg.fc_scope = rtm.scope
    cfg.fc_type = rtm.type
    cfg.fc_flags = rtm.flags
    cfg.fc_nlflags = msg.flags
    cfg.fc_nlinfo = ip_fib.nl_info(net, msg, msg.pid)
    if cfg.fc_type > uapi_rt.RTN_MAX:
        rtnetlink.NL_SET_ERR_MSG(extack, "Invalid route type")
        return -errno.EINVAL
    a = msg.attrs
    get = a.get
    cfg.fc_dst = dst = get(RTA_DST, 0)
    cfg.fc_oif = oif = get(RTA_OIF, 0)
    cfg.fc_gw4 = gw = get(RTA_GATEWAY, 0)
    cfg.fc_gw_family = uapi_rt.AF_INET if gw else 0
    if RTA_GATEWAY in a and RTA_VIA in a:
        rtnetlink.NL_SET_ERR_MSG(extack, "Nexthop configuration can not contain both GATEWAY "
                                 "and VIA")
        return -errno.EINVAL
    cfg.fc_priority = get(RTA_PRIORITY, 0)
    cfg.fc_prefsrc = get(RTA_PREFSRC, 0)
    cfg.fc_mx = get(RTA_METRICS)
    cfg.fc_mp = mp = get(RTA_MULTIPATH)
    cfg.fc_flow = get(RTA_FLOW, 0)
    cfg.fc_table = get(RTA_TABLE, rtm.table)
    cfg.fc_nh_id = nh_id = get(RTA_NH_ID, 0)
    if dst_len > 32:
        rtnetlink.NL_SET_ERR_MSG(extack, "Invalid prefix length")
        return -errno.EINVAL
    if dst_len < 32 and (dst << dst_len) & 0xFFFFFFFF:
        rtnetlink.NL_SET_ERR_MSG(extack, "Invalid prefix for given prefix length")
        return -errno.EINVAL
    if nh_id and (oif or cfg.fc_gw_family or mp):
        rtnetlink.NL_SET_ERR_MSG(
            extack, "Nexthop specification and nexthop id are mutually exclusive")
        return -errno.EINVAL
    if not cfg.fc_table:
        cfg.fc_table = uapi_rt.RT_TABLE_MAIN
    return 0


def inet_rtm_delroute(net: Net, msg: uapi_rt.nlmsg, extack: Any) -> int:
    """RTM_DELROUTE doit (`ip route del`). Kernel: net/ipv4/fib_frontend.c inet_rtm_delroute."""
    cfg = fib_config.unset()
    err = rtm_to_fib_config(net, msg, cfg, extack)
    if err < 0:
        return err
    if cfg.fc_nh_id and nexthop.nexthop_find_by_id(net, cfg.fc_nh_id) is None:
        rtnetlink.NL_SET_ERR_MSG(extack, "Nexthop id does not exist")
        return -errno.EINVAL
    tb = fib_get_table(net, cfg.fc_table)
    if tb is None:
        rtnetlink.NL_SET_ERR_MSG(extack, "FIB table does not exist")
        return -errno.ESRCH
    return fib_trie.fib_table_delete(net, tb, cfg, extack)


def inet_rtm_newroute(net: Net, msg: uapi_rt.nlmsg, extack: Any) -> int:
    """RTM_NEWROUTE doit (`ip route add/replace/append/prepend/change`).

    Kernel: net/ipv4/fib_frontend.c inet_rtm_newroute.
    """
    cfg = fib_config.unset()
    err = rtm_to_fib_config(net, msg, cfg, extack)
    if err < 0:
        return err
    tb = fib_new_table(net, cfg.fc_table)
    t = tb.tb_data
    genid = t.genid
    err = fib_trie.fib_table_insert(net, tb, cfg, extack)
    if err:
        return err
    fib_semantics.fib_info_memo_inserted(net, t, genid, cfg.fc_dst, cfg.fc_dst_len)
    if cfg.fc_type == uapi_rt.RTN_LOCAL and cfg.fc_table != uapi_rt.RT_TABLE_LOCAL:
        net.ipv4.fib_has_custom_local_routes = True
    return 0


def inet_dump_fib(net: Net, msg: uapi_rt.nlmsg) -> list[uapi_rt.nlmsg]:
    """RTM_GETROUTE dump (`ip route show [table N]`): every table's routes, or one table
    when RTA_TABLE/rtm_table filters. Kernel: net/ipv4/fib_frontend.c inet_dump_fib."""
    rtm = msg.hdr
    flags = getattr(rtm, "flags", 0) & (uapi_rt.RTM_F_PREFIX | uapi_rt.RTM_F_CLONED)
    if flags & uapi_rt.RTM_F_PREFIX:
        return []
    table_id = msg.attrs.get(uapi_rt.RTA_TABLE, getattr(rtm, "table", 0) or 0)
    if table_id:
        tb = fib_get_table(net, table_id)
        out = fib_trie.fib_table_dump(tb, flags) if tb is not None else []
    else:
        out = []
        for tb in fib_tables(net):
            out.extend(fib_trie.fib_table_dump(tb, flags))
    if (table_id or uapi_rt.RTA_OIF in msg.attrs or getattr(rtm, "protocol", 0)
            or getattr(rtm, "type", 0) or flags):
        # ip_valid_fib_dump_req: a filtered dump says so in every answer (answer_flags)
        for m in out:
            m.flags |= uapi_rt.NLM_F_DUMP_FILTERED
    return out


def fib_magic(cmd: int, type: int, dst: int, dst_len: int, ifa: devinet.in_ifaddr,
              rt_priority: int) -> None:
    """Add/delete a kernel-protocol route for an address (local/prefix/broadcast).

    Kernel: net/ipv4/fib_frontend.c fib_magic. RTNL.
    """
    dev = ifa.ifa_dev.dev
    net = dev.nd_net
    cfg = fib_config()
    cfg.fc_protocol = uapi_rt.RTPROT_KERNEL
    cfg.fc_type = type
    cfg.fc_dst = dst
    cfg.fc_dst_len = dst_len
    cfg.fc_priority = rt_priority
    cfg.fc_prefsrc = ifa.ifa_local
    cfg.fc_oif = dev.ifindex
    cfg.fc_nlflags = uapi_rt.NLM_F_CREATE | uapi_rt.NLM_F_APPEND
    cfg.fc_nlinfo = ip_fib.nl_info(net)
    tb = fib_new_table(net, uapi_rt.RT_TABLE_MAIN if type == uapi_rt.RTN_UNICAST
                       else uapi_rt.RT_TABLE_LOCAL)
    cfg.fc_table = tb.tb_id
    cfg.fc_scope = uapi_rt.RT_SCOPE_HOST if type == uapi_rt.RTN_LOCAL else uapi_rt.RT_SCOPE_LINK
    if cmd == uapi_rt.RTM_NEWROUTE:
        fib_trie.fib_table_insert(net, tb, cfg, None)
    else:
        fib_trie.fib_table_delete(net, tb, cfg, None)


def _prefix_type(dev: net_device) -> int:
    return uapi_rt.RTN_LOCAL if dev.flags & IFF_LOOPBACK else uapi_rt.RTN_UNICAST


def fib_add_ifaddr(ifa: devinet.in_ifaddr) -> None:
    """The routes an address brings: local /32 always; when the device is up the explicit
    broadcast, the prefix route (primary, not noprefixroute) and the subnet broadcast.

    Kernel: net/ipv4/fib_frontend.c fib_add_ifaddr.
    """
    in_dev = ifa.ifa_dev
    dev = in_dev.dev
    prim: devinet.in_ifaddr | None = ifa
    mask = ifa.ifa_mask
    addr = ifa.ifa_local
    prefix = ifa.ifa_address & mask
    if ifa.ifa_flags & if_addr.IFA_F_SECONDARY:
        prim = devinet.inet_ifa_byprefix(in_dev, prefix, mask)
    if prim is None:
        return
    fib_magic(uapi_rt.RTM_NEWROUTE, uapi_rt.RTN_LOCAL, addr, 32, prim, 0)
    if not dev.flags & IFF_UP:
        return
    if ifa.ifa_broadcast and ifa.ifa_broadcast != 0xFFFFFFFF:
        fib_magic(uapi_rt.RTM_NEWROUTE, uapi_rt.RTN_BROADCAST, ifa.ifa_broadcast, 32, prim, 0)
        arp.arp_invalidate(dev, ifa.ifa_broadcast, False)
    if (not in_.ipv4_is_zeronet(prefix) and not ifa.ifa_flags & if_addr.IFA_F_SECONDARY
            and (prefix != addr or ifa.ifa_prefixlen < 32)):
        if not ifa.ifa_flags & if_addr.IFA_F_NOPREFIXROUTE:
            fib_magic(uapi_rt.RTM_NEWROUTE, _prefix_type(dev), prefix, ifa.ifa_prefixlen, prim,
                      ifa.ifa_rt_priority)
        if ifa.ifa_prefixlen < 31:
            brd = prefix | (~mask & 0xFFFFFFFF)
            fib_magic(uapi_rt.RTM_NEWROUTE, uapi_rt.RTN_BROADCAST, brd, 32, prim, 0)
            arp.arp_invalidate(dev, brd, False)


def fib_modify_prefix_metric(ifa: devinet.in_ifaddr, new_metric: int) -> None:
    """Re-add the prefix route with a new metric. Kernel: net/ipv4/fib_frontend.c
    fib_modify_prefix_metric."""
    prefix = ifa.ifa_address & ifa.ifa_mask
    dev = ifa.ifa_dev.dev
    if (not dev.flags & IFF_UP
            or ifa.ifa_flags & (if_addr.IFA_F_SECONDARY | if_addr.IFA_F_NOPREFIXROUTE)
            or in_.ipv4_is_zeronet(prefix)
            or (prefix == ifa.ifa_local and ifa.ifa_prefixlen == 32)):
        return
    fib_magic(uapi_rt.RTM_NEWROUTE, _prefix_type(dev), prefix, ifa.ifa_prefixlen, ifa,
              new_metric)
    fib_magic(uapi_rt.RTM_DELROUTE, _prefix_type(dev), prefix, ifa.ifa_prefixlen, ifa,
              ifa.ifa_rt_priority)


LOCAL_OK = 1
BRD_OK = 2
BRD0_OK = 4
BRD1_OK = 8


def fib_del_ifaddr(ifa: devinet.in_ifaddr, iprim: devinet.in_ifaddr | None) -> None:
    """Remove the routes of a deleted address, keeping broadcast/local routes another address
    still needs (with iprim: treat iprim's subnet as gone, for promotion).

    Kernel: net/ipv4/fib_frontend.c fib_del_ifaddr.
    """
    in_dev = ifa.ifa_dev
    dev = in_dev.dev
    prim: devinet.in_ifaddr | None = ifa
    prim1: devinet.in_ifaddr | None = None
    inv_mask = ~ifa.ifa_mask & 0xFFFFFFFF
    brd = ifa.ifa_address | inv_mask
    any_ = ifa.ifa_address & ifa.ifa_mask
    ok = 0
    subnet = False
    gone = True
    same_prefsrc = False
    if ifa.ifa_flags & if_addr.IFA_F_SECONDARY:
        prim = devinet.inet_ifa_byprefix(in_dev, any_, ifa.ifa_mask)
        if prim is None or (iprim is not None and iprim is not prim):
            return
    elif not in_.ipv4_is_zeronet(any_) and (any_ != ifa.ifa_local or ifa.ifa_prefixlen < 32):
        if not ifa.ifa_flags & if_addr.IFA_F_NOPREFIXROUTE:
            fib_magic(uapi_rt.RTM_DELROUTE, _prefix_type(dev), any_, ifa.ifa_prefixlen, ifa, 0)
        subnet = True
    assert prim is not None
    if not in_dev.dead:
        for ifa1 in in_dev.ifa_list:
            if ifa1 is ifa:
                gone = False
                continue
            if (iprim is not None and ifa1.ifa_mask == iprim.ifa_mask
                    and devinet.inet_ifa_match(ifa1.ifa_address, iprim)):
                continue
            if ifa1.ifa_flags & if_addr.IFA_F_SECONDARY:
                if (ifa1.ifa_mask == prim.ifa_mask
                        and devinet.inet_ifa_match(ifa1.ifa_address, prim)):
                    prim1 = prim
                else:
                    if not same_prefsrc:
                        continue
                    if (prim1 is None or ifa1.ifa_mask != prim1.ifa_mask
                            or not devinet.inet_ifa_match(ifa1.ifa_address, prim1)):
                        prim1 = devinet.inet_ifa_byprefix(in_dev, ifa1.ifa_address,
                                                          ifa1.ifa_mask)
                    if prim1 is None or prim1.ifa_local != prim.ifa_local:
                        continue
            else:
                if prim.ifa_local != ifa1.ifa_local:
                    continue
                prim1 = ifa1
                if prim is not prim1:
                    same_prefsrc = True
            if ifa.ifa_local == ifa1.ifa_local:
                ok |= LOCAL_OK
            if ifa.ifa_broadcast == ifa1.ifa_broadcast:
                ok |= BRD_OK
            if brd == ifa1.ifa_broadcast:
                ok |= BRD1_OK
            if any_ == ifa1.ifa_broadcast:
                ok |= BRD0_OK
            if prim1 is ifa1 and ifa1.ifa_prefixlen < 31:
                brd1 = ifa1.ifa_address | (~ifa1.ifa_mask & 0xFFFFFFFF)
                any1 = ifa1.ifa_address & ifa1.ifa_mask
                if not in_.ipv4_is_zeronet(any1):
                    if ifa.ifa_broadcast in (brd1, any1):
                        ok |= BRD_OK
                    if brd in (brd1, any1):
                        ok |= BRD1_OK
                    if any_ in (brd1, any1):
                        ok |= BRD0_OK
    if not ok & BRD_OK:
        fib_magic(uapi_rt.RTM_DELROUTE, uapi_rt.RTN_BROADCAST, ifa.ifa_broadcast, 32, prim, 0)
    if subnet and ifa.ifa_prefixlen < 31:
        if not ok & BRD1_OK:
            fib_magic(uapi_rt.RTM_DELROUTE, uapi_rt.RTN_BROADCAST, brd, 32, prim, 0)
        if not ok & BRD0_OK:
            fib_magic(uapi_rt.RTM_DELROUTE, uapi_rt.RTN_BROADCAST, any_, 32, prim, 0)
    if not ok & LOCAL_OK:
        fib_magic(uapi_rt.RTM_DELROUTE, uapi_rt.RTN_LOCAL, ifa.ifa_local, 32, prim, 0)
        addr_type = inet_addr_type_dev_table(dev.nd_net, dev, ifa.ifa_local)
        if (gone and addr_type != uapi_rt.RTN_LOCAL
                and fib_semantics.fib_sync_down_addr(dev, ifa.ifa_local)):
            fib_flush(dev.nd_net)


def fib_disable_ip(dev: net_device, event: int, force: bool) -> None:
    """Kernel: net/ipv4/fib_frontend.c fib_disable_ip."""
    if fib_semantics.fib_sync_down_dev(dev, event, force):
        fib_flush(dev.nd_net)
    else:
        route.rt_cache_flush(dev.nd_net)
    arp.arp_ifdown(dev)


def fib_inetaddr_event(nb: notifier.notifier_block, event: int, ifa: Any) -> int:
    """inetaddr_chain handler: address routes on NETDEV_UP/NETDEV_DOWN.

    Kernel: net/ipv4/fib_frontend.c fib_inetaddr_event.
    """
    dev = ifa.ifa_dev.dev
    net = dev.nd_net
    if event == netdev.NETDEV_UP:
        fib_add_ifaddr(ifa)
        fib_semantics.fib_sync_up(dev, uapi_rt.RTNH_F_DEAD)
        net.ipv4.dev_addr_genid += 1
        route.rt_cache_flush(net)
    elif event == netdev.NETDEV_DOWN:
        fib_del_ifaddr(ifa, None)
        net.ipv4.dev_addr_genid += 1
        if not ifa.ifa_dev.ifa_list:
            fib_disable_ip(dev, event, True)
        else:
            route.rt_cache_flush(net)
    return notifier.NOTIFY_DONE


def fib_netdev_event(nb: notifier.notifier_block, event: int, ptr: Any) -> int:
    """netdev_chain handler: re-add address routes on UP, kill routes on DOWN/UNREGISTER,
    LINKDOWN on carrier loss. Kernel: net/ipv4/fib_frontend.c fib_netdev_event."""
    dev = netdev.netdev_notifier_info_to_dev(ptr)
    net = dev.nd_net
    if event == netdev.NETDEV_UNREGISTER:
        fib_disable_ip(dev, event, True)
        route.rt_flush_dev(dev)
        return notifier.NOTIFY_DONE
    in_dev = dev.ip_ptr
    if in_dev is None:
        return notifier.NOTIFY_DONE
    if event == netdev.NETDEV_UP:
        for ifa in list(in_dev.ifa_list):
            fib_add_ifaddr(ifa)
        fib_semantics.fib_sync_up(dev, uapi_rt.RTNH_F_DEAD)
        net.ipv4.dev_addr_genid += 1
        route.rt_cache_flush(net)
    elif event == netdev.NETDEV_DOWN:
        fib_disable_ip(dev, event, False)
    elif event == netdev.NETDEV_CHANGE:
        if netdev.dev_get_flags(dev) & (IFF_RUNNING | IFF_LOWER_UP):
            fib_semantics.fib_sync_up(dev, uapi_rt.RTNH_F_LINKDOWN)
        else:
            fib_semantics.fib_sync_down_dev(dev, event, False)
        route.rt_cache_flush(net)
    elif event == netdev.NETDEV_CHANGEMTU:
        route.rt_cache_flush(net)
    return notifier.NOTIFY_DONE


def ip_fib_net_init(net: Net) -> None:
    """Per-namespace FIB: the table hash, fib_info hash, the rules (fib4_rules_init, owner
    "route") and the /proc/net files. Kernel: net/ipv4/fib_frontend.c fib_net_init/ip_fib_net_init,
    fib_trie.c fib_proc_init."""
    net.ipv4.fib_table_hash = {}
    net.ipv4.fib_info_hash = {}
    net.ipv4.fib_info_memo = fib_semantics.fib_info_memo()
    fib_rules.fib4_rules_init(net)
    procfs.proc_create_net_single(net, "net/fib_trie", fib_trie.fib_trie_seq_show)
    procfs.proc_create_net_single(net, "net/fib_triestat", fib_trie.fib_triestat_seq_show)
    procfs.proc_create_net_single(net, "net/route", fib_trie.fib_route_seq_show)


def ip_fib_net_exit(net: Net) -> None:
    """Flush every table (error routes too) and drop them. Kernel: net/ipv4/fib_frontend.c
    ip_fib_net_exit."""
    for tb in list(fib_tables(net)):
        fib_trie.fib_table_flush(net, tb, True)
    net.ipv4.fib_table_hash = {}
    net.ipv4.fib_main = None
    net.ipv4.fib_default = None
    fib_rules.fib4_rules_exit(net)


def ip_fib_init(k: Any) -> None:
    """Pernet FIB ops, the netdev and inetaddr notifiers, route rtnetlink handlers.

    Kernel: net/ipv4/fib_frontend.c ip_fib_init.
    """
    net_namespace.register_pernet_subsys(
        k, net_namespace.pernet_operations("fib", init=ip_fib_net_init, exit=ip_fib_net_exit))
    netdev.register_netdevice_notifier(k, notifier.notifier_block(fib_netdev_event))
    notifier.notifier_chain_register(k.inetaddr_chain, notifier.notifier_block(fib_inetaddr_event))
    rtnetlink.rtnl_register(k, uapi_rt.AF_INET, uapi_rt.RTM_NEWROUTE, inet_rtm_newroute, None)
    rtnetlink.rtnl_register(k, uapi_rt.AF_INET, uapi_rt.RTM_DELROUTE, inet_rtm_delroute, None)
    rtnetlink.rtnl_register(k, uapi_rt.AF_INET, uapi_rt.RTM_GETROUTE, None, inet_dump_fib)

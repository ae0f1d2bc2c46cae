"""`ip route`: add/del/replace/change/append/prepend/test, show/list/flush, get.

iproute2: ip/iproute.c (do_iproute, iproute_modify, iproute_list_flush_or_save, iproute_get,
print_route, print_rta_multipath, print_rta_metrics, filter_nlmsg).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from skbuff.tools.common import ToolExit
from skbuff.tools.ip import nexthop, route_save
from skbuff.tools.ip.utils import (
    Args,
    IpCtx,
    duparg2,
    format_host,
    get_addr,
    get_prefix,
    get_u32,
    get_unsigned,
    incomplete_command,
    inet_proto_a2n,
    invarg,
    matches,
    rt_flag_names,
    rtnl_dsfield_a2n,
    rtnl_rtntype_a2n,
    rtnl_rtntype_n2a,
    rtnl_rtprot_a2n,
    rtnl_rtprot_n2a,
    rtnl_rtscope_a2n,
    rtnl_rtscope_n2a,
    rtnl_rttable_a2n,
    rtnl_rttable_n2a,
    rtnl_talk_checked,
)
from skbuff.trace import explain
from skbuff.uapi.rtnetlink import (
    AF_INET,
    AF_UNSPEC,
    NLM_F_APPEND,
    NLM_F_CREATE,
    NLM_F_DUMP,
    NLM_F_EXCL,
    NLM_F_REPLACE,
    NLM_F_REQUEST,
    RT_SCOPE_HOST,
    RT_SCOPE_LINK,
    RT_SCOPE_NOWHERE,
    RT_SCOPE_UNIVERSE,
    RT_TABLE_LOCAL,
    RT_TABLE_MAIN,
    RT_TABLE_UNSPEC,
    RTA_CACHEINFO,
    RTA_DPORT,
    RTA_DST,
    RTA_GATEWAY,
    RTA_IIF,
    RTA_IP_PROTO,
    RTA_MARK,
    RTA_METRICS,
    RTA_MULTIPATH,
    RTA_NH_ID,
    RTA_OIF,
    RTA_PREFSRC,
    RTA_PRIORITY,
    RTA_SPORT,
    RTA_SRC,
    RTA_TABLE,
    RTA_UID,
    RTAX_ADVMSS,
    RTAX_CWND,
    RTAX_FASTOPEN_NO_COOKIE,
    RTAX_FEATURES,
    RTAX_HOPLIMIT,
    RTAX_INITCWND,
    RTAX_INITRWND,
    RTAX_LOCK,
    RTAX_MTU,
    RTAX_QUICKACK,
    RTAX_REORDERING,
    RTAX_RTO_MIN,
    RTAX_RTT,
    RTAX_RTTVAR,
    RTAX_SSTHRESH,
    RTAX_WINDOW,
    RTM_DELROUTE,
    RTM_F_CLONED,
    RTM_F_FIB_MATCH,
    RTM_F_LOOKUP_TABLE,
    RTM_F_OFFLOAD,
    RTM_F_OFFLOAD_FAILED,
    RTM_F_TRAP,
    RTM_GETROUTE,
    RTM_NEWROUTE,
    RTN_ANYCAST,
    RTN_BROADCAST,
    RTN_LOCAL,
    RTN_MULTICAST,
    RTN_NAT,
    RTN_UNICAST,
    RTN_UNSPEC,
    RTNH_F_ONLINK,
    RTPROT_BOOT,
    nlmsg,
    rta_cacheinfo,
    rtmsg,
    rtnexthop,
)

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net

USAGE = (
    "Usage: ip route { list | flush } SELECTOR\n"
    "       ip route save SELECTOR\n"
    "       ip route restore\n"
    "       ip route showdump\n"
    "       ip route get [ ROUTE_GET_FLAGS ] ADDRESS\n"
    "                            [ from ADDRESS iif STRING ]\n"
    "                            [ oif STRING ] [ tos TOS ]\n"
    "                            [ mark NUMBER ] [ vrf NAME ]\n"
    "                            [ uid NUMBER ] [ ipproto PROTOCOL ]\n"
    "                            [ sport NUMBER ] [ dport NUMBER ]\n"
    "       ip route { add | del | change | append | replace } ROUTE\n"
    "SELECTOR := [ root PREFIX ] [ match PREFIX ] [ exact PREFIX ]\n"
    "            [ table TABLE_ID ] [ vrf NAME ] [ proto RTPROTO ]\n"
    "            [ type TYPE ] [ scope SCOPE ]\n"
    "ROUTE := NODE_SPEC [ INFO_SPEC ]\n"
    "NODE_SPEC := [ TYPE ] PREFIX [ tos TOS ]\n"
    "             [ table TABLE_ID ] [ proto RTPROTO ]\n"
    "             [ scope SCOPE ] [ metric METRIC ]\n"
    "             [ ttl-propagate { enabled | disabled } ]\n"
    "INFO_SPEC := { NH | nhid ID } OPTIONS FLAGS [ nexthop NH ]...\n"
    "NH := [ encap ENCAPTYPE ENCAPHDR ] [ via [ FAMILY ] ADDRESS ]\n"
    "      [ dev STRING ] [ weight NUMBER ] NHFLAGS\n"
    "FAMILY := [ inet | inet6 | mpls | bridge | link ]\n"
    "OPTIONS := FLAGS [ mtu NUMBER ] [ advmss NUMBER ] [ as [ to ] ADDRESS ]\n"
    "           [ rtt TIME ] [ rttvar TIME ] [ reordering NUMBER ]\n"
    "           [ window NUMBER ] [ cwnd NUMBER ] [ initcwnd NUMBER ]\n"
    "           [ ssthresh NUMBER ] [ realms REALM ] [ src ADDRESS ]\n"
    "           [ rto_min TIME ] [ hoplimit NUMBER ] [ initrwnd NUMBER ]\n"
    "           [ features FEATURES ] [ quickack BOOL ] [ congctl NAME ]\n"
    "           [ pref PREF ] [ expires TIME ] [ fastopen_no_cookie BOOL ]\n"
    "TYPE := { unicast | local | broadcast | multicast | throw |\n"
    "          unreachable | prohibit | blackhole | nat }\n"
    "TABLE_ID := [ local | main | default | all | NUMBER ]\n"
    "SCOPE := [ host | link | global | NUMBER ]\n"
    "NHFLAGS := [ onlink | pervasive ]\n"
    "RTPROTO := [ kernel | boot | static | NUMBER ]\n"
    "PREF := [ low | medium | high ]\n"
    "TIME := NUMBER[s|ms]\n"
    "BOOL := [1|0]\n"
    "FEATURES := ecn\n"
    "ENCAPTYPE := [ mpls | ip | ip6 | seg6 | seg6local | rpl | ioam6 | xfrm ]\n"
    "ENCAPHDR := [ MPLSLABEL | SEG6HDR | SEG6LOCAL | IOAM6HDR | XFRMINFO ]\n"
    "SEG6HDR := [ mode SEGMODE ] segs ADDR1,ADDRi,ADDRn [hmac HMACKEYID] [cleanup]\n"
    "SEGMODE := [ encap | encap.red | inline | l2encap | l2encap.red ]\n"
    "SEG6LOCAL := action ACTION [ OPTIONS ] [ count ]\n"
    "ACTION := { End | End.X | End.T | End.DX2 | End.DX6 | End.DX4 |\n"
    "            End.DT6 | End.DT4 | End.DT46 | End.B6 | End.B6.Encaps |\n"
    "            End.BM | End.S | End.AS | End.AM | End.BPF }\n"
    "OPTIONS := OPTION [ OPTIONS ]\n"
    "OPTION := { flavors FLAVORS | srh SEG6HDR | nh4 ADDR | nh6 ADDR | iif DEV | oif DEV |\n"
    "            table TABLEID | vrftable TABLEID | endpoint PROGNAME }\n"
    "FLAVORS := { FLAVOR[,FLAVOR] }\n"
    "FLAVOR := { psp | usp | usd | next-csid }\n"
    "IOAM6HDR := trace prealloc type IOAM6_TRACE_TYPE ns IOAM6_NAMESPACE size IOAM6_TRACE_SIZE\n"
    "XFRMINFO := if_id IF_ID [ link_dev LINK ]\n"
    "ROUTE_GET_FLAGS := [ fibmatch ]\n"
)

_RTM_FLAG_NAMES = ((RTM_F_OFFLOAD, "rt_offload"), (RTM_F_TRAP, "rt_trap"),
                   (RTM_F_OFFLOAD_FAILED, "rt_offload_failed"))
# include/uapi/linux/in_route.h RTCF_*, in iproute2's print_cache_flags order
_RTCF_NAMES = (
    (0x80000000, "local"), (0x40000000, "reject"), (0x20000000, "mc"), (0x10000000, "brd"),
    (0x08000000, "dst-nat"), (0x00800000, "src-nat"), (0x00400000, "masq"),
    (0x00020000, "dst-direct"), (0x04000000, "src-direct"), (0x00040000, "redirected"),
    (0x01000000, "redirect"), (0x00200000, "fastroute"), (0x00010000, "notify"),
    (0x00080000, "tproxy"),
)
# iproute2: ip/iproute.c mx_names (index order is print order)
_METRIC_NAMES = {
    RTAX_MTU: "mtu", RTAX_WINDOW: "window", RTAX_RTT: "rtt", RTAX_RTTVAR: "rttvar",
    RTAX_SSTHRESH: "ssthresh", RTAX_CWND: "cwnd", RTAX_ADVMSS: "advmss",
    RTAX_REORDERING: "reordering", RTAX_HOPLIMIT: "hoplimit", RTAX_INITCWND: "initcwnd",
    RTAX_FEATURES: "features", RTAX_RTO_MIN: "rto_min", RTAX_INITRWND: "initrwnd",
    RTAX_QUICKACK: "quickack", RTAX_FASTOPEN_NO_COOKIE: "fastopen_no_cookie",
}
_METRIC_KEYWORDS = {name: rtax for rtax, name in _METRIC_NAMES.items()}
_TIME_METRICS = {RTAX_RTT: 8, RTAX_RTTVAR: 4, RTAX_RTO_MIN: 1}  # stored value = ms * scale
RTAX_FEATURE_ECN = 1


def usage() -> ToolExit:
    return ToolExit(255, USAGE)


def _table_arg(a: Args) -> int:
    tid = a.next_value(rtnl_rttable_a2n, '"table" value is invalid\n')
    return tid


def _set_table(req: nlmsg, tid: int) -> None:
    if tid < 256:
        req.hdr.table = tid
    else:
        req.hdr.table = RT_TABLE_UNSPEC
        req.attrs[RTA_TABLE] = tid


def _parse_nexthops(ctx: IpCtx, a: Args) -> list[rtnexthop]:
    """parse_nexthops: `nexthop [via A] [dev D] [weight W] [onlink]` ... to the end."""
    hops: list[rtnexthop] = []
    while a:
        if a.cur != "nexthop":
            raise ToolExit(255, f'Error: "nexthop" or end of line is expected instead of '
                           f'"{a.cur}"\n')
        if a.peek() is None:
            raise incomplete_command()
        a.advance()
        nh = rtnexthop()
        while a and a.cur != "nexthop":
            kw = a.cur
            if kw == "via":
                nh.attrs[RTA_GATEWAY] = get_addr(a.next_arg(), AF_INET)
            elif kw == "dev":
                nh.ifindex = ctx.ifindex(a.next_arg())
            elif kw == "weight":
                arg = a.next_arg()
                w = get_unsigned(arg, 256)
                if w is None or w == 0:
                    raise invarg('"weight" is invalid\n', arg)
                nh.hops = w - 1
            elif kw == "onlink":
                nh.flags |= RTNH_F_ONLINK
            else:
                break
            a.advance()
        hops.append(nh)
    return hops


def _get_time_rtt(arg: str) -> tuple[int, bool] | None:
    """(milliseconds, raw) of a time like `20ms`, `1.5s`; a bare number is raw.
    iproute2: lib/utils.c get_time_rtt."""
    m = re.fullmatch(r"(\d+(?:\.\d*)?)(s|sec|secs|ms|msec|msecs)?", arg)
    if m is None:
        return None
    v = float(m.group(1))
    if m.group(2) is None:
        return int(v), True
    return int(v * 1000 if m.group(2).startswith("s") else v), False


def _parse_metric(a: Args, kw: str, metrics: dict[int, int]) -> None:
    """One `NAME [lock] VALUE` route metric. iproute2: ip/iproute.c iproute_modify."""
    rtax = _METRIC_KEYWORDS[kw]
    arg = a.next_arg()
    if arg == "lock" and rtax != RTAX_FEATURES:
        metrics[RTAX_LOCK] = metrics.get(RTAX_LOCK, 0) | (1 << rtax)
        arg = a.next_arg()
    if rtax == RTAX_FEATURES:
        if arg != "ecn":
            raise invarg('"features" value not valid\n', arg)
        metrics[rtax] = metrics.get(rtax, 0) | RTAX_FEATURE_ECN
        return
    if rtax in _TIME_METRICS:
        t = _get_time_rtt(arg)
        if t is None:
            raise invarg(f'"{kw}" value is invalid\n', arg)
        if rtax == RTAX_RTO_MIN:
            metrics[RTAX_LOCK] = metrics.get(RTAX_LOCK, 0) | (1 << rtax)
        metrics[rtax] = t[0] if t[1] else t[0] * _TIME_METRICS[rtax]
        return
    v = get_unsigned(arg)
    if v is None or (rtax == RTAX_QUICKACK and v > 1):
        what = {RTAX_ADVMSS: "mss"}.get(rtax, kw)
        raise invarg(f'"{what}" value is invalid\n', arg)
    metrics[rtax] = v


def _print_metrics(mx: dict[int, int], txt: list[str]) -> dict[str, Any]:
    """iproute2: ip/iproute.c print_rta_metrics (text into `txt`; returns the JSON object)."""
    lock = mx.get(RTAX_LOCK, 0)
    jm: dict[str, Any] = {}
    for rtax, name in _METRIC_NAMES.items():
        if rtax not in mx and not lock & (1 << rtax):
            continue
        val = mx.get(rtax, 0)
        if rtax == RTAX_HOPLIMIT and val == 0xFFFFFFFF:
            continue
        txt.append(f"{name} {'lock ' if lock & (1 << rtax) else ''}")
        if rtax == RTAX_FEATURES:
            if val & RTAX_FEATURE_ECN:
                txt.append("ecn ")
                jm["ecn"] = None
            if val & ~RTAX_FEATURE_ECN:
                txt.append(f"{val:#x} ")
                jm["features"] = val
        elif rtax in _TIME_METRICS:
            val //= _TIME_METRICS[rtax] if rtax != RTAX_RTO_MIN else 1
            txt.append(f"{val / 1e3:g}s " if val >= 1000 else f"{val}ms ")
            jm[name] = val
        else:
            txt.append(f"{val} ")
            jm[name] = val
    return jm


def _route_request(family: int, cmd: int, flags: int) -> nlmsg:
    """The request iproute_modify starts from (iproute2's `req` initialisation)."""
    if cmd != RTM_DELROUTE:
        hdr = rtmsg(family, 0, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST)
    else:
        hdr = rtmsg(family, 0, 0, 0, RT_TABLE_MAIN, 0, RT_SCOPE_NOWHERE, 0)
    return nlmsg(RTM_NEWROUTE if cmd == RTM_NEWROUTE else cmd, NLM_F_REQUEST | flags, hdr, {})


def _route_dst(req: nlmsg, text: str) -> None:
    """The destination PREFIX word (after the duplicate/help checks)."""
    hdr: rtmsg = req.hdr
    addr, plen = get_prefix(text, hdr.family)
    if hdr.family == AF_UNSPEC:
        hdr.family = AF_INET
    hdr.dst_len = plen
    if plen:
        req.attrs[RTA_DST] = addr


def _route_via(req: nlmsg, text: str) -> None:
    """`via ADDRESS`."""
    req.attrs[RTA_GATEWAY] = get_addr(text, req.hdr.family)


def iproute_modify(ctx: IpCtx, cmd: int, flags: int, a: Args) -> None:
    """Parse a ROUTE and send RTM_NEWROUTE/RTM_DELROUTE. iproute2: ip/iproute.c iproute_modify.

    The prefix (a word starting with a digit: no keyword does) is tested first; the keyword
    tests keep iproute2's order, which decides what an abbreviation means."""
    req = _route_request(ctx.family, cmd, flags)
    hdr: rtmsg = req.hdr
    attrs = req.attrs
    metrics: dict[int, int] = {}
    dst_ok = gw_ok = scope_ok = table_ok = type_ok = False
    nhid = 0
    dev: str | None = None
    hops: list[rtnexthop] = []
    argv = a.argv
    while a.i < len(argv):
        kw = argv[a.i]
        dst: str | None = None
        if "0" <= kw[:1] <= "9":
            dst = kw
        elif kw == "src":
            attrs[RTA_PREFSRC] = get_addr(a.next_arg(), hdr.family)
        elif kw == "via":
            gw_ok = True
            _route_via(req, a.next_arg())
        elif kw == "from":
            addr, plen = get_prefix(a.next_arg(), hdr.family)
            attrs[RTA_SRC] = addr
            hdr.src_len = plen
        elif kw == "tos" or matches(kw, "dsfield"):
            tos = a.next_value(rtnl_dsfield_a2n, '"tos" value is invalid\n')
            hdr.tos = tos
        elif matches(kw, "metric") or matches(kw, "priority") or kw == "preference":
            metric = a.next_value(get_unsigned, '"metric" value is invalid\n')
            attrs[RTA_PRIORITY] = metric
        elif kw == "scope":
            scope = a.next_value(rtnl_rtscope_a2n, 'invalid "scope" value\n')
            hdr.scope = scope
            scope_ok = True
        elif kw in _METRIC_KEYWORDS:
            _parse_metric(a, kw, metrics)
        elif kw == "onlink":
            hdr.flags |= RTNH_F_ONLINK
        elif kw == "nexthop":
            hops = _parse_nexthops(ctx, a)
            break
        elif kw == "nhid":
            nhid = a.next_value(get_u32, '"id" value is invalid\n')
            attrs[RTA_NH_ID] = nhid
        elif matches(kw, "protocol"):
            proto = a.next_value(rtnl_rtprot_a2n, '"protocol" value is invalid\n')
            hdr.protocol = proto
        elif matches(kw, "table"):
            _set_table(req, _table_arg(a))
            table_ok = True
        elif kw in ("dev", "oif"):
            dev = a.next_arg()
        else:
            dst = kw
            if dst == "to":
                dst = a.next_arg()
            if not ("0" <= dst[:1] <= "9"):
                rtype = rtnl_rtntype_a2n(dst)
                if rtype is not None:
                    dst = a.next_arg()
                    hdr.type = rtype
                    type_ok = True
        if dst is not None:
            if matches(dst, "help"):
                raise usage()
            if dst_ok:
                raise duparg2("to", dst)
            _route_dst(req, dst)
            dst_ok = True
        a.i += 1
    if not dst_ok:
        raise usage()
    if dev is not None:
        attrs[RTA_OIF] = ctx.ifindex(dev)
    if metrics:
        attrs[RTA_METRICS] = metrics
    if hops:
        attrs[RTA_MULTIPATH] = hops
    if not table_ok and type_ok and hdr.type in (RTN_LOCAL, RTN_BROADCAST, RTN_NAT, RTN_ANYCAST):
        hdr.table = RT_TABLE_LOCAL
    if not scope_ok:
        if hdr.type in (RTN_LOCAL, RTN_NAT):
            hdr.scope = RT_SCOPE_HOST
        elif hdr.type in (RTN_BROADCAST, RTN_MULTICAST, RTN_ANYCAST):
            hdr.scope = RT_SCOPE_LINK
        elif hdr.type in (RTN_UNICAST, RTN_UNSPEC):
            if cmd == RTM_DELROUTE:
                hdr.scope = RT_SCOPE_NOWHERE
            elif not gw_ok and not hops and not nhid:
                hdr.scope = RT_SCOPE_LINK
    if hdr.family == AF_UNSPEC:
        hdr.family = AF_INET
    ctx.talk_checked(req)


def route_add_via_words(argv: list[str], i: int = 0) -> tuple[str, str] | None:
    """(PREFIX, GATEWAY) when `argv[i:]` is exactly `route add PREFIX via GATEWAY` with both
    starting with a digit (the line a bulk load repeats), else None."""
    if (len(argv) == i + 5 and argv[i + 3] == "via" and argv[i + 1] == "add"
            and argv[i] == "route" and "0" <= argv[i + 2][:1] <= "9"
            and "0" <= argv[i + 4][:1] <= "9"):
        return argv[i + 2], argv[i + 4]
    return None


def iproute_add_via(net: Net, family: int, prefix: str, gateway: str) -> None:
    """`ip route add PREFIX via GATEWAY` (see route_add_via_words): what do_iproute and
    iproute_modify do for those words, step by step with the same functions — the request
    start, the destination, the gateway (nothing else to default: a gateway keeps scope
    universe) — and the same rtnl_talk; ToolExit as they raise it."""
    req = _route_request(family, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL)
    _route_dst(req, prefix)
    _route_via(req, gateway)
    rtnl_talk_checked(net, req)


@dataclass
class RouteFilter:
    """iproute2's `struct rtfilter` (the IPv4 part)."""

    tb: int = RT_TABLE_MAIN
    cloned: bool = False
    protocol: int | None = None
    scope: int | None = None
    typ: int | None = None
    oif: int | None = None
    iif: int | None = None
    via: int | None = None
    prefsrc: int | None = None
    rdst: tuple[int, int] | None = None
    mdst: tuple[int, int] | None = None
    tos: int | None = None


def _in_prefix(addr: int, pfx: tuple[int, int]) -> bool:
    base, plen = pfx
    mask = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF if plen else 0
    return (addr & mask) == (base & mask)


def route_table(m: nlmsg) -> int:
    return int(m.attrs.get(RTA_TABLE, m.hdr.table))


def filter_route(f: RouteFilter, m: nlmsg) -> bool:
    """True when the dumped route passes the selectors. iproute2: ip/iproute.c filter_nlmsg."""
    r: rtmsg = m.hdr
    if r.family != AF_INET:
        return False
    if bool(r.flags & RTM_F_CLONED) != f.cloned:
        return False
    if f.tb and route_table(m) != f.tb:
        return False
    if f.protocol is not None and r.protocol != f.protocol:
        return False
    if f.scope is not None and r.scope != f.scope:
        return False
    if f.typ is not None and r.type != f.typ:
        return False
    if f.tos is not None and r.tos != f.tos:
        return False
    dst = int(m.attrs.get(RTA_DST, 0))
    if f.rdst is not None and (r.dst_len < f.rdst[1] or not _in_prefix(dst, f.rdst)):
        return False
    if f.mdst is not None and (
        r.dst_len > f.mdst[1] or not _in_prefix(f.mdst[0], (dst, r.dst_len))
    ):
        return False
    if f.oif is not None and m.attrs.get(RTA_OIF) != f.oif:
        return False
    if f.iif is not None and m.attrs.get(RTA_IIF) != f.iif:
        return False
    if f.via is not None and m.attrs.get(RTA_GATEWAY) != f.via:
        return False
    return f.prefsrc is None or m.attrs.get(RTA_PREFSRC) == f.prefsrc


def _print_cacheinfo(ctx: IpCtx, ci: rta_cacheinfo, txt: list[str],
                     js: dict[str, Any]) -> None:
    """iproute2: ip/iproute.c print_rta_cacheinfo (clock_t at USER_HZ = 100)."""
    hz = 100
    items: list[tuple[str, str, int]] = []
    if ci.rta_expires:
        items.append(("expires", f"expires {int(ci.rta_expires / hz)}sec ", ci.rta_expires // hz))
    if ci.rta_error:
        items.append(("error", f"error {ci.rta_error} ", ci.rta_error))
    if ctx.stats:
        if ci.rta_clntref:
            items.append(("users", f"users {ci.rta_clntref} ", ci.rta_clntref))
        if ci.rta_used:
            items.append(("used", f"used {ci.rta_used} ", ci.rta_used))
        if ci.rta_lastuse:
            items.append(("age", f"age {ci.rta_lastuse // hz}sec ", ci.rta_lastuse // hz))
    for key, text, val in items:
        txt.append(text)
        js[key] = val


def print_route(ctx: IpCtx, m: nlmsg, f: RouteFilter | None) -> None:
    """One route, text or JSON. iproute2: ip/iproute.c print_route."""
    r: rtmsg = m.hdr
    at = m.attrs
    txt: list[str] = []
    js: dict[str, Any] = {}
    table = route_table(m)
    if r.type != RTN_UNICAST or ctx.details:
        txt.append(rtnl_rtntype_n2a(r.type) + " ")
        js["type"] = rtnl_rtntype_n2a(r.type)
    if RTA_DST in at:
        dst = format_host(at[RTA_DST])
        dst = dst if r.dst_len == 32 else f"{dst}/{r.dst_len}"
    elif r.dst_len:
        dst = f"0/{r.dst_len}"
    else:
        dst = "default"
    txt.append(dst + " ")
    js["dst"] = dst
    if RTA_SRC in at:
        src = format_host(at[RTA_SRC])
        src = src if r.src_len == 32 else f"{src}/{r.src_len}"
        txt.append(f"from {src} ")
        js["from"] = src
    if RTA_NH_ID in at:
        txt.append(f"nhid {at[RTA_NH_ID]} ")
        js["nhid"] = at[RTA_NH_ID]
    if r.tos and (f is None or f.tos is None):
        txt.append(f"tos 0x{r.tos:02x} ")
        js["tos"] = f"0x{r.tos:02x}"
    if RTA_GATEWAY in at and (f is None or f.via is None):
        gw = format_host(at[RTA_GATEWAY])
        txt.append(f"via {gw} ")
        js["gateway"] = gw
    if RTA_OIF in at and (f is None or f.oif is None):
        name = ctx.ifname(at[RTA_OIF])
        txt.append(f"dev {name} ")
        js["dev"] = name
    if table and (table != RT_TABLE_MAIN or ctx.details) and (f is None or not f.tb):
        txt.append(f"table {rtnl_rttable_n2a(table)} ")
        js["table"] = rtnl_rttable_n2a(table)
    if not r.flags & RTM_F_CLONED:
        if (r.protocol != RTPROT_BOOT or ctx.details) and (f is None or f.protocol is None):
            txt.append(f"proto {rtnl_rtprot_n2a(r.protocol)} ")
            js["protocol"] = rtnl_rtprot_n2a(r.protocol)
        if (r.scope != RT_SCOPE_UNIVERSE or ctx.details) and (f is None or f.scope is None):
            txt.append(f"scope {rtnl_rtscope_n2a(r.scope)} ")
            js["scope"] = rtnl_rtscope_n2a(r.scope)
    if RTA_PREFSRC in at and (f is None or f.prefsrc is None):
        src = format_host(at[RTA_PREFSRC])
        txt.append(f"src {src} ")
        js["prefsrc"] = src
    if RTA_PRIORITY in at:
        txt.append(f"metric {at[RTA_PRIORITY]} ")
        js["metric"] = at[RTA_PRIORITY]
    flags = rt_flag_names(r.flags)
    txt.extend(fl + " " for fl in flags)
    js["flags"] = flags
    # rtm_flags bits iproute2 prints after the array; RTCF_MULTICAST shares the value of
    # RTM_F_OFFLOAD_FAILED, so a cloned multicast route reads "rt_offload_failed" as on Linux.
    txt.extend(name + " " for bit, name in _RTM_FLAG_NAMES if r.flags & bit)
    if at.get(RTA_MARK):
        txt.append(f"mark {at[RTA_MARK]} ")
        js["mark"] = at[RTA_MARK]
    if RTA_UID in at:
        txt.append(f"uid {at[RTA_UID]} ")
        js["uid"] = at[RTA_UID]
    if r.flags & RTM_F_CLONED:
        cache = [name for bit, name in _RTCF_NAMES if r.flags & bit]
        txt.append("\n    cache " + (f"<{','.join(cache)}> " if cache else ""))
        js["cache"] = cache
        ci = at.get(RTA_CACHEINFO)
        if ci is not None:
            _print_cacheinfo(ctx, ci, txt, js)
    mx: dict[int, int] = at.get(RTA_METRICS) or {}
    if mx:
        js["metrics"] = [_print_metrics(mx, txt)]
    if RTA_IIF in at and (f is None or f.iif is None):
        iif = ctx.ifname(at[RTA_IIF])
        txt.append(f"iif {iif} ")
        js["iif"] = iif
    if RTA_NH_ID in at and ctx.details:
        _print_nh_info(ctx, at[RTA_NH_ID], txt, js)
    hops: list[rtnexthop] = at.get(RTA_MULTIPATH) or []
    if hops:
        jh = []
        for nh in hops:
            txt.append("\n\tnexthop ")
            one: dict[str, Any] = {}
            if RTA_GATEWAY in nh.attrs:
                gw = format_host(nh.attrs[RTA_GATEWAY])
                txt.append(f"via {gw} ")
                one["gateway"] = gw
            name = ctx.ifname(nh.ifindex)
            txt.append(f"dev {name} weight {nh.hops + 1} ")
            one["dev"] = name
            one["weight"] = nh.hops + 1
            nflags = rt_flag_names(nh.flags)
            txt.extend(fl + " " for fl in nflags)
            one["flags"] = nflags
            jh.append(one)
        js["nexthops"] = jh
    ctx.print_obj("".join(txt), js)


def _print_nh_info(ctx: IpCtx, nh_id: int, txt: list[str], js: dict[str, Any]) -> None:
    """`-d`: the route's nexthop object as `ip nexthop` shows it (asked for with
    RTM_GETNEXTHOP; nothing when that fails). iproute2: ip/ipnexthop.c
    print_cache_nexthop_id."""
    m = nexthop.ipnh_get_message(ctx, nh_id)
    if m is not None:
        text, obj = nexthop.print_nexthop_entry(ctx, m)
        txt.append("\n\tnh_info " + text)
        js["nh_info"] = obj


def _parse_filter(ctx: IpCtx, a: Args) -> RouteFilter:
    """iproute2: ip/iproute.c iproute_list_flush_or_save (the selector loop)."""
    f = RouteFilter()
    while a:
        kw = a.cur
        if matches(kw, "table"):
            tid = a.next_value(rtnl_rttable_a2n, "table id value is invalid\n")
            f.tb = tid
        elif matches(kw, "cached") or matches(kw, "cloned"):
            f.cloned = True
        elif kw in ("tos",) or matches(kw, "dsfield"):
            tos = a.next_value(rtnl_dsfield_a2n, "TOS value is invalid\n")
            f.tos = tos
        elif matches(kw, "protocol"):
            arg = a.next_arg()
            proto = rtnl_rtprot_a2n(arg)
            if proto is None and arg != "all":
                raise invarg('invalid "protocol"\n', arg)
            f.protocol = proto
        elif matches(kw, "scope"):
            arg = a.next_arg()
            scope = rtnl_rtscope_a2n(arg)
            if scope is None and arg != "all":
                raise invarg('invalid "scope"\n', arg)
            f.scope = scope
        elif matches(kw, "type"):
            rtype = a.next_value(rtnl_rtntype_a2n, 'node type value is invalid\n')
            f.typ = rtype
        elif kw in ("dev", "oif"):
            f.oif = ctx.ifindex(a.next_arg())
        elif kw == "iif":
            f.iif = ctx.ifindex(a.next_arg())
        elif kw == "via":
            f.via = get_addr(a.next_arg(), AF_INET)
        elif kw == "src":
            f.prefsrc = get_addr(a.next_arg(), AF_INET)
        elif matches(kw, "help"):
            raise usage()
        else:
            arg = a.next_arg() if matches(kw, "to") else kw
            if matches(arg, "root"):
                f.rdst = get_prefix(a.next_arg(), AF_INET)
            elif matches(arg, "match"):
                f.mdst = get_prefix(a.next_arg(), AF_INET)
            else:
                if matches(arg, "exact"):
                    arg = a.next_arg()
                f.mdst = f.rdst = get_prefix(arg, AF_INET)
        a.advance()
    return f


def iproute_flush_cache(ctx: IpCtx) -> None:
    """`ip route flush cache`: write -1 to net.ipv4.route.flush. iproute2: iproute.c
    iproute_flush_cache."""
    try:
        ctx.net.kernel.sysctl.write(ctx.net, "net.ipv4.route.flush", "-1")
    except OSError:
        raise ToolExit(255, 'Cannot open "/proc/sys/net/ipv4/route/flush"\n') from None


def _dump_routes(ctx: IpCtx) -> list[nlmsg]:
    return ctx.dump(nlmsg(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, rtmsg(family=AF_INET), {}))


def iproute_list_flush(ctx: IpCtx, a: Args, flush: bool) -> None:
    """iproute2: ip/iproute.c iproute_list_flush_or_save."""
    if flush and not a:
        raise ToolExit(1, '"ip route flush" requires arguments.\n')
    f = _parse_filter(ctx, a)
    if flush and f.cloned:
        iproute_flush_cache(ctx)
        return
    routes = [m for m in _dump_routes(ctx) if filter_route(f, m)]
    if flush:
        for m in routes:
            ctx.talk_checked(nlmsg(RTM_DELROUTE, NLM_F_REQUEST, m.hdr, dict(m.attrs)))
        return
    for m in routes:
        print_route(ctx, m, f)
    if ctx.json:
        ctx.flush_json()


def iproute_get(ctx: IpCtx, a: Args) -> None:
    """`ip route get`. iproute2: ip/iproute.c iproute_get."""
    hdr = rtmsg(family=AF_INET, flags=RTM_F_LOOKUP_TABLE)
    req = nlmsg(RTM_GETROUTE, NLM_F_REQUEST, hdr, {})
    dst_ok = False
    explain_it = False  # skbuff's `explain` switch: iproute2 has no such keyword
    while a:
        kw = a.cur
        if kw in ("tos",) or matches(kw, "dsfield"):
            tos = a.next_value(rtnl_dsfield_a2n, "TOS value is invalid\n")
            hdr.tos = tos
        elif matches(kw, "from"):
            addr, plen = get_prefix(a.next_arg(), ctx.family)
            req.attrs[RTA_SRC] = addr
            hdr.src_len = plen
        elif kw in ("iif", "oif"):
            req.attrs[RTA_IIF if kw == "iif" else RTA_OIF] = ctx.ifindex(a.next_arg())
        elif matches(kw, "mark"):
            mark = a.next_value(get_unsigned, "invalid mark value\n")
            req.attrs[RTA_MARK] = mark
        elif matches(kw, "uid"):
            uid = a.next_value(get_unsigned, "invalid UID\n")
            req.attrs[RTA_UID] = uid
        elif kw == "fibmatch":
            hdr.flags |= RTM_F_FIB_MATCH
        elif kw == "explain":
            explain_it = True
        elif kw == "ipproto":
            proto = a.next_value(inet_proto_a2n, 'Invalid "ipproto" value\n')
            req.attrs[RTA_IP_PROTO] = proto
        elif kw in ("sport", "dport"):
            arg = a.next_arg()
            port = get_unsigned(arg, 0xFFFF)
            if port is None:
                raise invarg(f"invalid {kw}\n", arg)
            req.attrs[RTA_SPORT if kw == "sport" else RTA_DPORT] = port
        else:
            arg = a.next_arg() if kw == "to" else kw
            if matches(arg, "help"):
                raise usage()
            if dst_ok:
                raise duparg2("to", arg)
            addr, plen = get_prefix(arg, ctx.family)
            req.attrs[RTA_DST] = addr
            hdr.dst_len = plen
            dst_ok = True
        a.advance()
    if not dst_ok:
        raise ToolExit(1, "need at least a destination address\n")
    try:
        reply = ctx.talk_checked(req)
        for m in reply.msgs:
            print_route(ctx, m, None)
        if ctx.json:
            ctx.flush_json()
    finally:
        if explain_it:
            ctx.out.write(route_get_explanation(ctx, req))


def route_get_explanation(ctx: IpCtx, req: nlmsg) -> str:
    """`ip route get … explain` (skbuff only): the lookup's decisions in plain words."""
    attrs = req.attrs
    iif = attrs.get(RTA_IIF, 0)
    oif = attrs.get(RTA_OIF, 0)
    return explain.explain_route(ctx.net, attrs.get(RTA_DST, 0), attrs.get(RTA_SRC, 0),
                                 ctx.ifname(iif) if iif else "", ctx.ifname(oif) if oif else "",
                                 req.hdr.tos, attrs.get(RTA_MARK, 0))


def do_iproute(ctx: IpCtx, argv: list[str]) -> None:
    """iproute2: ip/iproute.c do_iproute."""
    a = Args(argv)
    if not a:
        iproute_list_flush(ctx, a, False)
        return
    cmd = a.cur
    a.advance()
    if matches(cmd, "add"):
        iproute_modify(ctx, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, a)
    elif matches(cmd, "change") or cmd == "chg":
        iproute_modify(ctx, RTM_NEWROUTE, NLM_F_REPLACE, a)
    elif matches(cmd, "replace"):
        iproute_modify(ctx, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, a)
    elif matches(cmd, "prepend"):
        iproute_modify(ctx, RTM_NEWROUTE, NLM_F_CREATE, a)
    elif matches(cmd, "append"):
        iproute_modify(ctx, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_APPEND, a)
    elif matches(cmd, "test"):
        iproute_modify(ctx, RTM_NEWROUTE, NLM_F_EXCL, a)
    elif matches(cmd, "delete"):
        iproute_modify(ctx, RTM_DELROUTE, 0, a)
    elif matches(cmd, "list") or matches(cmd, "show") or matches(cmd, "lst"):
        iproute_list_flush(ctx, a, False)
    elif matches(cmd, "get"):
        iproute_get(ctx, a)
    elif matches(cmd, "flush"):
        iproute_list_flush(ctx, a, True)
    elif matches(cmd, "save"):
        route_save.iproute_save(ctx, a)
    elif matches(cmd, "restore"):
        route_save.iproute_restore(ctx)
    elif matches(cmd, "showdump"):
        route_save.iproute_showdump(ctx)
    elif matches(cmd, "help"):
        raise usage()
    else:
        raise ToolExit(255, f'Command "{cmd}" is unknown, try "ip route help".\n')



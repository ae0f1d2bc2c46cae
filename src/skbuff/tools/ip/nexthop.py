"""`ip nexthop`: add/replace/del, show/list/flush (selectors), get, and `ip nexthop bucket`
show/list (selectors) and get (resilient groups' buckets).

iproute2 6.1: ip/ipnexthop.c (do_ipnh, ipnh_modify, add_nh_group_attr, parse_nh_group_type,
parse_nh_group_type_res, ipnh_list_flush, ipnh_flush, ipnh_get, __print_nexthop_entry,
print_nh_group, print_nh_res_group, do_ipnh_bucket, ipnh_bucket_list, ipnh_bucket_get,
print_nexthop_bucket, print_nh_res_bucket).
"""

from __future__ import annotations

import errno
from dataclasses import dataclass
from typing import Any

from skbuff.tools.common import ToolExit
from skbuff.tools.ip.utils import (
    Args,
    IpCtx,
    format_host,
    get_addr,
    get_unsigned,
    invarg,
    matches,
    rt_flag_names,
    rtnl_error_text,
    rtnl_rtprot_a2n,
    rtnl_rtprot_n2a,
    rtnl_rtscope_n2a,
)
from skbuff.uapi import nexthop as uapi_nh
from skbuff.uapi.rtnetlink import (
    AF_INET,
    AF_UNSPEC,
    NLM_F_CREATE,
    NLM_F_DUMP,
    NLM_F_EXCL,
    NLM_F_REPLACE,
    NLM_F_REQUEST,
    RT_SCOPE_UNIVERSE,
    RTM_DELNEXTHOP,
    RTM_GETNEXTHOP,
    RTM_GETNEXTHOPBUCKET,
    RTM_NEWNEXTHOP,
    RTNH_F_ONLINK,
    RTPROT_UNSPEC,
    nlmsg,
)

USAGE = (
    "Usage: ip nexthop { list | flush } [ protocol ID ] SELECTOR\n"
    "       ip nexthop { add | replace } id ID NH [ protocol ID ]\n"
    "       ip nexthop { get | del } id ID\n"
    "       ip nexthop bucket list BUCKET_SELECTOR\n"
    "       ip nexthop bucket get id ID index INDEX\n"
    "SELECTOR := [ id ID ] [ dev DEV ] [ vrf NAME ] [ master DEV ]\n"
    "            [ groups ] [ fdb ]\n"
    "BUCKET_SELECTOR := SELECTOR | [ nhid ID ]\n"
    "NH := { blackhole | [ via ADDRESS ] [ dev DEV ] [ onlink ]\n"
    "        [ encap ENCAPTYPE ENCAPHDR ] |\n"
    "        group GROUP [ fdb ] [ type TYPE [ TYPE_ARGS ] ] }\n"
    "GROUP := [ <id[,weight]>/<id[,weight]>/... ]\n"
    "TYPE := { mpath | resilient }\n"
    "TYPE_ARGS := [ RESILIENT_ARGS ]\n"
    "RESILIENT_ARGS := [ buckets BUCKETS ] [ idle_timer IDLE ]\n"
    "                  [ unbalanced_timer UNBALANCED ]\n"
    "ENCAPTYPE := [ mpls ]\n"
    "ENCAPHDR := [ MPLSLABEL ]\n"
)
_FAMILIES = {"inet": AF_INET, "link": 17, "inet6": 10, "ipx": 4, "dnet": 12, "mpls": 28,
             "bridge": 7}


@dataclass
class NhFilter:
    """iproute2's nexthop `filter` (ip/ipnexthop.c)."""

    groups: bool = False
    ifindex: int = 0
    master: int = 0
    proto: int = 0
    fdb: bool = False
    id: int = 0
    nhid: int = 0


def usage() -> ToolExit:
    return ToolExit(255, USAGE)


def _request(ctx: IpCtx, cmd: int, flags: int) -> nlmsg:
    return nlmsg(cmd, NLM_F_REQUEST | flags, uapi_nh.nhmsg(nh_family=ctx.family), {})


def print_nexthop_entry(ctx: IpCtx, m: nlmsg, deleted: bool = False) -> tuple[str, dict[str, Any]]:
    """(text, JSON object) of one nexthop message. iproute2: ip/ipnexthop.c
    __print_nexthop_entry, print_nh_group."""
    nhm: uapi_nh.nhmsg = m.hdr
    at = m.attrs
    txt: list[str] = []
    js: dict[str, Any] = {}
    if deleted:
        txt.append("Deleted ")
        js["deleted"] = True
    txt.append(f"id {at.get(uapi_nh.NHA_ID, 0)} ")
    js["id"] = at.get(uapi_nh.NHA_ID, 0)
    grps: list[uapi_nh.nexthop_grp] | None = at.get(uapi_nh.NHA_GROUP)
    if grps:
        members = []
        jg = []
        for g in grps:
            w = uapi_nh.nexthop_grp_weight(g) - 1
            members.append(f"{g.id},{w + 1}" if w else str(g.id))
            jg.append({"id": g.id, "weight": w + 1} if w else {"id": g.id})
        txt.append("group " + "/".join(members) + " ")
        js["group"] = jg
    grp_type = at.get(uapi_nh.NHA_GROUP_TYPE, uapi_nh.NEXTHOP_GRP_TYPE_MPATH)
    if grp_type != uapi_nh.NEXTHOP_GRP_TYPE_MPATH:
        name = "resilient" if grp_type == uapi_nh.NEXTHOP_GRP_TYPE_RES else "<unknown type>"
        txt.append(f"type {name} ")
        js["type"] = name
    if uapi_nh.NHA_RES_GROUP in at:
        res_txt, js["resilient_args"] = print_nh_res_group(at[uapi_nh.NHA_RES_GROUP])
        txt.append(res_txt)
    if uapi_nh.NHA_GATEWAY in at:
        gw = format_host(at[uapi_nh.NHA_GATEWAY])
        txt.append(f"via {gw} ")
        js["gateway"] = gw
    if at.get(uapi_nh.NHA_OIF):
        name = ctx.ifname(at[uapi_nh.NHA_OIF])
        txt.append(f"dev {name} ")
        js["dev"] = name
    if nhm.nh_scope != RT_SCOPE_UNIVERSE or ctx.details:
        txt.append(f"scope {rtnl_rtscope_n2a(nhm.nh_scope)} ")
        js["scope"] = rtnl_rtscope_n2a(nhm.nh_scope)
    if uapi_nh.NHA_BLACKHOLE in at:
        txt.append("blackhole ")
        js["blackhole"] = None
    if nhm.nh_protocol != RTPROT_UNSPEC or ctx.details:
        txt.append(f"proto {rtnl_rtprot_n2a(nhm.nh_protocol)} ")
        js["protocol"] = rtnl_rtprot_n2a(nhm.nh_protocol)
    flags = rt_flag_names(nhm.nh_flags)
    txt.extend(fl + " " for fl in flags)
    js["flags"] = flags
    if uapi_nh.NHA_FDB in at:
        txt.append("fdb")
        js["fdb"] = None
    return "".join(txt), js


def clock_t_secs(ticks: int) -> float | int:
    """A clock_t (1/100 s) as print_tv shows it (%g of seconds; whole seconds as ints so the
    JSON float prints as %g does). iproute2: include/utils.h __jiffies_to_tv."""
    return ticks // 100 if ticks % 100 == 0 else ticks / 100


def print_nh_res_group(res: dict[int, int]) -> tuple[str, dict[str, Any]]:
    """The "resilient_args" of a resilient group. iproute2: ip/ipnexthop.c
    parse_nh_res_group_rta, print_nh_res_group."""
    js: dict[str, Any] = {"buckets": res.get(uapi_nh.NHA_RES_GROUP_BUCKETS, 0)}
    for key, attr in (("idle_timer", uapi_nh.NHA_RES_GROUP_IDLE_TIMER),
                      ("unbalanced_timer", uapi_nh.NHA_RES_GROUP_UNBALANCED_TIMER),
                      ("unbalanced_time", uapi_nh.NHA_RES_GROUP_UNBALANCED_TIME)):
        js[key] = clock_t_secs(res.get(attr, 0))
    return "".join(f"{k} {v:g} " if k != "buckets" else f"buckets {v} "
                   for k, v in js.items()), js


def print_nexthop_bucket(m: nlmsg) -> tuple[str, dict[str, Any]]:
    """(text, JSON object) of one RTM_NEWNEXTHOPBUCKET. iproute2: ip/ipnexthop.c
    print_nexthop_bucket, print_nh_res_bucket."""
    at = m.attrs
    txt: list[str] = []
    js: dict[str, Any] = {}
    if uapi_nh.NHA_ID in at:
        txt.append(f"id {at[uapi_nh.NHA_ID]} ")
        js["id"] = at[uapi_nh.NHA_ID]
    res: dict[int, int] | None = at.get(uapi_nh.NHA_RES_BUCKET)
    if res is not None:
        jb: dict[str, Any] = {}
        if uapi_nh.NHA_RES_BUCKET_INDEX in res:
            txt.append(f"index {res[uapi_nh.NHA_RES_BUCKET_INDEX]} ")
            jb["index"] = res[uapi_nh.NHA_RES_BUCKET_INDEX]
        if uapi_nh.NHA_RES_BUCKET_IDLE_TIME in res:
            idle = clock_t_secs(res[uapi_nh.NHA_RES_BUCKET_IDLE_TIME])
            txt.append(f"idle_time {idle:g} ")
            jb["idle_time"] = idle
        if uapi_nh.NHA_RES_BUCKET_NH_ID in res:
            txt.append(f"nhid {res[uapi_nh.NHA_RES_BUCKET_NH_ID]} ")
            jb["nhid"] = res[uapi_nh.NHA_RES_BUCKET_NH_ID]
        js["bucket"] = jb
    flags = rt_flag_names(m.hdr.nh_flags)
    txt.extend(fl + " " for fl in flags)
    js["flags"] = flags
    return "".join(txt), js


def print_nexthop(ctx: IpCtx, m: nlmsg, f: NhFilter | None, deleted: bool = False) -> None:
    """One nexthop (skipped by a protocol filter). iproute2: ip/ipnexthop.c
    print_cache_nexthop."""
    if f is not None and f.proto and f.proto != m.hdr.nh_protocol:
        return
    text, js = print_nexthop_entry(ctx, m, deleted)
    ctx.print_obj(text, js)


def ipnh_get_message(ctx: IpCtx, nh_id: int) -> nlmsg | None:
    """The RTM_GETNEXTHOP answer for nh_id, or None. iproute2: ip/ipnexthop.c __ipnh_get_id."""
    req = _request(ctx, RTM_GETNEXTHOP, 0)
    req.attrs[uapi_nh.NHA_ID] = nh_id
    reply = ctx.talk(req)
    return reply.msgs[0] if reply.error == 0 and reply.msgs else None


def _group_attr(arg: str) -> list[uapi_nh.nexthop_grp] | None:
    """`A[,W]/B[,W]...`, None when an id is not a number. A bad weight is invarg at once.
    iproute2: ip/ipnexthop.c add_nh_group_attr (6.1: weights 1..256)."""
    if not arg:
        return None
    grps = []
    for part in arg.split("/"):
        id_s, comma, w_s = part.partition(",")
        nh_id = get_unsigned(id_s)
        if nh_id is None or not id_s:
            return None
        g = uapi_nh.nexthop_grp(id=nh_id)
        if comma:
            w = get_unsigned(w_s)
            if w is None or not w_s or w == 0 or w > 256:
                raise invarg('"weight" is invalid\n', w_s)
            g.weight = w - 1
        grps.append(g)
    return grps


def _parse_group_type(a: Args, attrs: dict[int, Any]) -> None:
    """`type mpath|resilient [buckets N] [idle_timer S] [unbalanced_timer S]`.
    iproute2: ip/ipnexthop.c parse_nh_group_type, parse_nh_group_type_res."""
    name = a.next_arg()
    types = {"mpath": uapi_nh.NEXTHOP_GRP_TYPE_MPATH, "resilient": uapi_nh.NEXTHOP_GRP_TYPE_RES}
    if name not in types:
        raise invarg('"type" value is invalid\n', name)
    attrs[uapi_nh.NHA_GROUP_TYPE] = types[name]
    if types[name] != uapi_nh.NEXTHOP_GRP_TYPE_RES or a.peek() is None:
        return
    res: dict[int, int] = {}
    while a.peek() in _RES_ARGS:
        a.advance()
        attr, what, scale = _RES_ARGS[a.cur]
        arg = a.next_arg()
        v = get_unsigned(arg, 0xFFFF if scale == 1 else 0xFFFFFFFF // 100 - 1)
        if v is None:
            raise invarg(what, arg)
        res[attr] = v * scale
    attrs[uapi_nh.NHA_RES_GROUP] = res


# keyword: (NHA_RES_GROUP_* attribute, invarg text, factor to the attribute's unit)
_RES_ARGS = {
    "buckets": (uapi_nh.NHA_RES_GROUP_BUCKETS, "invalid buckets value", 1),
    "idle_timer": (uapi_nh.NHA_RES_GROUP_IDLE_TIMER, "invalid idle timer value", 100),
    "unbalanced_timer": (uapi_nh.NHA_RES_GROUP_UNBALANCED_TIMER,
                         "invalid unbalanced timer value", 100),
}


def ipnh_modify(ctx: IpCtx, cmd: int, flags: int, a: Args) -> None:
    """Parse NH words and send RTM_NEWNEXTHOP/RTM_DELNEXTHOP. iproute2: ip/ipnexthop.c
    ipnh_modify."""
    req = _request(ctx, cmd, flags)
    nhm: uapi_nh.nhmsg = req.hdr
    attrs = req.attrs
    nh_flags = 0
    while a:
        kw = a.cur
        if kw == "id":
            attrs[uapi_nh.NHA_ID] = ipnh_parse_id(a.next_arg())
        elif kw == "dev":
            name = a.next_arg()
            dev = ctx.dev_by_name(name)
            if dev is None:
                raise invarg("Device does not exist\n", name)
            attrs[uapi_nh.NHA_OIF] = dev.ifindex
            if nhm.nh_family == AF_UNSPEC:
                nhm.nh_family = AF_INET
        elif kw == "via":
            arg = a.next_arg()
            family = _FAMILIES.get(arg, AF_UNSPEC)
            if family == AF_UNSPEC:
                family = nhm.nh_family
            else:
                arg = a.next_arg()
            if family not in (AF_UNSPEC, AF_INET):
                raise ToolExit(1, "skbuff: only IPv4 nexthop gateways are supported.\n")
            attrs[uapi_nh.NHA_GATEWAY] = get_addr(arg, family)
            if nhm.nh_family == AF_UNSPEC:
                nhm.nh_family = AF_INET
            elif nhm.nh_family != AF_INET:
                raise invarg("address family mismatch\n", arg)
        elif kw == "encap":
            raise ToolExit(1, 'skbuff: "encap" (lightweight tunnels) is not supported.\n')
        elif kw == "blackhole":
            attrs[uapi_nh.NHA_BLACKHOLE] = None
            if nhm.nh_family == AF_UNSPEC:
                nhm.nh_family = AF_INET
        elif kw == "fdb":
            attrs[uapi_nh.NHA_FDB] = None
        elif kw == "onlink":
            nh_flags |= RTNH_F_ONLINK
        elif kw == "group":
            arg = a.next_arg()
            grps = _group_attr(arg)
            if grps is None:
                raise invarg('"group" value is invalid\n', arg.split("/")[0].split(",")[0])
            attrs[uapi_nh.NHA_GROUP] = grps
        elif kw == "type":
            _parse_group_type(a, attrs)
        elif matches(kw, "protocol"):
            nhm.nh_protocol = a.next_value(rtnl_rtprot_a2n, '"protocol" value is invalid\n')
        elif kw == "help":
            raise usage()
        else:
            raise invarg("", kw)
        a.advance()
    nhm.nh_flags = nh_flags
    ctx.talk_checked(req)


def ipnh_parse_id(arg: str) -> int:
    """iproute2: ip/ipnexthop.c ipnh_parse_id."""
    nh_id = get_unsigned(arg)
    if nh_id is None:
        raise invarg("invalid id value", arg)
    return nh_id


def ipnh_get_id(ctx: IpCtx, nh_id: int) -> None:
    """Print one nexthop by id. iproute2: ip/ipnexthop.c ipnh_get_id."""
    req = _request(ctx, RTM_GETNEXTHOP, 0)
    req.attrs[uapi_nh.NHA_ID] = nh_id
    reply = ctx.talk_checked(req)
    for m in reply.msgs:
        print_nexthop(ctx, m, None)
    if ctx.json:
        ctx.flush_json()


def _dump(ctx: IpCtx, f: NhFilter) -> list[nlmsg]:
    """rtnl_nexthopdump_req with nh_dump_filter's attributes."""
    req = _request(ctx, RTM_GETNEXTHOP, NLM_F_DUMP)
    if f.ifindex:
        req.attrs[uapi_nh.NHA_OIF] = f.ifindex
    if f.groups:
        req.attrs[uapi_nh.NHA_GROUPS] = None
    if f.master:
        req.attrs[uapi_nh.NHA_MASTER] = f.master
    if f.fdb:
        req.attrs[uapi_nh.NHA_FDB] = None
    return ctx.dump(req)


def delete_nexthop(ctx: IpCtx, nh_id: int) -> bool:
    """RTM_DELNEXTHOP; a failure is printed. iproute2: ip/ipnexthop.c delete_nexthop."""
    req = _request(ctx, RTM_DELNEXTHOP, 0)
    req.hdr.nh_family = AF_UNSPEC
    req.attrs[uapi_nh.NHA_ID] = nh_id
    try:
        ctx.talk_checked(req)
    except ToolExit as e:
        ctx.out.ewrite(e.stderr)
        return False
    return True


def ipnh_flush(ctx: IpCtx, f: NhFilter, flush_all: bool) -> None:
    """Delete what the selector dumps (everything: groups first). iproute2: ip/ipnexthop.c
    ipnh_flush, flush_nexthop."""
    if flush_all:
        f.groups = True
        f.ifindex = f.master = 0
    flushed = 0
    while True:
        for m in _dump(ctx, f):
            if f.proto and m.hdr.nh_protocol != f.proto:
                continue
            nh_id = m.attrs.get(uapi_nh.NHA_ID, 0)
            if nh_id and delete_nexthop(ctx, nh_id):
                flushed += 1
        if not (flush_all and f.groups):
            break
        f.groups = False
    ctx.out.write(f"Flushed {flushed} nexthops\n" if flushed else "Nothing to flush\n")


def ipnh_list_flush(ctx: IpCtx, a: Args, flush: bool) -> None:
    """iproute2: ip/ipnexthop.c ipnh_list_flush."""
    flush_all = not a
    f = NhFilter()
    while a:
        kw = a.cur
        if matches(kw, "dev"):
            name = a.next_arg()
            dev = ctx.dev_by_name(name)
            if dev is None:
                raise invarg("Device does not exist\n", name)
            f.ifindex = dev.ifindex
        elif matches(kw, "groups"):
            f.groups = True
        elif matches(kw, "master"):
            name = a.next_arg()
            dev = ctx.dev_by_name(name)
            if dev is None:
                raise invarg("Device does not exist\n", name)
            f.master = dev.ifindex
        elif matches(kw, "vrf"):
            raise invarg("Invalid VRF\n", a.next_arg())  # no device here is a VRF
        elif kw == "id":
            nh_id = ipnh_parse_id(a.next_arg())
            if not flush:
                ipnh_get_id(ctx, nh_id)
            elif not delete_nexthop(ctx, nh_id):
                raise ToolExit(1)  # ipnh_list_flush_id's -1
            return
        elif matches(kw, "protocol"):
            arg = a.next_arg()
            proto = get_unsigned(arg)
            if proto is None:
                raise invarg("invalid protocol value", arg)
            f.proto = proto
        elif matches(kw, "fdb"):
            f.fdb = True
        elif matches(kw, "help"):
            raise usage()
        else:
            raise invarg("", kw)
        a.advance()
    if flush:
        ipnh_flush(ctx, f, flush_all)
        return
    for m in _dump(ctx, f):
        print_nexthop(ctx, m, f)
    if ctx.json:
        ctx.flush_json()


def ipnh_get(ctx: IpCtx, a: Args) -> None:
    """iproute2: ip/ipnexthop.c ipnh_get."""
    nh_id = 0
    while a:
        if a.cur != "id":
            raise usage()
        nh_id = ipnh_parse_id(a.next_arg())
        a.advance()
    if not nh_id:
        raise usage()
    ipnh_get_id(ctx, nh_id)


def ipnh_bucket_list(ctx: IpCtx, a: Args) -> None:
    """iproute2: ip/ipnexthop.c ipnh_bucket_list, nh_dump_bucket_filter."""
    f = NhFilter()
    while a:
        kw = a.cur
        if matches(kw, "dev") or matches(kw, "master"):
            name = a.next_arg()
            dev = ctx.dev_by_name(name)
            if dev is None:
                raise invarg("Device does not exist\n", name)
            if matches(kw, "dev"):
                f.ifindex = dev.ifindex
            else:
                f.master = dev.ifindex
        elif matches(kw, "vrf"):
            raise invarg("Invalid VRF\n", a.next_arg())  # no device here is a VRF
        elif kw == "id":
            f.id = ipnh_parse_id(a.next_arg())
        elif kw == "nhid":
            f.nhid = ipnh_parse_id(a.next_arg())
        elif matches(kw, "help"):
            raise usage()
        else:
            raise invarg("", kw)
        a.advance()
    req = _request(ctx, RTM_GETNEXTHOPBUCKET, NLM_F_DUMP)
    if f.ifindex:
        req.attrs[uapi_nh.NHA_OIF] = f.ifindex
    if f.master:
        req.attrs[uapi_nh.NHA_MASTER] = f.master
    if f.id:
        req.attrs[uapi_nh.NHA_ID] = f.id
    if f.nhid:
        req.attrs[uapi_nh.NHA_RES_BUCKET] = {uapi_nh.NHA_RES_BUCKET_NH_ID: f.nhid}
    reply = ctx.talk(req)
    if reply.error < 0:  # rtnl_dump_done: ENOENT and EOPNOTSUPP without an extack are silent
        quiet = not reply.extack and reply.error in (-errno.ENOENT, -errno.EOPNOTSUPP)
        raise ToolExit(2, ("" if quiet else rtnl_error_text(reply)) + "Dump terminated\n")
    for m in reply.msgs:
        ctx.print_obj(*print_nexthop_bucket(m))
    if ctx.json:
        ctx.flush_json()


def ipnh_bucket_get(ctx: IpCtx, a: Args) -> None:
    """iproute2: ip/ipnexthop.c ipnh_bucket_get, ipnh_bucket_get_id."""
    nh_id = 0
    bucket_index: int | None = None
    while a:
        if a.cur == "id":
            nh_id = ipnh_parse_id(a.next_arg())
        elif a.cur == "index":
            bucket_index = a.next_value(lambda s: get_unsigned(s, 0xFFFF),
                                        "invalid bucket index value")
        else:
            raise usage()
        a.advance()
    if not nh_id or bucket_index is None:
        raise usage()
    req = _request(ctx, RTM_GETNEXTHOPBUCKET, 0)
    req.attrs[uapi_nh.NHA_ID] = nh_id
    req.attrs[uapi_nh.NHA_RES_BUCKET] = {uapi_nh.NHA_RES_BUCKET_INDEX: bucket_index}
    reply = ctx.talk_checked(req)
    ctx.print_obj(*print_nexthop_bucket(reply.msgs[0]))
    if ctx.json:
        ctx.flush_json()


def do_ipnh_bucket(ctx: IpCtx, a: Args) -> None:
    """iproute2: ip/ipnexthop.c do_ipnh_bucket."""
    if not a:
        ipnh_bucket_list(ctx, a)
        return
    cmd = a.cur
    a.advance()
    if matches(cmd, "list") or matches(cmd, "show") or matches(cmd, "lst"):
        ipnh_bucket_list(ctx, a)
    elif matches(cmd, "get"):
        ipnh_bucket_get(ctx, a)
    elif matches(cmd, "help"):
        raise usage()
    else:
        raise ToolExit(255, f'Command "{cmd}" is unknown, try "ip nexthop help".\n')


def do_ipnh(ctx: IpCtx, argv: list[str]) -> None:
    """iproute2: ip/ipnexthop.c do_ipnh."""
    a = Args(argv)
    if not a:
        ipnh_list_flush(ctx, a, False)
        return
    cmd = a.cur
    a.advance()
    if matches(cmd, "add"):
        ipnh_modify(ctx, RTM_NEWNEXTHOP, NLM_F_CREATE | NLM_F_EXCL, a)
    elif matches(cmd, "replace"):
        ipnh_modify(ctx, RTM_NEWNEXTHOP, NLM_F_CREATE | NLM_F_REPLACE, a)
    elif matches(cmd, "delete"):
        ipnh_modify(ctx, RTM_DELNEXTHOP, 0, a)
    elif matches(cmd, "list") or matches(cmd, "show") or matches(cmd, "lst"):
        ipnh_list_flush(ctx, a, False)
    elif matches(cmd, "get"):
        ipnh_get(ctx, a)
    elif matches(cmd, "flush"):
        ipnh_list_flush(ctx, a, True)
    elif matches(cmd, "bucket"):
        do_ipnh_bucket(ctx, a)
    elif matches(cmd, "help"):
        raise usage()
    else:
        raise ToolExit(255, f'Command "{cmd}" is unknown, try "ip nexthop help".\n')

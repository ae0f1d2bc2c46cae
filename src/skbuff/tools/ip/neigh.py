"""`ip neigh`: add/change/replace/del/show/flush.

iproute2: ip/ipneigh.c (do_ipneigh, ipneigh_modify, do_show_or_flush, print_neigh,
nud_state_a2n).
"""

from __future__ import annotations

from typing import Any

from skbuff.kernel.jiffies import USER_HZ
from skbuff.tools.common import ToolExit
from skbuff.tools.ip.utils import (
    Args,
    IpCtx,
    duparg,
    duparg2,
    format_host,
    get_addr,
    get_prefix,
    get_unsigned,
    invarg,
    ll_addr_a2n,
    ll_addr_n2a,
    matches,
)
from skbuff.uapi.neighbour import (
    NDA_CACHEINFO,
    NDA_DST,
    NDA_LLADDR,
    NDA_PROBES,
    NTF_PROXY,
    NTF_ROUTER,
    NUD_DELAY,
    NUD_FAILED,
    NUD_INCOMPLETE,
    NUD_NOARP,
    NUD_NONE,
    NUD_PERMANENT,
    NUD_PROBE,
    NUD_REACHABLE,
    NUD_STALE,
    NUD_STATE_NAMES,
    nda_cacheinfo,
    ndmsg,
)
from skbuff.uapi.rtnetlink import (
    AF_INET,
    NLM_F_CREATE,
    NLM_F_DUMP,
    NLM_F_EXCL,
    NLM_F_REPLACE,
    NLM_F_REQUEST,
    RTM_DELNEIGH,
    RTM_GETNEIGH,
    RTM_NEWNEIGH,
    nlmsg,
)

USAGE = (
    "Usage: ip neigh { add | del | change | replace }\n"
    "                { ADDR [ lladdr LLADDR ] [ nud STATE ] proxy ADDR }\n"
    "                [ dev DEV ] [ router ] [ use ] [ managed ] [ extern_learn ]\n"
    "                [ protocol PROTO ]\n"
    "\n"
    "\tip neigh { show | flush } [ proxy ] [ to PREFIX ] [ dev DEV ] [ nud STATE ]\n"
    "\t\t\t\t  [ vrf NAME ] [ nomaster ]\n"
    "\tip neigh get { ADDR | proxy ADDR } dev DEV\n"
    "\n"
    "STATE := { delay | failed | incomplete | noarp | none |\n"
    "           permanent | probe | reachable | stale }\n"
)



def usage() -> ToolExit:
    return ToolExit(255, USAGE)


def nud_state_a2n(arg: str) -> int | None:
    """iproute2: ip/ipneigh.c nud_state_a2n (a few names abbreviate; a number must be one
    NUD bit below 0x100)."""
    for name, state in (("permanent", NUD_PERMANENT), ("reachable", NUD_REACHABLE)):
        if matches(arg, name):
            return state
    exact = {"noarp": NUD_NOARP, "none": NUD_NONE, "stale": NUD_STALE,
             "incomplete": NUD_INCOMPLETE, "delay": NUD_DELAY, "probe": NUD_PROBE}
    if arg in exact:
        return exact[arg]
    if matches(arg, "failed"):
        return NUD_FAILED
    v = get_unsigned(arg)
    if v is None or v >= 0x100 or v & (v - 1):
        return None
    return v


def ipneigh_modify(ctx: IpCtx, cmd: int, flags: int, a: Args) -> None:
    """iproute2: ip/ipneigh.c ipneigh_modify."""
    ndm = ndmsg(family=AF_INET, state=NUD_PERMANENT if cmd != RTM_DELNEIGH else 0)
    req = nlmsg(cmd, NLM_F_REQUEST | flags, ndm, {})
    lla: str | None = None
    dst: int | None = None
    dev: str | None = None
    while a:
        kw = a.cur
        if kw == "lladdr":
            arg = a.next_arg()
            if lla is not None:
                raise duparg("lladdr", arg)
            lla = arg
        elif kw == "nud":
            state = a.next_value(nud_state_a2n, "nud state is bad")
            ndm.state = state
        elif matches(kw, "proxy"):
            arg = a.next_arg()
            if matches(arg, "help"):
                raise usage()
            if dst is not None:
                raise duparg("address", arg)
            dst = get_addr(arg, AF_INET)
            ndm.flags |= NTF_PROXY
        elif kw == "router":
            ndm.flags |= NTF_ROUTER
        elif kw == "dev":
            dev = a.next_arg()
        else:
            arg = a.next_arg() if kw == "to" else kw
            if matches(arg, "help"):
                raise usage()
            if dst is not None:
                raise duparg2("to", arg)
            dst = get_addr(arg, AF_INET)
        a.advance()
    if dev is None or dst is None:
        raise ToolExit(255, "Device and destination are required arguments.\n")
    req.attrs[NDA_DST] = dst
    if lla is not None and lla != "null":
        raw = ll_addr_a2n(lla)
        if raw is None:
            raise ToolExit(255, f'"{lla}" is invalid lladdr.\n')
        req.attrs[NDA_LLADDR] = raw
    ndm.ifindex = ctx.ifindex(dev)
    ctx.talk_checked(req)


def print_neigh(ctx: IpCtx, m: nlmsg, dev_filtered: bool) -> tuple[str, dict[str, Any]]:
    """iproute2: ip/ipneigh.c print_neigh."""
    ndm: ndmsg = m.hdr
    at = m.attrs
    txt: list[str] = []
    js: dict[str, Any] = {}
    if NDA_DST in at:
        txt.append(format_host(at[NDA_DST]) + " ")
        js["dst"] = format_host(at[NDA_DST])
    if not dev_filtered:
        name = ctx.ifname(ndm.ifindex)
        txt.append(f"dev {name} ")
        js["dev"] = name
    if NDA_LLADDR in at:
        txt.append(f"lladdr {ll_addr_n2a(at[NDA_LLADDR])} ")
        js["lladdr"] = ll_addr_n2a(at[NDA_LLADDR])
    if ndm.flags & NTF_ROUTER:
        txt.append("router ")
        js["router"] = None
    if ndm.flags & NTF_PROXY:
        txt.append("proxy ")
        js["proxy"] = None
    if ctx.stats and NDA_CACHEINFO in at:
        # print_cacheinfo: clock_t ticks over USER_HZ, iproute2's spacing kept
        ci: nda_cacheinfo = at[NDA_CACHEINFO]
        hz = USER_HZ
        if ci.ndm_refcnt:
            txt.append(f" ref {ci.ndm_refcnt}")
            js["refcnt"] = ci.ndm_refcnt
        txt.append(f" used {ci.ndm_used // hz}/{ci.ndm_confirmed // hz}/{ci.ndm_updated // hz}")
        js["used"] = ci.ndm_used // hz
        js["confirmed"] = ci.ndm_confirmed // hz
        js["updated"] = ci.ndm_updated // hz
    if ctx.stats and NDA_PROBES in at:
        txt.append(f"probes {at[NDA_PROBES]} ")
        js["probes"] = at[NDA_PROBES]
    states = [name for bit, name in NUD_STATE_NAMES if ndm.state & bit]
    if ndm.state == NUD_NONE:
        states = ["NONE"]
    txt.extend(s + " " for s in states)
    js["state"] = states
    return "".join(txt), js


def ipneigh_get(ctx: IpCtx, a: Args) -> None:
    """`ip neigh get ADDR dev DEV`: one entry via RTM_GETNEIGH. iproute2: ipneigh.c
    ipneigh_get."""
    ndm = ndmsg(family=AF_INET)
    req = nlmsg(RTM_GETNEIGH, NLM_F_REQUEST, ndm, {})
    dev: str | None = None
    while a:
        kw = a.cur
        if kw == "dev":
            dev = a.next_arg()
        elif kw == "proxy":
            ndm.flags |= NTF_PROXY
            req.attrs[NDA_DST] = get_addr(a.next_arg(), AF_INET)
        else:
            arg = a.next_arg() if kw == "to" else kw
            if matches(arg, "help"):
                raise usage()
            if NDA_DST in req.attrs:
                raise duparg2("to", arg)
            req.attrs[NDA_DST] = get_addr(arg, AF_INET)
        a.advance()
    if dev is None or NDA_DST not in req.attrs:
        raise ToolExit(1, "Device and address are required arguments.\n")
    ndm.ifindex = ctx.ifindex(dev)
    for m in ctx.talk_checked(req).msgs:
        text, js = print_neigh(ctx, m, False)
        ctx.print_obj(text, js)
    if ctx.json:
        ctx.flush_json()


def do_show_or_flush(ctx: IpCtx, a: Args, flush: bool) -> None:
    """iproute2: ip/ipneigh.c do_show_or_flush."""
    if flush and not a:
        raise ToolExit(1, "Flush requires arguments.\n")
    ifindex: int | None = None
    to: tuple[int, int] | None = None
    # iproute2's filter.state: NUD_* bits, 0x100 standing for NUD_NONE
    # (show hides NOARP entries unless asked: iproute2 ipneigh.c do_show_or_flush)
    state_mask = 0xFF & ~NUD_NOARP if not flush else 0x1FF & ~(NUD_PERMANENT | NUD_NOARP)
    nud_given = False
    proxy = False
    while a:
        kw = a.cur
        if kw == "dev":
            name = a.next_arg()
            d = ctx.dev_by_name(name)
            if d is None:
                raise ToolExit(1, f'Cannot find device "{name}"\n')
            ifindex = int(d.ifindex)
        elif kw == "nud":
            arg = a.next_arg()
            if not nud_given:
                state_mask = 0
                nud_given = True
            if arg == "all":
                state_mask = 0x1FF
            else:
                state = nud_state_a2n(arg)
                if state is None:
                    raise invarg("nud state is bad", arg)
                state_mask |= state or 0x100
        elif kw == "proxy":
            proxy = True
        elif matches(kw, "help"):
            raise usage()
        else:
            arg = a.next_arg() if kw == "to" else kw
            to = get_prefix(arg, AF_INET)
        a.advance()
    req = nlmsg(RTM_GETNEIGH, NLM_F_REQUEST | NLM_F_DUMP, ndmsg(family=AF_INET), {})
    for m in ctx.dump(req):
        ndm: ndmsg = m.hdr
        if ifindex is not None and ndm.ifindex != ifindex:
            continue
        if bool(ndm.flags & NTF_PROXY) != proxy:
            continue
        if not ndm.flags & NTF_PROXY and not (ndm.state or 0x100) & state_mask:
            continue
        if to is not None:
            base, plen = to
            mask = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF if plen else 0
            if (int(m.attrs.get(NDA_DST, 0)) & mask) != (base & mask):
                continue
        if flush:
            ctx.talk_checked(nlmsg(RTM_DELNEIGH, NLM_F_REQUEST, ndm, dict(m.attrs)))
            continue
        text, js = print_neigh(ctx, m, ifindex is not None)
        ctx.print_obj(text, js)
    if ctx.json and not flush:
        ctx.flush_json()


def do_ipneigh(ctx: IpCtx, argv: list[str]) -> None:
    """iproute2: ip/ipneigh.c do_ipneigh."""
    a = Args(argv)
    if not a:
        do_show_or_flush(ctx, a, False)
        return
    cmd = a.cur
    a.advance()
    if matches(cmd, "add"):
        ipneigh_modify(ctx, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_EXCL, a)
    elif matches(cmd, "change") or cmd == "chg":
        ipneigh_modify(ctx, RTM_NEWNEIGH, NLM_F_REPLACE, a)
    elif matches(cmd, "replace"):
        ipneigh_modify(ctx, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, a)
    elif matches(cmd, "delete"):
        ipneigh_modify(ctx, RTM_DELNEIGH, 0, a)
    elif matches(cmd, "list") or matches(cmd, "show") or matches(cmd, "lst"):
        do_show_or_flush(ctx, a, False)
    elif matches(cmd, "flush"):
        do_show_or_flush(ctx, a, True)
    elif matches(cmd, "get"):
        ipneigh_get(ctx, a)
    elif matches(cmd, "help"):
        raise usage()
    else:
        raise ToolExit(255, f'Command "{cmd}" is unknown, try "ip neigh help".\n')

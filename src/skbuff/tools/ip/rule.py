"""`ip rule`: add/del/show/flush.

iproute2: ip/iprule.c (do_iprule, iprule_modify, iprule_list_flush_or_save, print_rule).
"""

from __future__ import annotations

from typing import Any

from skbuff.tools.common import ToolExit
from skbuff.tools.ip.utils import (
    Args,
    IpCtx,
    format_host,
    get_prefix,
    get_unsigned,
    inet_proto_a2n,
    inet_proto_n2a,
    invarg,
    matches,
    rtnl_dsfield_a2n,
    rtnl_rtntype_a2n,
    rtnl_rtntype_n2a,
    rtnl_rtprot_n2a,
    rtnl_rttable_a2n,
    rtnl_rttable_n2a,
)
from skbuff.uapi.fib_rules import (
    FIB_RULE_IIF_DETACHED,
    FIB_RULE_INVERT,
    FIB_RULE_OIF_DETACHED,
    FIB_RULE_UNRESOLVED,
    FR_ACT_GOTO,
    FR_ACT_NOP,
    FR_ACT_TO_TBL,
    FRA_DPORT_RANGE,
    FRA_DST,
    FRA_FWMARK,
    FRA_FWMASK,
    FRA_GOTO,
    FRA_IFNAME,
    FRA_IP_PROTO,
    FRA_OIFNAME,
    FRA_PRIORITY,
    FRA_PROTOCOL,
    FRA_SPORT_RANGE,
    FRA_SRC,
    FRA_SUPPRESS_IFGROUP,
    FRA_SUPPRESS_PREFIXLEN,
    FRA_TABLE,
    FRA_UID_RANGE,
    fib_rule_hdr,
    fib_rule_port_range,
    fib_rule_uid_range,
)
from skbuff.uapi.rtnetlink import (
    AF_INET,
    NLM_F_CREATE,
    NLM_F_DUMP,
    NLM_F_EXCL,
    NLM_F_REQUEST,
    RT_TABLE_MAIN,
    RT_TABLE_UNSPEC,
    RTM_DELRULE,
    RTM_GETRULE,
    RTM_NEWRULE,
    RTPROT_KERNEL,
    RTPROT_UNSPEC,
    nlmsg,
)

USAGE = (
    "Usage: ip rule { add | del } SELECTOR ACTION\n"
    "       ip rule { flush | save | restore }\n"
    "       ip rule [ list [ SELECTOR ]]\n"
    "SELECTOR := [ not ] [ from PREFIX ] [ to PREFIX ] [ tos TOS ]\n"
    "            [ fwmark FWMARK[/MASK] ]\n"
    "            [ iif STRING ] [ oif STRING ] [ pref NUMBER ] [ l3mdev ]\n"
    "            [ uidrange NUMBER-NUMBER ]\n"
    "            [ ipproto PROTOCOL ]\n"
    "            [ sport [ NUMBER | NUMBER-NUMBER ]\n"
    "            [ dport [ NUMBER | NUMBER-NUMBER ] ]\n"
    "ACTION := [ table TABLE_ID ]\n"
    "          [ protocol PROTO ]\n"
    "          [ nat ADDRESS ]\n"
    "          [ realms [SRCREALM/]DSTREALM ]\n"
    "          [ goto NUMBER ]\n"
    "          SUPPRESSOR\n"
    "SUPPRESSOR := [ suppress_prefixlength NUMBER ]\n"
    "              [ suppress_ifgroup DEVGROUP ]\n"
    "TABLE_ID := [ local | main | default | NUMBER ]\n"
)



def usage() -> ToolExit:
    return ToolExit(255, USAGE)


def _range(arg: str, err: str, limit: int) -> tuple[int, int]:
    lo_s, dash, hi_s = arg.partition("-")
    lo = get_unsigned(lo_s, limit)
    hi = get_unsigned(hi_s, limit) if dash else lo
    if lo is None or hi is None:
        raise invarg(err, arg)
    return lo, hi


def _parse_rule(ctx: IpCtx, a: Args, req: nlmsg) -> bool:
    """The SELECTOR/ACTION loop of iprule_modify. Returns whether a table was given."""
    frh: fib_rule_hdr = req.hdr
    at = req.attrs
    table_ok = False
    while a:
        kw = a.cur
        if kw == "not":
            frh.flags |= FIB_RULE_INVERT
        elif kw == "from":
            addr, plen = get_prefix(a.next_arg(), AF_INET)
            frh.src_len = plen
            if plen:
                at[FRA_SRC] = addr
        elif kw == "to":
            addr, plen = get_prefix(a.next_arg(), AF_INET)
            frh.dst_len = plen
            if plen:
                at[FRA_DST] = addr
        elif matches(kw, "preference") or matches(kw, "order") or matches(kw, "priority"):
            pref = a.next_value(get_unsigned, "preference value is invalid\n")
            at[FRA_PRIORITY] = pref
        elif kw == "tos" or matches(kw, "dsfield"):
            tos = a.next_value(rtnl_dsfield_a2n, "TOS value is invalid\n")
            frh.tos = tos
        elif kw == "fwmark":
            arg = a.next_arg()
            mark_s, slash, mask_s = arg.partition("/")
            mark = get_unsigned(mark_s)
            if mark is None:
                raise invarg("fwmark value is invalid\n", mark_s)
            at[FRA_FWMARK] = mark
            if slash:
                mask = get_unsigned(mask_s)
                if mask is None:
                    raise invarg("fwmask value is invalid\n", mask_s)
                at[FRA_FWMASK] = mask
        elif matches(kw, "table") or kw == "lookup":
            arg = a.next_arg()
            tid = rtnl_rttable_a2n(arg)
            if tid is None or arg == "all":
                raise invarg("invalid table ID\n", arg)
            if tid < 256:
                frh.table = tid
            else:
                frh.table = RT_TABLE_UNSPEC
                at[FRA_TABLE] = tid
            table_ok = True
        elif matches(kw, "suppress_prefixlength"):
            arg = a.next_arg()
            try:
                pl = int(arg, 0)
            except ValueError:
                raise invarg("suppress_prefixlength value is invalid\n", arg) from None
            at[FRA_SUPPRESS_PREFIXLEN] = pl
        elif matches(kw, "suppress_ifgroup"):
            arg = a.next_arg()
            group = 0 if arg == "default" else get_unsigned(arg)
            if group is None:
                raise invarg("Invalid \"suppress_ifgroup\" value\n", arg)
            at[FRA_SUPPRESS_IFGROUP] = group
        elif kw in ("dev", "iif"):
            at[FRA_IFNAME] = a.next_arg()
        elif kw == "oif":
            at[FRA_OIFNAME] = a.next_arg()
        elif kw == "uidrange":
            arg = a.next_arg()
            lo, hi = _range(arg, "invalid UID range\n", 0xFFFFFFFF)
            at[FRA_UID_RANGE] = fib_rule_uid_range(lo, hi)
        elif kw == "goto":
            target = a.next_value(get_unsigned, "invalid target\n")
            at[FRA_GOTO] = target
            frh.action = FR_ACT_GOTO
        elif kw == "nop":
            frh.action = FR_ACT_NOP
        elif kw == "ipproto":
            proto = a.next_value(inet_proto_a2n, "Invalid \"ipproto\" value\n")
            at[FRA_IP_PROTO] = proto
        elif kw in ("sport", "dport"):
            arg = a.next_arg()
            lo, hi = _range(arg, "invalid port range\n", 0xFFFF)
            at[FRA_SPORT_RANGE if kw == "sport" else FRA_DPORT_RANGE] = fib_rule_port_range(lo, hi)
        else:
            arg = a.next_arg() if kw == "type" else kw
            if matches(arg, "help"):
                raise usage()
            rtype = rtnl_rtntype_a2n(arg)
            if rtype is None:
                raise invarg("Failed to parse rule type", arg)
            frh.action = rtype
            table_ok = True
        a.advance()
    return table_ok


def iprule_modify(ctx: IpCtx, cmd: int, a: Args) -> None:
    """iproute2: ip/iprule.c iprule_modify."""
    frh = fib_rule_hdr(family=AF_INET)
    flags = NLM_F_REQUEST
    if cmd == RTM_NEWRULE:
        flags |= NLM_F_CREATE | NLM_F_EXCL
        frh.action = FR_ACT_TO_TBL
    req = nlmsg(cmd, flags, frh, {})
    table_ok = _parse_rule(ctx, a, req)
    if not table_ok and cmd == RTM_NEWRULE:
        frh.table = RT_TABLE_MAIN
    ctx.talk_checked(req)


def _hex(v: int) -> str:
    """C's "%#x": no 0x prefix for zero."""
    return f"{v:#x}" if v else "0"


def _pfx(addr: int, plen: int) -> str:
    return format_host(addr) if plen == 32 else f"{format_host(addr)}/{plen}"


def print_rule(ctx: IpCtx, m: nlmsg) -> tuple[str, dict[str, Any]]:
    """iproute2: ip/iprule.c print_rule."""
    frh: fib_rule_hdr = m.hdr
    at = m.attrs
    prio = int(at.get(FRA_PRIORITY, 0))
    txt = [f"{prio}:\t"]
    js: dict[str, Any] = {"priority": prio}
    if frh.flags & FIB_RULE_INVERT:
        txt.append("not ")
        js["not"] = None
    if FRA_SRC in at:
        txt.append(f"from {_pfx(at[FRA_SRC], frh.src_len)} ")
        js["src"] = format_host(at[FRA_SRC])
        if frh.src_len != 32:
            js["srclen"] = frh.src_len
    elif frh.src_len:
        txt.append(f"from 0/{frh.src_len} ")
        js["src"] = "0"
        js["srclen"] = frh.src_len
    else:
        txt.append("from all ")
        js["src"] = "all"
    if FRA_DST in at:
        txt.append(f"to {_pfx(at[FRA_DST], frh.dst_len)} ")
        js["dst"] = format_host(at[FRA_DST])
        if frh.dst_len != 32:
            js["dstlen"] = frh.dst_len
    elif frh.dst_len:
        txt.append(f"to 0/{frh.dst_len} ")
        js["dst"] = "0"
        js["dstlen"] = frh.dst_len
    if frh.tos:
        txt.append(f"tos 0x{frh.tos:02x} ")
        js["tos"] = f"0x{frh.tos:02x}"
    if FRA_FWMARK in at or FRA_FWMASK in at:
        mark = int(at.get(FRA_FWMARK, 0))
        mask = int(at.get(FRA_FWMASK, 0xFFFFFFFF))
        js["fwmark"] = _hex(mark)
        if mask != 0xFFFFFFFF:
            txt.append(f"fwmark {_hex(mark)}/{_hex(mask)} ")
            js["fwmask"] = _hex(mask)
        else:
            txt.append(f"fwmark {_hex(mark)} ")
    for attr, key, bit in ((FRA_IFNAME, "iif", FIB_RULE_IIF_DETACHED),
                           (FRA_OIFNAME, "oif", FIB_RULE_OIF_DETACHED)):
        if attr in at:
            txt.append(f"{key} {at[attr]} ")
            js[key] = at[attr]
            if frh.flags & bit:
                txt.append("[detached] ")
                js[f"{key}_detached"] = None
    if FRA_UID_RANGE in at:
        r: fib_rule_uid_range = at[FRA_UID_RANGE]
        txt.append(f"uidrange {r.start}-{r.end} ")
        js["uid_start"] = r.start
        js["uid_end"] = r.end
    if FRA_IP_PROTO in at:
        name = inet_proto_n2a(at[FRA_IP_PROTO])
        txt.append(f"ipproto {name} ")
        js["ipproto"] = name
    for attr, key in ((FRA_SPORT_RANGE, "sport"), (FRA_DPORT_RANGE, "dport")):
        if attr in at:
            pr: fib_rule_port_range = at[attr]
            if pr.start == pr.end:
                txt.append(f"{key} {pr.start} ")
                js[key] = pr.start
            else:
                txt.append(f"{key} {pr.start}-{pr.end} ")
                js[f"{key}_start"] = pr.start
                js[f"{key}_end"] = pr.end
    table = int(at.get(FRA_TABLE, frh.table))
    if table and frh.action not in (FR_ACT_GOTO, FR_ACT_NOP):  # (6.1 prints no lookup there)
        txt.append(f"lookup {rtnl_rttable_n2a(table)} ")
        js["table"] = rtnl_rttable_n2a(table)
        pl = at.get(FRA_SUPPRESS_PREFIXLEN)
        if pl is not None and pl != -1:
            txt.append(f"suppress_prefixlength {pl} ")
            js["suppress_prefixlen"] = pl
        grp = at.get(FRA_SUPPRESS_IFGROUP)
        if grp is not None and grp != -1:
            name = "default" if grp == 0 else str(grp)  # rtnl_group_n2a
            txt.append(f"suppress_ifgroup {name} ")
            js["suppress_ifgroup"] = name
    if frh.action == FR_ACT_GOTO:
        target = at.get(FRA_GOTO)
        txt.append(f"goto {target}" if target is not None else "goto none")
        js["goto"] = target if target is not None else "none"
        if frh.flags & FIB_RULE_UNRESOLVED:
            txt.append(" [unresolved]")
            js["unresolved"] = None
    elif frh.action == FR_ACT_NOP:
        txt.append("nop")
        js["nop"] = None
    elif frh.action != FR_ACT_TO_TBL:
        txt.append(rtnl_rtntype_n2a(frh.action))
        js["action"] = rtnl_rtntype_n2a(frh.action)
    text = "".join(txt).rstrip(" ")
    proto = at.get(FRA_PROTOCOL)
    if proto is not None and (proto not in (RTPROT_UNSPEC, RTPROT_KERNEL) or ctx.details):
        text += f" proto {rtnl_rtprot_n2a(proto)} "
        js["protocol"] = rtnl_rtprot_n2a(proto)
    return text, js


def iprule_list_flush(ctx: IpCtx, a: Args, flush: bool) -> None:
    """iproute2: ip/iprule.c iprule_list_flush_or_save (no selectors for flush)."""
    sel = nlmsg(RTM_NEWRULE, 0, fib_rule_hdr(family=AF_INET), {})
    if a:
        _parse_rule(ctx, a, sel)
    rules = ctx.dump(nlmsg(RTM_GETRULE, NLM_F_REQUEST | NLM_F_DUMP,
                           fib_rule_hdr(family=AF_INET), {}))
    for m in rules:
        if not _rule_selected(sel, m):
            continue
        if flush:
            if int(m.attrs.get(FRA_PRIORITY, 0)) == 0:
                continue
            ctx.talk_checked(nlmsg(RTM_DELRULE, NLM_F_REQUEST, m.hdr, dict(m.attrs)))
            continue
        text, js = print_rule(ctx, m)
        ctx.print_obj(text, js)
    if ctx.json and not flush:
        ctx.flush_json()


def _rule_selected(sel: nlmsg, m: nlmsg) -> bool:
    """iproute2: ip/iprule.c filter_nlmsg (the attributes given must be equal)."""
    s: fib_rule_hdr = sel.hdr
    r: fib_rule_hdr = m.hdr
    if s.flags & FIB_RULE_INVERT and not r.flags & FIB_RULE_INVERT:
        return False
    if s.src_len and (s.src_len != r.src_len or sel.attrs.get(FRA_SRC) != m.attrs.get(FRA_SRC)):
        return False
    if s.dst_len and (s.dst_len != r.dst_len or sel.attrs.get(FRA_DST) != m.attrs.get(FRA_DST)):
        return False
    if s.tos and s.tos != r.tos:
        return False
    if s.table and int(m.attrs.get(FRA_TABLE, r.table)) != s.table:
        return False
    return all(m.attrs.get(k) == v for k, v in sel.attrs.items() if k != FRA_TABLE)


def do_iprule(ctx: IpCtx, argv: list[str]) -> None:
    """iproute2: ip/iprule.c do_iprule."""
    a = Args(argv)
    if not a:
        iprule_list_flush(ctx, a, False)
        return
    cmd = a.cur
    a.advance()
    if matches(cmd, "add"):
        iprule_modify(ctx, RTM_NEWRULE, a)
    elif matches(cmd, "delete"):
        iprule_modify(ctx, RTM_DELRULE, a)
    elif matches(cmd, "list") or matches(cmd, "show") or matches(cmd, "lst"):
        iprule_list_flush(ctx, a, False)
    elif matches(cmd, "flush"):
        iprule_list_flush(ctx, a, True)
    elif matches(cmd, "help"):
        raise usage()
    else:
        raise ToolExit(255, f'Command "{cmd}" is unknown, try "ip rule help".\n')

"""`ip address`: add/change/replace/del/flush/show.

iproute2: ip/ipaddress.c (do_ipaddr, ipaddr_modify, ipaddr_list_flush_or_save,
print_addrinfo, print_ifa_flags, default_scope).
"""

from __future__ import annotations

import fnmatch
from typing import Any

from skbuff.tools.common import ToolExit
from skbuff.tools.ip import link
from skbuff.tools.ip.utils import (
    Args,
    IpCtx,
    duparg,
    duparg2,
    format_host,
    get_addr,
    get_prefix,
    get_u32,
    get_unsigned,
    invarg,
    matches,
    rtnl_rtscope_a2n,
    rtnl_rtscope_n2a,
)
from skbuff.uapi.if_addr import (
    IFA_ADDRESS,
    IFA_BROADCAST,
    IFA_CACHEINFO,
    IFA_F_DADFAILED,
    IFA_F_DEPRECATED,
    IFA_F_HOMEADDRESS,
    IFA_F_MANAGETEMPADDR,
    IFA_F_MCAUTOJOIN,
    IFA_F_NODAD,
    IFA_F_NOPREFIXROUTE,
    IFA_F_OPTIMISTIC,
    IFA_F_PERMANENT,
    IFA_F_SECONDARY,
    IFA_F_STABLE_PRIVACY,
    IFA_F_TENTATIVE,
    IFA_FLAGS,
    IFA_LABEL,
    IFA_LOCAL,
    IFA_RT_PRIORITY,
    INFINITY_LIFE_TIME,
    ifa_cacheinfo,
    ifaddrmsg,
)
from skbuff.uapi.if_link import IFLA_IFNAME, IFLA_STATS64
from skbuff.uapi.rtnetlink import (
    AF_INET,
    AF_UNSPEC,
    NLM_F_CREATE,
    NLM_F_DUMP,
    NLM_F_EXCL,
    NLM_F_REPLACE,
    NLM_F_REQUEST,
    RT_SCOPE_HOST,
    RT_SCOPE_UNIVERSE,
    RTM_DELADDR,
    RTM_GETADDR,
    RTM_NEWADDR,
    nlmsg,
)

USAGE = (
    "Usage: ip address {add|change|replace} IFADDR dev IFNAME [ LIFETIME ]\n"
    "                                                      [ CONFFLAG-LIST ]\n"
    "       ip address del IFADDR dev IFNAME [mngtmpaddr]\n"
    "       ip address {save|flush} [ dev IFNAME ] [ scope SCOPE-ID ]\n"
    "                            [ to PREFIX ] [ FLAG-LIST ] [ label LABEL ] [up]\n"
    "       ip address [ show [ dev IFNAME ] [ scope SCOPE-ID ] [ master DEVICE ]\n"
    "                         [ nomaster ]\n"
    "                         [ type TYPE ] [ to PREFIX ] [ FLAG-LIST ]\n"
    "                         [ label LABEL ] [up] [ vrf NAME ] ]\n"
    "       ip address {showdump|restore}\n"
    "IFADDR := PREFIX | ADDR peer PREFIX\n"
    "          [ broadcast ADDR ] [ anycast ADDR ]\n"
    "          [ label IFNAME ] [ scope SCOPE-ID ] [ metric METRIC ]\n"
    "SCOPE-ID := [ host | link | global | NUMBER ]\n"
    "FLAG-LIST := [ FLAG-LIST ] FLAG\n"
    "FLAG  := [ permanent | dynamic | secondary | primary |\n"
    "           [-]tentative | [-]deprecated | [-]dadfailed | temporary |\n"
    "           CONFFLAG-LIST ]\n"
    "CONFFLAG-LIST := [ CONFFLAG-LIST ] CONFFLAG\n"
    "CONFFLAG  := [ home | nodad | mngtmpaddr | noprefixroute | autojoin ]\n"
    "LIFETIME := [ valid_lft LFT ] [ preferred_lft LFT ]\n"
    "LFT := forever | SECONDS\n"
    "TYPE := { amt | bareudp | bond | bond_slave | bridge | bridge_slave |\n"
    "          dsa | dummy | erspan | geneve | gre | gretap | gtp | ifb |\n"
    "          ip6erspan | ip6gre | ip6gretap | ip6tnl |\n"
    "          ipip | ipoib | ipvlan | ipvtap |\n"
    "          macsec | macvlan | macvtap |\n"
    "          netdevsim | nlmon | rmnet | sit | team | team_slave |\n"
    "          vcan | veth | vlan | vrf | vti | vxcan | vxlan | wwan |\n"
    "          xfrm | virt_wifi }\n"
)

# iproute2 6.1 ipaddress.c ifa_flag_data: (name, mask, readonly, v6only), in print order.
# IFA_F_PERMANENT's entry prints "dynamic" when the flag is absent; "temporary" shares
# secondary's bit (its IPv6 name) and so never prints for IPv4.
IFA_FLAG_DATA = (
    ("secondary", IFA_F_SECONDARY, True, False), ("temporary", IFA_F_SECONDARY, True, False),
    ("nodad", IFA_F_NODAD, False, True), ("optimistic", IFA_F_OPTIMISTIC, False, True),
    ("dadfailed", IFA_F_DADFAILED, True, True), ("home", IFA_F_HOMEADDRESS, False, True),
    ("deprecated", IFA_F_DEPRECATED, True, True), ("tentative", IFA_F_TENTATIVE, True, True),
    ("permanent", IFA_F_PERMANENT, True, True),
    ("mngtmpaddr", IFA_F_MANAGETEMPADDR, False, True),
    ("noprefixroute", IFA_F_NOPREFIXROUTE, False, False),
    ("autojoin", IFA_F_MCAUTOJOIN, False, False),
    ("stable-privacy", IFA_F_STABLE_PRIVACY, True, True),
)


def lookup_flag_data_by_name(name: str) -> tuple[str, int, bool, bool] | None:
    """iproute2: ip/ipaddress.c lookup_flag_data_by_name (the first entry of that name)."""
    return next((fd for fd in IFA_FLAG_DATA if fd[0] == name), None)


_WILDCARD_WARNING = (
    "Warning: Executing wildcard deletion to stay compatible with old scripts.\n"
    "         Explicitly specify the prefix length ({local}/32) to avoid this warning.\n"
    "         This special behaviour is likely to disappear in further releases,\n"
    "         fix your scripts!\n"
)


def usage() -> ToolExit:
    return ToolExit(255, USAGE)


def set_lifetime(arg: str, what: str) -> int:
    """`forever` or seconds (strtoul base 0). iproute2: ip/ipaddress.c set_lifetime."""
    if arg == "forever":
        return INFINITY_LIFE_TIME
    v = get_u32(arg)
    if v is None:
        raise invarg(f"{what} value", arg)
    return v


def default_scope(addr: int) -> int:
    """127.0.0.0/8 is host scope, everything else global. iproute2: ipaddress.c default_scope."""
    return RT_SCOPE_HOST if addr >> 24 == 127 else RT_SCOPE_UNIVERSE


def ipaddr_modify(ctx: IpCtx, cmd: int, flags: int, a: Args) -> None:
    """iproute2: ip/ipaddress.c ipaddr_modify."""
    ifa = ifaddrmsg(family=AF_INET)
    req = nlmsg(cmd, NLM_F_REQUEST | flags, ifa, {})
    local: tuple[int, int] | None = None
    local_arg = ""
    peer: tuple[int, int] | None = None
    brd_mode = 0
    scoped = False
    dev: str | None = None
    valid: int | None = None
    preferred: int | None = None
    ifa_flags = 0
    while a:
        kw = a.cur
        if kw in ("peer", "remote"):
            arg = a.next_arg()
            if peer is not None:
                raise duparg("peer", arg)
            peer = get_prefix(arg, ctx.family)
            req.attrs[IFA_ADDRESS] = peer[0]
            ifa.prefixlen = peer[1]
        elif matches(kw, "broadcast") or kw == "brd":
            arg = a.next_arg()
            if brd_mode or IFA_BROADCAST in req.attrs:
                raise duparg("broadcast", arg)
            if arg == "+":
                brd_mode = -1
            elif arg == "-":
                brd_mode = -2
            else:
                req.attrs[IFA_BROADCAST] = get_addr(arg, AF_INET)
        elif kw == "scope":
            scope = a.next_value(rtnl_rtscope_a2n, "invalid scope value.")
            ifa.scope = scope
            scoped = True
        elif kw == "dev":
            dev = a.next_arg()
        elif kw == "label":
            req.attrs[IFA_LABEL] = a.next_arg()
        elif matches(kw, "metric") or matches(kw, "priority") or matches(kw, "preference"):
            metric = a.next_value(get_unsigned, '"metric" value is invalid\n')
            req.attrs[IFA_RT_PRIORITY] = metric
        elif matches(kw, "valid_lft"):
            if valid is not None:
                raise duparg("valid_lft", kw)
            valid = set_lifetime(a.next_arg(), "valid_lft")
        elif matches(kw, "preferred_lft"):
            if preferred is not None:
                raise duparg("preferred_lft", kw)
            preferred = set_lifetime(a.next_arg(), "preferred_lft")
        elif (fd := lookup_flag_data_by_name(kw)) is not None:
            name, mask, readonly, v6only = fd
            if readonly:
                ctx.out.ewrite(f"Warning: {name} option is not mutable from userspace\n")
            elif v6only:  # skbuff's ip is IPv4 only
                ctx.out.ewrite(f"Warning: {name} option can be set only for IPv6 addresses\n")
            else:
                ifa_flags |= mask
        else:
            arg = a.next_arg() if kw == "local" else kw
            if matches(arg, "help"):
                raise usage()
            if local is not None:
                raise duparg2("local", arg)
            local = get_prefix(arg, ctx.family)
            local_arg = arg
            req.attrs[IFA_LOCAL] = local[0]
        a.advance()
    if dev is None:
        raise ToolExit(1, 'Not enough information: "dev" argument is required.\n')
    if peer is None and local is not None:
        if cmd == RTM_DELADDR and "/" not in local_arg:
            ctx.out.ewrite(_WILDCARD_WARNING.format(local=local_arg))
        else:
            peer = local
            req.attrs[IFA_ADDRESS] = local[0]
    if ifa.prefixlen == 0 and local is not None:
        ifa.prefixlen = local[1]
    if brd_mode and cmd != RTM_DELADDR and peer is not None and ifa.prefixlen <= 30:
        mask = (0xFFFFFFFF << (32 - ifa.prefixlen)) & 0xFFFFFFFF
        base = peer[0]
        req.attrs[IFA_BROADCAST] = (base | ~mask & 0xFFFFFFFF) if brd_mode == -1 else base & mask
    if not scoped and cmd != RTM_DELADDR and local is not None:
        ifa.scope = default_scope(local[0])
    ifa.index = ctx.ifindex(dev)
    if valid is not None or preferred is not None:
        v = valid if valid is not None else INFINITY_LIFE_TIME
        p = preferred if preferred is not None else INFINITY_LIFE_TIME
        if not v:
            raise ToolExit(1, "valid_lft is zero\n")
        if v < p:
            raise ToolExit(1, "preferred_lft is greater than valid_lft\n")
        req.attrs[IFA_CACHEINFO] = ifa_cacheinfo(ifa_prefered=p, ifa_valid=v)
    if ifa_flags <= 0xFF:
        ifa.flags = ifa_flags
    else:
        req.attrs[IFA_FLAGS] = ifa_flags
    ctx.talk_checked(req)


def _lft(v: int) -> str:
    return "forever" if v == INFINITY_LIFE_TIME else f"{v}sec"


def print_addrinfo(m: nlmsg) -> tuple[str, dict[str, Any]]:
    """One address: its two text lines and its JSON object. iproute2: print_addrinfo."""
    ifa: ifaddrmsg = m.hdr
    at = m.attrs
    flags = int(at.get(IFA_FLAGS, ifa.flags))
    local = at.get(IFA_LOCAL, at.get(IFA_ADDRESS))
    js: dict[str, Any] = {"family": "inet"}
    txt = ["    inet "]
    if local is not None:
        txt.append(format_host(local))
        js["local"] = format_host(local)
    if IFA_ADDRESS in at and local is not None and at[IFA_ADDRESS] != local:
        txt.append(f" peer {format_host(at[IFA_ADDRESS])}")
        js["address"] = format_host(at[IFA_ADDRESS])
    txt.append(f"/{ifa.prefixlen} ")
    js["prefixlen"] = ifa.prefixlen
    if IFA_BROADCAST in at:
        txt.append(f"brd {format_host(at[IFA_BROADCAST])} ")
        js["broadcast"] = format_host(at[IFA_BROADCAST])
    scope = rtnl_rtscope_n2a(ifa.scope)
    txt.append(f"scope {scope} ")
    js["scope"] = scope
    for name, bit, _, _ in IFA_FLAG_DATA:
        if bit == IFA_F_PERMANENT:
            name = "dynamic"
        if (bit == IFA_F_PERMANENT) != bool(flags & bit):
            txt.append(name + " ")
            js[name] = True
        flags &= ~bit
    if flags:
        txt.append(f"flags {flags:02x} ")
        js["ifa_flags"] = f"{flags:02x}"
    if IFA_RT_PRIORITY in at:
        txt.append(f"metric {at[IFA_RT_PRIORITY]} ")
        js["metric"] = at[IFA_RT_PRIORITY]
    if IFA_LABEL in at:
        txt.append(str(at[IFA_LABEL]))
        js["label"] = at[IFA_LABEL]
    ci: ifa_cacheinfo = at.get(IFA_CACHEINFO) or ifa_cacheinfo()
    txt.append(f"\n       valid_lft {_lft(ci.ifa_valid)} preferred_lft {_lft(ci.ifa_prefered)}")
    js["valid_life_time"] = ci.ifa_valid
    js["preferred_life_time"] = ci.ifa_prefered
    return "".join(txt), js


def get_filter(arg: str, sel: dict[str, Any]) -> bool:
    """A FLAG selector (`[-]deprecated`, `dynamic`, `primary`, …): want the flag set (or,
    with "-", clear) in `sel`'s flags/flagmask; False when `arg` names no flag.
    iproute2: ip/ipaddress.c get_filter."""
    inv = arg.startswith("-")
    name = arg[1:] if inv else arg
    if name in ("dynamic", "primary"):
        inv = not inv
        name = "permanent" if name == "dynamic" else "secondary"
    fd = lookup_flag_data_by_name(name)
    if fd is None:
        return False
    mask = fd[1]
    sel["flags"] = sel.get("flags", 0) & ~mask if inv else sel.get("flags", 0) | mask
    sel["flagmask"] = sel.get("flagmask", 0) | mask
    return True


def _addr_filter(ctx: IpCtx, a: Args) -> tuple[Args, dict[str, Any]]:
    """Split the address-only selectors off; the rest goes to the link filter."""
    sel: dict[str, Any] = {}
    rest: list[str] = []
    while a:
        kw = a.cur
        if kw == "scope":
            arg = a.next_arg()
            scope = rtnl_rtscope_a2n(arg)
            if scope is None and arg != "all":
                raise invarg("invalid \"scope\"\n", arg)
            sel["scope"] = scope
        elif kw == "to":
            sel["to"] = get_prefix(a.next_arg(), AF_INET)
            if ctx.family == AF_UNSPEC:  # the prefix's family becomes the filter's
                ctx.family = AF_INET
        elif kw == "label":
            sel["label"] = a.next_arg()
        elif get_filter(kw, sel):
            pass
        else:
            rest.append(kw)
        a.advance()
    return Args(rest), sel


def _addr_selected(m: nlmsg, sel: dict[str, Any]) -> bool:
    ifa: ifaddrmsg = m.hdr
    flags = int(m.attrs.get(IFA_FLAGS, ifa.flags))
    if sel.get("scope") is not None and ifa.scope != sel["scope"]:
        return False
    if "to" in sel:
        base, plen = sel["to"]
        mask = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF if plen else 0
        if (int(m.attrs.get(IFA_LOCAL, 0)) & mask) != (base & mask):
            return False
    if "label" in sel and not fnmatch.fnmatchcase(str(m.attrs.get(IFA_LABEL, "")), sel["label"]):
        return False
    return not (sel.get("flags", 0) ^ flags) & sel.get("flagmask", 0)


def dump_addrs(ctx: IpCtx) -> list[nlmsg]:
    return ctx.dump(nlmsg(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, ifaddrmsg(AF_INET), {}))


def ipaddr_list_flush(ctx: IpCtx, a: Args, flush: bool) -> None:
    """iproute2: ip/ipaddress.c ipaddr_list_flush_or_save."""
    if flush and not a:
        raise ToolExit(1, "Flush requires arguments.\n")
    la, sel = _addr_filter(ctx, a)
    links = link.selected_links(ctx, la)
    every = dump_addrs(ctx)
    addrs = [m for m in every if _addr_selected(m, sel)]
    if flush:
        wanted = {m.hdr.ifi_index for m in links}
        for m in addrs:
            if m.hdr.index in wanted:
                ctx.talk_checked(nlmsg(RTM_DELADDR, NLM_F_REQUEST, m.hdr, dict(m.attrs)))
        return
    for lm in links:
        idx = lm.hdr.ifi_index
        mine = [m for m in addrs if m.hdr.index == idx]
        # ipaddr_filter: a link none of whose addresses is selected goes; one without any
        # address stays (unless a family was asked for)
        if not mine and (ctx.family != AF_UNSPEC or any(m.hdr.index == idx for m in every)):
            continue
        if ctx.brief:
            js = link.print_brief_link(
                ctx, lm, [f"{format_host(m.attrs.get(IFA_LOCAL, 0))}/{m.hdr.prefixlen}"
                          for m in mine])
            text = js.pop("_text")
            js["addr_info"] = [{"local": format_host(m.attrs.get(IFA_LOCAL, 0)),
                                "prefixlen": m.hdr.prefixlen} for m in mine]
        else:
            js = link.print_linkinfo(ctx, lm, False)
            text = js.pop("_text")
            infos = [print_addrinfo(m) for m in mine]
            text += "".join("\n" + t for t, _ in infos)
            if ctx.stats and IFLA_STATS64 in lm.attrs:
                text += "\n" + link.stats_text(ctx, lm.attrs)
            # print_selected_addrinfo: one JSON object per address of the link, empty for
            # those print_addrinfo filters out
            chosen = iter(j for _, j in infos)
            js["addr_info"] = [next(chosen) if any(m is x for x in mine) else {}
                               for m in every if m.hdr.index == idx]
        if ctx.json:
            ctx.emit_json(js)
        elif ctx.oneline and not ctx.brief:
            name = str(lm.attrs.get(IFLA_IFNAME, ""))
            for m in mine:
                line, _ = print_addrinfo(m)
                ctx.out.write(f"{lm.hdr.ifi_index}: {name}" + line.replace("\n", "\\") + "\n")
        else:
            ctx.out.write(text + "\n")
    if ctx.json:
        ctx.flush_json()


def do_ipaddr(ctx: IpCtx, argv: list[str]) -> None:
    """iproute2: ip/ipaddress.c do_ipaddr."""
    a = Args(argv)
    if not a:
        ipaddr_list_flush(ctx, a, False)
        return
    cmd = a.cur
    a.advance()
    if matches(cmd, "add"):
        ipaddr_modify(ctx, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, a)
    elif matches(cmd, "change") or cmd == "chg":
        ipaddr_modify(ctx, RTM_NEWADDR, NLM_F_REPLACE, a)
    elif matches(cmd, "replace"):
        ipaddr_modify(ctx, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, a)
    elif matches(cmd, "delete"):
        ipaddr_modify(ctx, RTM_DELADDR, 0, a)
    elif matches(cmd, "list") or matches(cmd, "show") or matches(cmd, "lst"):
        ipaddr_list_flush(ctx, a, False)
    elif matches(cmd, "flush"):
        ipaddr_list_flush(ctx, a, True)
    elif matches(cmd, "help"):
        raise usage()
    else:
        raise ToolExit(255, f'Command "{cmd}" is unknown, try "ip address help".\n')

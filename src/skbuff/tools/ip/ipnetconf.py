"""`ip netconf`: the per-device IPv4 settings the kernel reports over rtnetlink (RTM_GETNETCONF),
and the printer `ip monitor netconf` shares.

iproute2: ip/ipnetconf.c (print_netconf, do_show, do_ipnetconf).
"""

from __future__ import annotations

from typing import Any

from skbuff.tools.common import ToolExit
from skbuff.tools.ip.utils import Args, IpCtx, matches
from skbuff.uapi.netconf import (
    NETCONFA_FORWARDING,
    NETCONFA_IFINDEX,
    NETCONFA_IFINDEX_ALL,
    NETCONFA_IFINDEX_DEFAULT,
    NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN,
    NETCONFA_INPUT,
    NETCONFA_MC_FORWARDING,
    NETCONFA_PROXY_NEIGH,
    NETCONFA_RP_FILTER,
    netconfmsg,
)
from skbuff.uapi.rtnetlink import (
    AF_INET,
    AF_UNSPEC,
    NLM_F_ACK,
    NLM_F_DUMP,
    NLM_F_REQUEST,
    RTM_DELNETCONF,
    RTM_GETNETCONF,
    nlmsg,
)

USAGE = "Usage: ip netconf show [ dev STRING ]\n"

_RP_FILTER_NAMES = ("off", "strict", "loose")
# The on/off values print_netconf shows, in its order (NETCONFA_BC_FORWARDING is not shown).
_ON_OFF = (
    (NETCONFA_MC_FORWARDING, "mc_forwarding"),
    (NETCONFA_PROXY_NEIGH, "proxy_neigh"),
    (NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN, "ignore_routes_with_linkdown"),
    (NETCONFA_INPUT, "input"),
)
_FAMILY_NAMES = {AF_INET: "inet", 10: "inet6"}


def print_netconf(ctx: IpCtx, m: nlmsg) -> tuple[str, dict[str, Any]]:
    """One netconf message as its text line (no newline) and JSON object.

    iproute2: ip/ipnetconf.c print_netconf.
    """
    at = m.attrs
    txt: list[str] = []
    js: dict[str, Any] = {}
    if m.type == RTM_DELNETCONF:
        txt.append("Deleted ")
        js["deleted"] = True
    family = _FAMILY_NAMES.get(m.hdr.ncm_family, "???")
    txt.append(f"{family} ")
    js["family"] = family
    if NETCONFA_IFINDEX in at:
        ifindex = int(at[NETCONFA_IFINDEX])
        if ifindex == NETCONFA_IFINDEX_ALL:
            dev = "all"
        elif ifindex == NETCONFA_IFINDEX_DEFAULT:
            dev = "default"
        else:
            dev = ctx.ifname(ifindex)
        txt.append(f"{dev} ")
        js["interface"] = dev
    if NETCONFA_FORWARDING in at:
        on = bool(at[NETCONFA_FORWARDING])
        txt.append(f"forwarding {'on' if on else 'off'} ")
        js["forwarding"] = on
    if NETCONFA_RP_FILTER in at:
        rp = int(at[NETCONFA_RP_FILTER]) & 0xFFFFFFFF
        name: str | int = _RP_FILTER_NAMES[rp] if rp < len(_RP_FILTER_NAMES) else rp
        txt.append(f"rp_filter {name} ")
        js["rp_filter"] = name
    for nla, key in _ON_OFF:
        if nla in at:
            on = bool(at[nla])
            txt.append(f"{key} {'on' if on else 'off'} ")
            js[key] = on
    return "".join(txt), js


def netconf_ifindex(m: nlmsg) -> int:
    """The NETCONFA_IFINDEX a message is about (0 without one)."""
    return int(m.attrs.get(NETCONFA_IFINDEX, 0))


def do_show(ctx: IpCtx, a: Args) -> None:
    """`ip netconf show [dev D]`: with a family and a device one RTM_GETNETCONF (text even
    with -j), else the dump (AF_UNSPEC: every family) filtered by device.
    iproute2: ip/ipnetconf.c do_show."""
    ifindex = 0
    while a:
        if a.cur == "dev":
            name = a.next_arg()
            dev = ctx.dev_by_name(name)
            if dev is None:
                raise ToolExit(1, f'Device "{name}" does not exist.\n')
            ifindex = int(dev.ifindex)
        a.advance()
    if ifindex and ctx.family != AF_UNSPEC:
        # One answer, printed by the listener as text (6.1 opens no JSON writer here).
        reply = ctx.talk(nlmsg(RTM_GETNETCONF, NLM_F_REQUEST | NLM_F_ACK,
                               netconfmsg(ctx.family), {NETCONFA_IFINDEX: ifindex}))
        for m in reply.msgs if reply.error == 0 else []:
            ctx.out.write(print_netconf(ctx, m)[0] + "\n")
        return
    msgs = ctx.dump(nlmsg(RTM_GETNETCONF, NLM_F_REQUEST | NLM_F_DUMP,
                          netconfmsg(ctx.family), {}))
    for m in msgs:
        if ifindex and netconf_ifindex(m) != ifindex:
            continue
        text, js = print_netconf(ctx, m)
        ctx.print_obj(text, js)
    if ctx.json:
        ctx.flush_json()


def do_ipnetconf(ctx: IpCtx, argv: list[str]) -> None:
    """iproute2: ip/ipnetconf.c do_ipnetconf."""
    if not argv:
        do_show(ctx, Args([]))
        return
    cmd = argv[0]
    if matches(cmd, "show") or matches(cmd, "lst") or matches(cmd, "list"):
        do_show(ctx, Args(argv[1:]))
    elif matches(cmd, "help"):
        raise ToolExit(255, USAGE)
    else:
        raise ToolExit(255, f'Command "{cmd}" is unknown, try "ip netconf help".\n')

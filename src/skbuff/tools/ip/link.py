"""`ip link`: add/set/del/show, and the link printer shared with `ip addr`.

iproute2: ip/iplink.c (do_iplink, iplink_modify, iplink_parse), ip/link_veth.c,
ip/ipaddress.c (print_linkinfo, print_link_flags, print_link_stats64, ipaddr_list_flush_or_save).
"""

from __future__ import annotations

from typing import Any

from skbuff.tools.common import ToolExit
from skbuff.tools.ip import netns
from skbuff.tools.ip.utils import (
    Args,
    IpCtx,
    duparg2,
    get_integer,
    get_unsigned,
    invarg,
    ll_addr_a2n,
    ll_addr_n2a,
    matches,
)
from skbuff.uapi.if_link import (
    IF_OPER_DORMANT,
    IF_OPER_DOWN,
    IF_OPER_LOWERLAYERDOWN,
    IF_OPER_NOTPRESENT,
    IF_OPER_TESTING,
    IF_OPER_UNKNOWN,
    IF_OPER_UP,
    IFF_ALLMULTI,
    IFF_AUTOMEDIA,
    IFF_BROADCAST,
    IFF_DEBUG,
    IFF_DORMANT,
    IFF_DYNAMIC,
    IFF_ECHO,
    IFF_LOOPBACK,
    IFF_LOWER_UP,
    IFF_MASTER,
    IFF_MULTICAST,
    IFF_NOARP,
    IFF_NOTRAILERS,
    IFF_POINTOPOINT,
    IFF_PORTSEL,
    IFF_PROMISC,
    IFF_RUNNING,
    IFF_SLAVE,
    IFF_UP,
    IFLA_ADDRESS,
    IFLA_ALLMULTI,
    IFLA_BROADCAST,
    IFLA_CARRIER_CHANGES,
    IFLA_GRO_MAX_SIZE,
    IFLA_GROUP,
    IFLA_GSO_MAX_SEGS,
    IFLA_GSO_MAX_SIZE,
    IFLA_IFNAME,
    IFLA_INFO_DATA,
    IFLA_INFO_KIND,
    IFLA_LINK,
    IFLA_LINK_NETNSID,
    IFLA_LINKINFO,
    IFLA_LINKMODE,
    IFLA_MASTER,
    IFLA_MAX_MTU,
    IFLA_MIN_MTU,
    IFLA_MTU,
    IFLA_NET_NS_FD,
    IFLA_NET_NS_PID,
    IFLA_NUM_RX_QUEUES,
    IFLA_NUM_TX_QUEUES,
    IFLA_OPERSTATE,
    IFLA_PROMISCUITY,
    IFLA_QDISC,
    IFLA_STATS64,
    IFLA_TSO_MAX_SEGS,
    IFLA_TSO_MAX_SIZE,
    IFLA_TXQLEN,
    VETH_INFO_PEER,
    rtnl_link_stats64,
)
from skbuff.uapi.rtnetlink import (
    AF_UNSPEC,
    NLM_F_CREATE,
    NLM_F_DUMP,
    NLM_F_EXCL,
    NLM_F_REQUEST,
    RTM_DELLINK,
    RTM_GETLINK,
    RTM_NEWLINK,
    ifinfomsg,
    nlmsg,
)

USAGE = (
    "Usage: ip link add [link DEV | parentdev NAME] [ name ] NAME\n"
    "\t\t    [ txqueuelen PACKETS ]\n"
    "\t\t    [ address LLADDR ]\n"
    "\t\t    [ broadcast LLADDR ]\n"
    "\t\t    [ mtu MTU ] [index IDX ]\n"
    "\t\t    [ numtxqueues QUEUE_COUNT ]\n"
    "\t\t    [ numrxqueues QUEUE_COUNT ]\n"
    "\t\t    [ netns { PID | NAME } ]\n"
    "\t\t    type TYPE [ ARGS ]\n"
    "\n"
    "\tip link delete { DEVICE | dev DEVICE | group DEVGROUP } type TYPE [ ARGS ]\n"
    "\n"
    "\tip link set { DEVICE | dev DEVICE | group DEVGROUP }\n"
    "\t\t\t[ { up | down } ]\n"
    "\t\t\t[ type TYPE ARGS ]\n"
    "\t\t[ arp { on | off } ]\n"
    "\t\t[ dynamic { on | off } ]\n"
    "\t\t[ multicast { on | off } ]\n"
    "\t\t[ allmulticast { on | off } ]\n"
    "\t\t[ promisc { on | off } ]\n"
    "\t\t[ trailers { on | off } ]\n"
    "\t\t[ carrier { on | off } ]\n"
    "\t\t[ txqueuelen PACKETS ]\n"
    "\t\t[ name NEWNAME ]\n"
    "\t\t[ address LLADDR ]\n"
    "\t\t[ broadcast LLADDR ]\n"
    "\t\t[ mtu MTU ]\n"
    "\t\t[ netns { PID | NAME } ]\n"
    "\t\t[ link-netns NAME | link-netnsid ID ]\n"
    "\t\t[ alias NAME ]\n"
    "\t\t[ vf NUM [ mac LLADDR ]\n"
    "\t\t\t [ vlan VLANID [ qos VLAN-QOS ] [ proto VLAN-PROTO ] ]\n"
    "\t\t\t [ rate TXRATE ]\n"
    "\t\t\t [ max_tx_rate TXRATE ]\n"
    "\t\t\t [ min_tx_rate TXRATE ]\n"
    "\t\t\t [ spoofchk { on | off} ]\n"
    "\t\t\t [ query_rss { on | off} ]\n"
    "\t\t\t [ state { auto | enable | disable} ]\n"
    "\t\t\t [ trust { on | off} ]\n"
    "\t\t\t [ node_guid EUI64 ]\n"
    "\t\t\t [ port_guid EUI64 ] ]\n"
    "\t\t[ { xdp | xdpgeneric | xdpdrv | xdpoffload } { off |\n"
    "\t\t\t  object FILE [ { section | program } NAME ] [ verbose ] |\n"
    "\t\t\t  pinned FILE } ]\n"
    "\t\t[ master DEVICE ][ vrf NAME ]\n"
    "\t\t[ nomaster ]\n"
    "\t\t[ addrgenmode { eui64 | none | stable_secret | random } ]\n"
    "\t\t[ protodown { on | off } ]\n"
    "\t\t[ protodown_reason PREASON { on | off } ]\n"
    "\t\t[ gso_max_size BYTES ] | [ gso_max_segs PACKETS ]\n"
    "\t\t[ gro_max_size BYTES ]\n"
    "\n"
    "\tip link show [ DEVICE | group GROUP ] [up] [master DEV] [vrf NAME] [type TYPE]\n"
    "\t\t[nomaster]\n"
    "\n"
    "\tip link xstats type TYPE [ ARGS ]\n"
    "\n"
    "\tip link afstats [ dev DEVICE ]\n"
    "\tip link property add dev DEVICE [ altname NAME .. ]\n"
    "\tip link property del dev DEVICE [ altname NAME .. ]\n"
    "\n"
    "\tip link help [ TYPE ]\n"
    "\n"
    "TYPE := { amt | bareudp | bond | bond_slave | bridge | bridge_slave |\n"
    "          dsa | dummy | erspan | geneve | gre | gretap | gtp | ifb |\n"
    "          ip6erspan | ip6gre | ip6gretap | ip6tnl |\n"
    "          ipip | ipoib | ipvlan | ipvtap |\n"
    "          macsec | macvlan | macvtap |\n"
    "          netdevsim | nlmon | rmnet | sit | team | team_slave |\n"
    "          vcan | veth | vlan | vrf | vti | vxcan | vxlan | wwan |\n"
    "          xfrm | virt_wifi }\n"
)

_FLAG_NAMES = (
    (IFF_LOOPBACK, "LOOPBACK"), (IFF_BROADCAST, "BROADCAST"), (IFF_POINTOPOINT, "POINTOPOINT"),
    (IFF_MULTICAST, "MULTICAST"), (IFF_NOARP, "NOARP"), (IFF_ALLMULTI, "ALLMULTI"),
    (IFF_PROMISC, "PROMISC"), (IFF_MASTER, "MASTER"), (IFF_SLAVE, "SLAVE"),
    (IFF_DEBUG, "DEBUG"), (IFF_DYNAMIC, "DYNAMIC"), (IFF_AUTOMEDIA, "AUTOMEDIA"),
    (IFF_PORTSEL, "PORTSEL"), (IFF_NOTRAILERS, "NOTRAILERS"), (IFF_UP, "UP"),
    (IFF_LOWER_UP, "LOWER_UP"), (IFF_DORMANT, "DORMANT"), (IFF_ECHO, "ECHO"),
)
OPERSTATE_NAMES = {
    IF_OPER_UNKNOWN: "UNKNOWN", IF_OPER_NOTPRESENT: "NOTPRESENT", IF_OPER_DOWN: "DOWN",
    IF_OPER_LOWERLAYERDOWN: "LOWERLAYERDOWN", IF_OPER_TESTING: "TESTING",
    IF_OPER_DORMANT: "DORMANT", IF_OPER_UP: "UP",
}
# `ip link set DEV FLAG on|off`: (IFF bit, set by "off") — iproute2 ip/iplink.c iplink_parse
_ONOFF_FLAGS = {
    "arp": (IFF_NOARP, True), "multicast": (IFF_MULTICAST, False),
    "allmulticast": (IFF_ALLMULTI, False), "promisc": (IFF_PROMISC, False),
    "dynamic": (IFF_DYNAMIC, False), "trailers": (IFF_NOTRAILERS, True),
}
# `-d` fields in print order: (text, JSON key, attribute). iproute2: ipaddress.c print_linkinfo
_DETAIL_ATTRS = (
    ("minmtu", "min_mtu", IFLA_MIN_MTU), ("maxmtu", "max_mtu", IFLA_MAX_MTU),
    ("numtxqueues", "num_tx_queues", IFLA_NUM_TX_QUEUES),
    ("numrxqueues", "num_rx_queues", IFLA_NUM_RX_QUEUES),
    ("gso_max_size", "gso_max_size", IFLA_GSO_MAX_SIZE),
    ("gso_max_segs", "gso_max_segs", IFLA_GSO_MAX_SEGS),
    ("tso_max_size", "tso_max_size", IFLA_TSO_MAX_SIZE),
    ("tso_max_segs", "tso_max_segs", IFLA_TSO_MAX_SEGS),
    ("gro_max_size", "gro_max_size", IFLA_GRO_MAX_SIZE),
)
_LINKMODE_NAMES = {0: "DEFAULT", 1: "DORMANT", 2: "TESTING"}
_LL_TYPES = {1: "ether", 772: "loopback", 0xFFFE: "none", 0xFFFF: "void"}


def usage() -> ToolExit:
    return ToolExit(255, USAGE)


def print_link_flags(flags: int, mdown: bool) -> list[str]:
    """The <...> names in iproute2's order. iproute2: ip/ipaddress.c print_link_flags."""
    names = []
    if flags & IFF_UP and not flags & IFF_RUNNING:
        names.append("NO-CARRIER")
    flags &= ~IFF_RUNNING
    for bit, name in _FLAG_NAMES:
        if flags & bit:
            names.append(name)
            flags &= ~bit
    if flags:
        names.append(f"{flags:x}")
    if mdown:
        names.append("M-DOWN")
    return names


def _stats_lines(st: rtnl_link_stats64, level: int, carrier_changes: int) -> str:
    """print_link_stats64: RX/TX header and value rows, plus the error rows for -s -s."""
    rx = (st.rx_bytes, st.rx_packets, st.rx_errors, st.rx_dropped, st.rx_missed_errors,
          st.multicast)
    tx = (st.tx_bytes, st.tx_packets, st.tx_errors, st.tx_dropped, st.tx_carrier_errors,
          st.collisions)
    rxe = (st.rx_length_errors, st.rx_crc_errors, st.rx_frame_errors, st.rx_fifo_errors,
           st.rx_over_errors)
    txe = (st.tx_aborted_errors, st.tx_fifo_errors, st.tx_window_errors,
           st.tx_heartbeat_errors, carrier_changes)
    cols = [len("*X errors:"), len("packets"), len("errors"), len("dropped"), len("heartbt"),
            len("overrun"), len("compressed")]
    for i in range(6):
        cols[i] = max(cols[i], len(str(rx[i])), len(str(tx[i])))
    if level > 1:
        for i in range(5):
            cols[i + 1] = max(cols[i + 1], len(str(rxe[i])), len(str(txe[i])))
    out = []
    for tag, names, vals, etag, enames, evals in (
        ("RX:", ("bytes", "packets", "errors", "dropped", "missed", "mcast"), rx,
         "RX errors:", ("length", "crc", "frame", "fifo", "overrun"), rxe),
        ("TX:", ("bytes", "packets", "errors", "dropped", "carrier", "collsns"), tx,
         "TX errors:", ("aborted", "fifo", "window", "heartbt", "transns"), txe),
    ):
        out.append(f"    {tag} {names[0]:>{cols[0] - 4}}"
                   + "".join(f" {h:>{cols[i + 1]}}" for i, h in enumerate(names[1:]))
                   + " " + " " * cols[6] + "\n")
        out.append(f"    {vals[0]:>{cols[0]}}"
                   + "".join(f" {v:>{cols[i + 1]}}" for i, v in enumerate(vals[1:])) + " \n")
        if level > 1:
            out.append(f"    {etag}"
                       + "".join(f" {h:>{cols[i + 1]}}" for i, h in enumerate(enames)) + "\n")
            out.append(f"    {evals[0]:>{cols[0] + 1 + cols[1]}}"
                       + "".join(f" {v:>{cols[i + 2]}}" for i, v in enumerate(evals[1:]))
                       + " \n")
    return "".join(out)


def stats_text(ctx: IpCtx, at: dict[int, Any]) -> str:
    """The -s block of a link (no final newline)."""
    st: rtnl_link_stats64 = at[IFLA_STATS64]
    return _stats_lines(st, ctx.stats, int(at.get(IFLA_CARRIER_CHANGES, 0))).rstrip("\n")


def print_linkinfo(ctx: IpCtx, m: nlmsg, do_link: bool) -> dict[str, Any]:
    """Print one link (text) or return its JSON object. iproute2: ip/ipaddress.c
    print_linkinfo. In text mode the line ends without its final newline."""
    ifi: ifinfomsg = m.hdr
    at = m.attrs
    js: dict[str, Any] = {"ifindex": ifi.ifi_index}
    name = str(at.get(IFLA_IFNAME, ""))
    txt = [f"{ifi.ifi_index}: {name}"]
    mdown = False
    if IFLA_LINK in at:
        iflink = int(at[IFLA_LINK])
        if iflink == 0:
            txt.append("@NONE: ")
            js["link"] = None
        elif IFLA_LINK_NETNSID in at:
            txt.append(f"@if{iflink}: ")
            js["link_index"] = iflink
        else:
            txt.append(f"@{ctx.ifname(iflink)}: ")
            js["link"] = ctx.ifname(iflink)
            mdown = not ctx.ll_index_to_flags(iflink) & IFF_UP
    else:
        txt.append(": ")
    js["ifname"] = name
    flags = print_link_flags(ifi.ifi_flags, mdown)
    txt.append("<" + ",".join(flags) + "> ")
    js["flags"] = flags
    if IFLA_MTU in at:
        txt.append(f"mtu {at[IFLA_MTU]} ")
        js["mtu"] = at[IFLA_MTU]
    if IFLA_QDISC in at:
        txt.append(f"qdisc {at[IFLA_QDISC]} ")
        js["qdisc"] = at[IFLA_QDISC]
    if IFLA_MASTER in at:
        txt.append(f"master {ctx.ifname(at[IFLA_MASTER])} ")
        js["master"] = ctx.ifname(at[IFLA_MASTER])
    if IFLA_OPERSTATE in at:
        state = OPERSTATE_NAMES.get(at[IFLA_OPERSTATE], str(at[IFLA_OPERSTATE]))
        txt.append(f"state {state} ")
        js["operstate"] = state
    if do_link and IFLA_LINKMODE in at:
        mode = _LINKMODE_NAMES.get(at[IFLA_LINKMODE], "UNKNOWN")
        txt.append(f"mode {mode} ")
        js["linkmode"] = mode
    if IFLA_GROUP in at:
        group = "default" if at[IFLA_GROUP] == 0 else str(at[IFLA_GROUP])
        txt.append(f"group {group} ")
        js["group"] = group
    if IFLA_TXQLEN in at:
        txt.append(f"qlen {at[IFLA_TXQLEN]}")
        js["txqlen"] = at[IFLA_TXQLEN]
    if ctx.family != AF_UNSPEC and not ctx.details:
        js["_text"] = "".join(txt)
        return js
    ll = _LL_TYPES.get(ifi.ifi_type, f"[{ifi.ifi_type}]")
    txt.append(f"\n    link/{ll} ")
    js["link_type"] = ll
    if IFLA_ADDRESS in at:
        txt.append(ll_addr_n2a(at[IFLA_ADDRESS]))
        js["address"] = ll_addr_n2a(at[IFLA_ADDRESS])
    if IFLA_BROADCAST in at:
        key = "peer" if ifi.ifi_flags & IFF_POINTOPOINT else "brd"
        txt.append(f" {key} {ll_addr_n2a(at[IFLA_BROADCAST])}")
        js["link_pointtopoint" if key == "peer" else "broadcast"] = ll_addr_n2a(
            at[IFLA_BROADCAST])
    if IFLA_LINK_NETNSID in at:
        nsid = int(at[IFLA_LINK_NETNSID])
        js["link_netnsid"] = nsid
        peer_ns = ctx.name_from_nsid(nsid) if nsid >= 0 and not ctx.json else None
        if peer_ns is not None:
            txt.append(f" link-netns {peer_ns}")
        else:
            txt.append(f" link-netnsid {nsid if nsid >= 0 else 'unknown'}")
    if ctx.details:
        txt.append(f" promiscuity {at.get(IFLA_PROMISCUITY, 0)} ")
        js["promiscuity"] = at.get(IFLA_PROMISCUITY, 0)
        txt.append(f" allmulti {at.get(IFLA_ALLMULTI, 0)} ")
        js["allmulti"] = at.get(IFLA_ALLMULTI, 0)
        for text_key, json_key, attr in _DETAIL_ATTRS[:2]:
            if attr in at:
                txt.append(f"{text_key} {at[attr]} ")
                js[json_key] = at[attr]
        kind = (at.get(IFLA_LINKINFO) or {}).get(IFLA_INFO_KIND)
        if kind:
            txt.append(f"\n    {kind} ")
            js["linkinfo"] = {"info_kind": kind}
        for text_key, json_key, attr in _DETAIL_ATTRS[2:]:
            if attr in at:
                txt.append(f"{text_key} {at[attr]} ")
                js[json_key] = at[attr]
    if do_link and ctx.stats and IFLA_STATS64 in at:
        st: rtnl_link_stats64 = at[IFLA_STATS64]
        txt.append("\n" + stats_text(ctx, at))
        js["stats64"] = {
            "rx": {"bytes": st.rx_bytes, "packets": st.rx_packets, "errors": st.rx_errors,
                   "dropped": st.rx_dropped, "over_errors": st.rx_over_errors,
                   "multicast": st.multicast},
            "tx": {"bytes": st.tx_bytes, "packets": st.tx_packets, "errors": st.tx_errors,
                   "dropped": st.tx_dropped, "carrier_errors": st.tx_carrier_errors,
                   "collisions": st.collisions},
        }
    js["_text"] = "".join(txt)
    return js


def dump_links(ctx: IpCtx) -> list[nlmsg]:
    return ctx.dump(nlmsg(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, ifinfomsg(AF_UNSPEC), {}))


def link_filter(ctx: IpCtx, a: Args) -> tuple[int | None, bool, str | None]:
    """The `show` selectors: (ifindex or None, up only, kind). iproute2: ip/ipaddress.c
    ipaddr_list_flush_or_save (the part ip link and ip addr share)."""
    dev: str | None = None
    up = False
    kind: str | None = None
    while a:
        kw = a.cur
        if kw == "up":
            up = True
        elif kw == "type":
            kind = a.next_arg()
        elif kw in ("scope", "to", "label", "master", "vrf", "group"):
            a.next_arg()
        elif kw in ("dynamic", "permanent", "secondary", "primary", "tentative", "deprecated",
                    "dadfailed", "temporary", "noprefixroute", "home", "nodad"):
            pass
        else:
            if kw == "dev":
                kw = a.next_arg()
            elif matches(kw, "help"):
                raise usage()
            if dev is not None:
                raise duparg2("dev", kw)
            dev = kw
        a.advance()
    ifindex = None
    if dev is not None:
        d = ctx.dev_by_name(dev)
        if d is None:
            raise ToolExit(1, f'Device "{dev}" does not exist.\n')
        ifindex = int(d.ifindex)
    return ifindex, up, kind


def selected_links(ctx: IpCtx, a: Args) -> list[nlmsg]:
    """The links `show` prints: one device is asked for with RTM_GETLINK (which runs its
    pending link event first), all of them with a dump. iproute2: ip/ipaddress.c
    ipaddr_list_flush_or_save (iplink_get, ipaddr_link_get)."""
    ifindex, up, kind = link_filter(ctx, a)
    if ifindex is None:
        links = dump_links(ctx)
    else:
        req = nlmsg(RTM_GETLINK, NLM_F_REQUEST, ifinfomsg(AF_UNSPEC, ifi_index=ifindex), {})
        links = ctx.talk_checked(req).msgs
    out = []
    for m in links:
        if up and not m.hdr.ifi_flags & IFF_UP:
            continue
        if kind is not None and (m.attrs.get(IFLA_LINKINFO) or {}).get(IFLA_INFO_KIND) != kind:
            continue
        out.append(m)
    return out


def print_brief_link(ctx: IpCtx, m: nlmsg, addrs: list[str] | None) -> dict[str, Any]:
    """`-br`: one line per link. iproute2: ip/ipaddress.c print_linkinfo_brief."""
    at = m.attrs
    name = str(at.get(IFLA_IFNAME, ""))
    if at.get(IFLA_LINK):
        name += "@" + (f"if{at[IFLA_LINK]}" if IFLA_LINK_NETNSID in at
                       else ctx.ifname(at[IFLA_LINK]))
    state = OPERSTATE_NAMES.get(at.get(IFLA_OPERSTATE, 0), "UNKNOWN")
    js: dict[str, Any] = {"ifname": str(at.get(IFLA_IFNAME, "")), "operstate": state}
    txt = f"{name:<16} {state:<14} "
    if addrs is None:
        mac = ll_addr_n2a(at.get(IFLA_ADDRESS, b""))
        flags = print_link_flags(m.hdr.ifi_flags, False)
        txt += f"{mac} <{','.join(flags)}> "
        js["address"] = mac
        js["flags"] = flags
    else:
        txt += "".join(a + " " for a in addrs)
    js["_text"] = txt
    return js


def iplink_list(ctx: IpCtx, a: Args) -> None:
    for m in selected_links(ctx, a):
        js = print_brief_link(ctx, m, None) if ctx.brief else print_linkinfo(ctx, m, True)
        text = js.pop("_text")
        ctx.print_obj(text, js)
    if ctx.json:
        ctx.flush_json()


def _parse_link_args(ctx: IpCtx, a: Args, req: nlmsg, create: bool) -> str | None:
    """iproute2: ip/iplink.c iplink_parse. Fills `req`; returns the device name given."""
    ifi: ifinfomsg = req.hdr
    name: str | None = None
    while a:
        kw = a.cur
        if kw == "up":
            ifi.ifi_change |= IFF_UP
            ifi.ifi_flags |= IFF_UP
        elif kw == "down":
            ifi.ifi_change |= IFF_UP
            ifi.ifi_flags &= ~IFF_UP
        elif kw == "name":
            new = a.next_arg()
            if create:
                if name is not None:
                    raise duparg2("name", new)
                name = new
            req.attrs[IFLA_IFNAME] = new
        elif kw in _ONOFF_FLAGS:
            arg = a.next_arg()
            bit, inverted = _ONOFF_FLAGS[kw]
            if arg not in ("on", "off"):
                raise ToolExit(1, f'Error: argument of "{kw}" must be "on" or "off", '
                               f'not "{arg}"\n')
            ifi.ifi_change |= bit
            if (arg == "on") != inverted:
                ifi.ifi_flags |= bit
            else:
                ifi.ifi_flags &= ~bit
        elif kw == "link":
            req.attrs[IFLA_LINK] = ctx.ifindex(a.next_arg())
        elif matches(kw, "address"):
            arg = a.next_arg()
            lladdr = ll_addr_a2n(arg)
            if lladdr is None:
                raise ToolExit(1, f'"{arg}" is invalid lladdr.\n')
            req.attrs[IFLA_ADDRESS] = lladdr
        elif matches(kw, "broadcast") or kw == "brd":
            arg = a.next_arg()
            lladdr = ll_addr_a2n(arg)
            if lladdr is None:
                raise ToolExit(1, f'"{arg}" is invalid lladdr.\n')
            req.attrs[IFLA_BROADCAST] = lladdr
        elif matches(kw, "txqueuelen") or kw in ("qlen", "txqlen"):
            qlen = a.next_value(get_unsigned, "Invalid \"txqueuelen\" value\n")
            req.attrs[IFLA_TXQLEN] = qlen
        elif kw == "mtu":
            mtu = a.next_value(get_unsigned, "Invalid \"mtu\" value\n")
            req.attrs[IFLA_MTU] = mtu
        elif kw == "netns":
            arg = a.next_arg()
            target = netns.netns_get_fd(ctx, arg)
            pid = get_integer(arg)
            if target is not None:
                req.attrs[IFLA_NET_NS_FD] = target
            elif pid is not None:
                req.attrs[IFLA_NET_NS_PID] = pid
            else:
                raise invarg("Invalid \"netns\" value\n", arg)
        elif kw == "type":
            kind = a.next_arg()
            info: dict[int, Any] = {IFLA_INFO_KIND: kind}
            a.advance()
            if kind == "veth" and a:
                if a.cur != "peer":
                    raise ToolExit(255, f'Garbage instead of arguments "{a.cur} ...". '
                                   'Try "ip link help".\n')
                a.advance()
                peer = nlmsg(RTM_NEWLINK, 0, ifinfomsg(AF_UNSPEC), {})
                _parse_link_args(ctx, a, peer, True)
                info[IFLA_INFO_DATA] = {VETH_INFO_PEER: (peer.hdr, peer.attrs)}
            elif a:
                raise ToolExit(255, f'Garbage instead of arguments "{a.cur} ...". '
                               'Try "ip link help".\n')
            req.attrs[IFLA_LINKINFO] = info
            break
        else:
            if kw == "dev":
                kw = a.next_arg()
            elif matches(kw, "help"):
                raise usage()
            if name is not None:
                raise duparg2("dev", kw)
            name = kw
            if create:
                req.attrs[IFLA_IFNAME] = kw
        a.advance()
    return name


def iplink_modify(ctx: IpCtx, cmd: int, flags: int, a: Args) -> None:
    """iproute2: ip/iplink.c iplink_modify."""
    req = nlmsg(cmd, NLM_F_REQUEST | flags, ifinfomsg(AF_UNSPEC), {})
    create = bool(flags & NLM_F_CREATE)
    name = _parse_link_args(ctx, a, req, create)
    if create:
        if IFLA_LINKINFO not in req.attrs:
            raise ToolExit(1, 'Not enough information: "type" argument is required\n')
    else:
        if name is None:
            raise ToolExit(255, 'Not enough information: "dev" argument is required.\n')
        req.hdr.ifi_index = ctx.ifindex(name)
    ctx.talk_checked(req)


def do_iplink(ctx: IpCtx, argv: list[str]) -> None:
    """iproute2: ip/iplink.c do_iplink."""
    a = Args(argv)
    if not a:
        iplink_list(ctx, a)
        return
    cmd = a.cur
    a.advance()
    if matches(cmd, "add"):
        iplink_modify(ctx, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, a)
    elif matches(cmd, "set") or matches(cmd, "change"):
        iplink_modify(ctx, RTM_NEWLINK, 0, a)
    elif matches(cmd, "delete"):
        iplink_modify(ctx, RTM_DELLINK, 0, a)
    elif matches(cmd, "show") or matches(cmd, "lst") or matches(cmd, "list"):
        iplink_list(ctx, a)
    elif matches(cmd, "help"):
        raise usage()
    else:
        raise ToolExit(255, f'Command "{cmd}" is unknown, try "ip link help".\n')

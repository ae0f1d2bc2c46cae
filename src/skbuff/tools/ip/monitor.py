"""`ip monitor`: subscribe to rtnetlink multicast groups and print each notification as
iproute2 6.1 does.

iproute2: ip/ipmonitor.c (do_ipmonitor, accept_msg, print_headers), lib/utils.c
print_timestamp, lib/ll_map.c (the interface-name cache), and the object printers it shares
with `ip link/addr/route/neigh/rule/netconf/netns`.

How it runs: `ipmonitor_start` subscribes (rtnl_listen) in the namespace `ip` runs in; every
notification is formatted at once, in the kernel's context, and queued as text. `ip monitor …
&` in a script is a World job (its text prints after each later line, and it is stopped when
the script ends); in the foreground a script gives it FOREGROUND_NS of simulated time, `skbuff
shell` runs it until Ctrl-C (World.foreground). `World.monitor(...)` hands the queue to Python.

`ip monitor file FILE` reads a recording (rtmon's, real or skbuff's: skbuff.uapi.rtnl_wire
decodes it) and prints every message through the same printers, whatever OBJECTS say, with
"Timestamp: … us" for rtmon's stamp records; it runs to completion at once.

iproute2 6.1 prints the header (timestamp, `[LABEL]`) before the printer applies the `dev`
filter, so a filtered event leaves its header behind (fixed upstream in 6.11); each printer
ends with fflush, so those headers appear in front of the next printed event, and are lost if
the monitor is stopped first. Both are kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from skbuff.net.core import net_namespace, rtnetlink
from skbuff.net.core.dev import dev_get_flags
from skbuff.tools.common import FOREGROUND_NS, ToolExit
from skbuff.tools.ip import addr, ipnetconf, link, neigh, netns, nexthop, route, rule
from skbuff.tools.ip.utils import IpCtx, invarg, matches
from skbuff.uapi import rtnl_wire
from skbuff.uapi.if_addr import ifaddrmsg
from skbuff.uapi.if_link import IFLA_IFNAME, IFLA_TXQLEN
from skbuff.uapi.net_namespace import NETNSA_NSID
from skbuff.uapi.rtnetlink import (
    AF_UNSPEC,
    NLMSG_DONE,
    NLMSG_ERROR,
    NLMSG_NOOP,
    RTM_DELADDR,
    RTM_DELLINK,
    RTM_DELNEIGH,
    RTM_DELNETCONF,
    RTM_DELNEXTHOP,
    RTM_DELNEXTHOPBUCKET,
    RTM_DELNSID,
    RTM_DELROUTE,
    RTM_DELRULE,
    RTM_F_CLONED,
    RTM_GETNEIGH,
    RTM_NEWADDR,
    RTM_NEWLINK,
    RTM_NEWNEIGH,
    RTM_NEWNETCONF,
    RTM_NEWNEXTHOP,
    RTM_NEWNEXTHOPBUCKET,
    RTM_NEWNSID,
    RTM_NEWROUTE,
    RTM_NEWRULE,
    RTNLGRP_IPV4_IFADDR,
    RTNLGRP_IPV4_NETCONF,
    RTNLGRP_IPV4_ROUTE,
    RTNLGRP_IPV4_RULE,
    RTNLGRP_LINK,
    RTNLGRP_NEIGH,
    RTNLGRP_NEXTHOP,
    RTNLGRP_NSID,
    nlmsg,
)
from skbuff.uapi.rtnl_wire import NLMSG_TSTAMP

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net

USAGE = (
    "Usage: ip monitor [ all | OBJECTS ] [ FILE ] [ label ] [ all-nsid ]\n"
    "                  [ dev DEVICE ]\n"
    "OBJECTS :=  address | link | mroute | neigh | netconf |\n"
    "            nexthop | nsid | prefix | route | rule | stats\n"
    "FILE := file FILENAME\n"
)


# ipmonitor.c IPMON_L* bits, by the keyword that sets them (matched in this order).
_OBJECT_BITS = (
    ("link", 1 << 0), ("address", 1 << 1), ("route", 1 << 2), ("mroute", 1 << 3),
    ("prefix", 1 << 4), ("neigh", 1 << 5), ("netconf", 1 << 6), ("rule", 1 << 8),
    ("nsid", 1 << 9), ("nexthop", 1 << 10),
)
IPMON_LSTATS = 1 << 7
IPMON_L_ALL = 0xFFFFFFFF

# The IPv4 groups each object subscribes (mroute/prefix/stats have no IPv4 source in
# skbuff: nothing is ever sent to them).
_GROUPS = (
    (1 << 0, RTNLGRP_LINK), (1 << 1, RTNLGRP_IPV4_IFADDR), (1 << 2, RTNLGRP_IPV4_ROUTE),
    (1 << 5, RTNLGRP_NEIGH), (1 << 6, RTNLGRP_IPV4_NETCONF), (1 << 8, RTNLGRP_IPV4_RULE),
    (1 << 9, RTNLGRP_NSID), (1 << 10, RTNLGRP_NEXTHOP),
)


def print_timestamp(ns: int, short: bool) -> str:
    """`-t`: "Timestamp: <asctime> N usec" on its own line; `-ts`: "[YYYY-MM-DDTHH:MM:SS.uuuuuu] ".
    The clock is the simulated one, as seconds since the epoch in UTC.

    iproute2: lib/utils.c print_timestamp.
    """
    sec, usec = divmod(ns // 1000, 1_000_000)
    tm = time.gmtime(sec)
    if short:
        return f"[{time.strftime('%Y-%m-%dT%H:%M:%S', tm)}.{usec:06d}] "
    return f"Timestamp: {time.asctime(tm)} {usec} usec\n"


@dataclass
class MonitorCtx(IpCtx):
    """The `ip` context of a monitor: names come from iproute2's ll_map cache, filled at start
    and from link notifications (lib/ll_map.c ll_init_map, ll_remember_index)."""

    ll_map: dict[int, str] = field(default_factory=dict)
    ll_flags: dict[int, int] = field(default_factory=dict)  # the cache's ifi_flags
    # ip/ipnetns.c's netns_map (nsid → /run/netns name), filled when the monitor starts and
    # kept up by print_nsid: a link's "link-netns NAME" reads it, not the current ids.
    netns_map: dict[int, str] = field(default_factory=dict)

    def name_from_nsid(self, nsid: int) -> str | None:
        """get_name_from_nsid after netns_map_init: the cache only."""
        return self.netns_map.get(nsid)

    def ifname(self, ifindex: int) -> str:
        """ll_index_to_name: the cached name, else ask the kernel (and cache), else "if%d"."""
        if ifindex == 0:
            return "*"
        name = self.ll_map.get(ifindex)
        if name is None:
            dev = self.net.dev_index_head.get(ifindex)
            if dev is None:
                return f"if{ifindex}"
            name = self.ll_map[ifindex] = str(dev.name)
            self.ll_flags[ifindex] = dev_get_flags(dev)
        return name

    def ll_index_to_flags(self, ifindex: int) -> int:
        """The cached flags; -1 (every bit) for an index not in the cache."""
        if ifindex == 0:
            return 0
        return self.ll_flags.get(ifindex, -1)

    def ll_remember_index(self, m: nlmsg) -> None:
        """A link message updates the cache: its flags, and the name of a new index. A known
        index keeps its first name: 6.1's ll_entry_update rehashes a renamed entry without
        copying the new name."""
        index = m.hdr.ifi_index
        if m.type == RTM_DELLINK:
            self.ll_map.pop(index, None)
            self.ll_flags.pop(index, None)
        elif IFLA_IFNAME in m.attrs:
            self.ll_map.setdefault(index, str(m.attrs[IFLA_IFNAME]))
            self.ll_flags[index] = m.hdr.ifi_flags


class ipmonitor:
    """One running `ip monitor`: subscribed to its groups in `ctx.net` until `stop()`.

    `events` holds each notification's text as printed (header included), oldest first; a
    World job drains it with `poll`. Formatting runs inside the notifier (the kernel's
    context), reading only the message and the monitor's own caches. ip sets no signal
    handler: any fatal signal ends it, and each event it printed was already flushed.
    """

    caught_signals: frozenset[int] = frozenset()

    def __init__(self, ctx: MonitorCtx, lmask: int, banner: bool, ifindex: int,
                 all_nsid: bool = False) -> None:
        self.ctx = ctx
        self.net: Net = ctx.net
        self.banner = banner
        self.all_nsid = all_nsid
        self.ifindex = ifindex
        self.events: list[str] = []
        self.errors: list[str] = []  # stderr lines (an unknown message in a file)
        # Headers of filtered events: stdio keeps them until the next printer's fflush (and
        # they are lost if ip is killed first).
        self.unflushed = ""
        self.groups = [g for bit, g in _GROUPS if lmask & bit]
        self.running = False
        # netns_map_init: the names of the namespaces this one already has ids for.
        ctx.netns_map = {}
        for name in ctx.world.netns_names():
            nsid = netns.get_netnsid_from_name(ctx, name)
            if nsid >= 0:
                ctx.netns_map[nsid] = name

    def start(self) -> None:
        """Fill the link cache and subscribe. iproute2: ip/ipmonitor.c do_ipmonitor (rtnl_open,
        ll_init_map, rtnl_listen)."""
        self.running = True
        devs = self.net.dev_index_head.items()
        self.ctx.ll_map = {i: str(d.name) for i, d in devs}
        self.ctx.ll_flags = {i: dev_get_flags(d) for i, d in devs}
        all_nsid = self.all_nsid
        for group in self.groups:
            rtnetlink.rtnl_listen(self.net, group, self.accept_msg)
            if all_nsid:
                rtnetlink.rtnl_listen_all_nsid(self.net, group, self.accept_msg)

    def headers(self, label: str, net: Net) -> str:
        """iproute2: ip/ipmonitor.c print_headers; with all-nsid, "[nsid N]" for a message
        from the namespace this one calls N (the kernel's cmsg), "[nsid current]" for its own."""
        text = ""
        if self.ctx.timestamp:
            text = print_timestamp(self.net.kernel.now_ns, self.ctx.tshort)
        if self.all_nsid:
            nsid = -1 if net is self.net else net_namespace.peernet2id(self.net, net)
            text += "[nsid current]" if nsid < 0 else f"[nsid {nsid}]"
        return text + (label if self.banner else "")

    def accept_msg(self, net: Net, group: int, m: nlmsg) -> None:
        """Format one notification. iproute2: ip/ipmonitor.c accept_msg."""
        t = m.type
        printer: Callable[[nlmsg], str]
        if t in (RTM_NEWROUTE, RTM_DELROUTE):
            if m.hdr.flags & RTM_F_CLONED:
                return
            label, printer = "[ROUTE]", self.print_route
        elif t in (RTM_NEWLINK, RTM_DELLINK):
            self.ctx.ll_remember_index(m)
            label, printer = "[LINK]", self.print_linkinfo
        elif t in (RTM_NEWADDR, RTM_DELADDR):
            label, printer = "[ADDR]", self.print_addrinfo
        elif t in (RTM_NEWNEIGH, RTM_DELNEIGH, RTM_GETNEIGH):
            if self.ctx.family != AF_UNSPEC and m.hdr.family != self.ctx.family:
                return
            label, printer = "[NEIGH]", self.print_neigh
        elif t in (RTM_NEWRULE, RTM_DELRULE):
            label, printer = "[RULE]", self.print_rule
        elif t in (RTM_NEWNETCONF, RTM_DELNETCONF):
            label, printer = "[NETCONF]", self.print_netconf
        elif t in (RTM_NEWNSID, RTM_DELNSID):
            label, printer = "[NSID]", self.print_nsid
        elif t in (RTM_NEWNEXTHOP, RTM_DELNEXTHOP):
            label, printer = "[NEXTHOP]", self.print_nexthop
        elif t in (RTM_NEWNEXTHOPBUCKET, RTM_DELNEXTHOPBUCKET):
            label, printer = "[NEXTHOPBUCKET]", self.print_nexthop_bucket
        elif t == NLMSG_TSTAMP:  # printed without fflush, like a filtered event's header
            self.unflushed += print_nlmsg_timestamp(m.hdr)
            return
        elif t not in (NLMSG_ERROR, NLMSG_NOOP, NLMSG_DONE):
            self.errors.append(_unknown_message(m))
            return
        else:
            return
        head = self.headers(label, net)
        body = printer(m)
        if body:
            self.events.append(self.unflushed + head + body)
            self.unflushed = ""
        else:
            self.unflushed += head

    def _line(self, body: str) -> str:
        """One object's text and its newline (`-o` folds its inner lines with a backslash)."""
        return (body.replace("\n", "\\") if self.ctx.oneline else body) + "\n"

    def print_route(self, m: nlmsg) -> str:
        """iproute2: ip/iproute.c print_route with iproute_reset_filter(ifindex)."""
        f = route.RouteFilter(tb=0, oif=self.ifindex or None)
        if not route.filter_route(f, m):
            return ""
        out = self.ctx.out
        start = len(out.out)
        route.print_route(self.ctx, m, f)
        text = "".join(out.out[start:])
        del out.out[start:]
        return ("Deleted " if m.type == RTM_DELROUTE else "") + text

    def print_linkinfo(self, m: nlmsg) -> str:
        """iproute2: ip/ipaddress.c print_linkinfo (monitor: no qlen, as filter.showqueue is
        off; no mode, as do_link is off; the link/ line whatever the family)."""
        if self.ifindex and m.hdr.ifi_index != self.ifindex:
            return ""
        ctx = replace(self.ctx, family=AF_UNSPEC)
        shown = nlmsg(m.type, m.flags, m.hdr,
                      {k: v for k, v in m.attrs.items() if k != IFLA_TXQLEN})
        text = str(link.print_linkinfo(ctx, shown, False)["_text"])
        return ("Deleted " if m.type == RTM_DELLINK else "") + self._line(text)

    def print_addrinfo(self, m: nlmsg) -> str:
        """iproute2: ip/ipaddress.c print_addrinfo (monitor: oneline filter, "N: dev" first)."""
        ifa: ifaddrmsg = m.hdr
        if self.ifindex and ifa.index != self.ifindex:
            return ""
        text, _ = addr.print_addrinfo(m)
        deleted = "Deleted " if m.type == RTM_DELADDR else ""
        return deleted + self._line(f"{ifa.index}: {self.ctx.ifname(ifa.index)}{text}")

    def print_neigh(self, m: nlmsg) -> str:
        """iproute2: ip/ipneigh.c print_neigh ("miss" for an application probe)."""
        if self.ifindex and m.hdr.ifindex != self.ifindex:
            return ""
        text, _ = neigh.print_neigh(self.ctx, m, bool(self.ifindex))
        prefix = {RTM_DELNEIGH: "Deleted ", RTM_GETNEIGH: "miss "}.get(m.type, "")
        return prefix + text + "\n"

    def print_rule(self, m: nlmsg) -> str:
        """iproute2: ip/iprule.c print_rule."""
        text, _ = rule.print_rule(self.ctx, m)
        return ("Deleted " if m.type == RTM_DELRULE else "") + text + "\n"

    def print_netconf(self, m: nlmsg) -> str:
        """iproute2: ip/ipnetconf.c print_netconf with ipnetconf_reset_filter(ifindex)."""
        if self.ifindex and ipnetconf.netconf_ifindex(m) != self.ifindex:
            return ""
        return ipnetconf.print_netconf(self.ctx, m)[0] + "\n"

    def print_nsid(self, m: nlmsg) -> str:
        """iproute2: ip/ipnetns.c print_nsid (names from the netns_map cache)."""
        nsid = int(m.attrs[NETNSA_NSID])
        text = "Deleted " if m.type == RTM_DELNSID else ""
        text += "nsid unassigned " if nsid < 0 else f"nsid {nsid} "
        name = self.ctx.netns_map.pop(nsid, None)
        if name is None and m.type == RTM_NEWNSID:
            name = netns.get_name_from_nsid(self.ctx, nsid)
            if name is not None:
                self.ctx.netns_map[nsid] = name
        if name is not None:
            text += f"(iproute2 netns name: {name})"
        return text + "\n"

    def print_nexthop(self, m: nlmsg) -> str:
        """iproute2: ip/ipnexthop.c print_cache_nexthop (no `dev` filter)."""
        text, _ = nexthop.print_nexthop_entry(self.ctx, m, m.type == RTM_DELNEXTHOP)
        return text + "\n"

    def print_nexthop_bucket(self, m: nlmsg) -> str:
        """iproute2: ip/ipnexthop.c print_nexthop_bucket."""
        return nexthop.print_nexthop_bucket(m)[0] + "\n"

    def poll(self) -> tuple[str, str, bool]:
        """The text of the events since the last poll; a monitor never ends by itself."""
        text, err = "".join(self.events), "".join(self.errors)
        self.events.clear()
        self.errors.clear()
        return text, err, not self.running

    def wait(self) -> None:
        """bash's `wait` on a monitor: it would wait forever; it gets FOREGROUND_NS."""
        self.net.kernel.run_for(FOREGROUND_NS)

    def stop(self) -> tuple[str, str]:
        """Interrupted (^C, the script's end): unsubscribe; the text of the events not yet
        polled (`events` keeps them, for Python callers). Stopping twice prints nothing."""
        if not self.running:
            return "", ""
        self.running = False
        for group in self.groups:
            rtnetlink.rtnl_unlisten(self.net, group, self.accept_msg)
            if self.all_nsid:
                rtnetlink.rtnl_unlisten_all_nsid(self.net, group, self.accept_msg)
        return "".join(self.events), ""

    def replay(self, data: bytes) -> None:
        """`ip monitor file FILE`: print each message of a recording (rtmon's, or this
        monitor's wire form) as it would have been printed live, whatever OBJECTS say; the
        link cache starts empty (ll_init_map is not called), so names come from the file's
        link messages or the namespace ip runs in. Text goes to `ctx.out` as it is made; a
        truncated or malformed message ends the replay with status 1 after the messages
        before it. iproute2: ip/ipmonitor.c do_ipmonitor, lib/libnetlink.c rtnl_from_file."""
        out = self.ctx.out
        try:
            for m in rtnl_wire.messages_from_file(data):
                self.accept_msg(self.net, 0, m)
                text, err, _ = self.poll()
                out.write(text)
                out.ewrite(err)
        except rtnl_wire.WireError as e:
            raise ToolExit(1, e.text) from None
        finally:
            out.write(self.unflushed)  # stdio's buffer, written at exit


def print_nlmsg_timestamp(ts: rtnl_wire.tstamp) -> str:
    """rtmon's stamp record: "Timestamp: <asctime> N us" (the simulated clock is UTC).

    iproute2: lib/utils.c print_nlmsg_timestamp."""
    return f"Timestamp: {time.asctime(time.gmtime(ts.sec))} {ts.usec} us\n"


def _unknown_message(m: nlmsg) -> str:
    """ip monitor's complaint about a type it has no printer for. iproute2: ip/ipmonitor.c
    accept_msg (default)."""
    length = len(rtnl_wire.encode(m))
    return (f"Unknown message: type=0x{m.type:08x}({m.type}) flags=0x{m.flags:08x}({m.flags}) "
            f"len=0x{length:08x}({length})\n")


def _read_file(path: str) -> bytes:
    """fopen(FILE, "r") and read it; iproute2 exits -1 with perror's text when it cannot."""
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as e:
        raise ToolExit(255, f"Cannot fopen: {e.strerror}\n") from None


def ipmonitor_start(ctx: IpCtx, argv: list[str]) -> ipmonitor | None:
    """Parse `ip monitor ARGS` and subscribe; with `file FILE`, print the recording to
    `ctx.out` instead and return None. iproute2: ip/ipmonitor.c do_ipmonitor."""
    lmask = 0
    file: str | None = None
    banner = False
    all_nsid = False
    ifindex = 0
    i = 0
    while i < len(argv):
        arg = argv[i]
        bit = next((b for name, b in _OBJECT_BITS if matches(arg, name)), None)
        if matches(arg, "file"):
            i += 1
            if i >= len(argv):
                raise ToolExit(255, 'Command line is not complete. Try option "help"\n')
            file = argv[i]
        elif matches(arg, "label"):
            banner = True
        elif bit is not None:
            lmask |= bit
        elif arg == "stats":
            lmask |= IPMON_LSTATS
        elif arg == "all":
            banner = True
        elif matches(arg, "all-nsid"):
            all_nsid = True
        elif matches(arg, "help"):
            raise ToolExit(255, USAGE)
        elif arg == "dev":
            i += 1
            if i >= len(argv):
                raise ToolExit(255, 'Command line is not complete. Try option "help"\n')
            dev = ctx.dev_by_name(argv[i])
            if dev is None:
                raise invarg("Device does not exist\n", argv[i])
            ifindex = int(dev.ifindex)
        else:
            raise ToolExit(255, f'Argument "{arg}" is unknown, try "ip monitor help".\n')
        i += 1
    mctx = MonitorCtx(world=ctx.world, net=ctx.net, out=ctx.out, stats=ctx.stats,
                      details=ctx.details, oneline=ctx.oneline, family=ctx.family,
                      timestamp=ctx.timestamp, tshort=ctx.tshort)
    mon = ipmonitor(mctx, lmask or IPMON_L_ALL, banner, ifindex, all_nsid)
    if file is not None:
        mon.replay(_read_file(file))
        return None
    mon.start()
    return mon


def do_ipmonitor(ctx: IpCtx, argv: list[str]) -> None:
    """`ip monitor` in the foreground: until Ctrl-C in `skbuff shell` (World.foreground), for
    FOREGROUND_NS of simulated time in a script (then interrupted)."""
    mon = ipmonitor_start(ctx, argv)
    if mon is None:
        return
    run = ctx.world.foreground
    if run is not None:
        run(mon)
        return
    mon.wait()
    text, _ = mon.stop()
    ctx.out.write(text)

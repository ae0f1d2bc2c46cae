"""`rtmon`: record rtnetlink messages to a file, as iproute2 6.1's rtmon does.

iproute2: ip/rtmon.c (main, write_stamp, dump_msg), lib/libnetlink.c (rtnl_open,
rtnl_linkdump_req, rtnl_dump_filter, rtnl_listen).

What it writes (skbuff.uapi.rtnl_wire gives the bytes): a time stamp record (NLMSG_TSTAMP),
the reply to an RTM_GETLINK dump of every link (no stamps between them, no NLMSG_DONE), then
for every notification a stamp and the message, flushed at once. rtmon binds with the legacy
32-bit group mask: `all` (the default) is groups 1 to 32, every rtnetlink group skbuff has
(RTNLGRP_NEXTHOP is 32); `link`, `address`, `route` select theirs (`-family`/-4 narrows the
last two). The clock of the stamps is the simulated one, as seconds since the epoch.

It runs until killed: `rtmon file F &` in a script is a World job (stopped by `kill` or at the
script's end; it prints nothing); in the foreground a script gives it FOREGROUND_NS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO

from skbuff.net.core import rtnetlink
from skbuff.tools.common import FOREGROUND_NS, Result, ToolExit
from skbuff.tools.ip.utils import matches
from skbuff.uapi import rtnl_wire
from skbuff.uapi.if_link import IFLA_EXT_MASK
from skbuff.uapi.rtnetlink import (
    AF_INET,
    AF_INET6,
    AF_PACKET,
    AF_UNSPEC,
    NLM_F_DUMP,
    NLM_F_REQUEST,
    RTEXT_FILTER_VF,
    RTM_GETLINK,
    RTNLGRP_IPV4_IFADDR,
    RTNLGRP_IPV4_ROUTE,
    RTNLGRP_LINK,
    ifinfomsg,
    nlmsg,
)

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.sim.world import World

USAGE = ("Usage: rtmon [ OPTIONS ] file FILE [ all | LISTofOBJECTS ]\n"
         "OPTIONS := { -f[amily] { inet | inet6 | link | help } |\n"
         "             -4 | -6 | -0 | -V[ersion] }\n"
         "LISTofOBJECTS := [ link ] [ address ] [ route ]\n")
VERSION = "rtmon utility, iproute2-6.1.0\n"
ALL_GROUPS = 0xFFFFFFFF


def nl_mgrp(group: int) -> int:
    """The legacy bind mask bit of `group` (1..32). iproute2: include/libnetlink.h nl_mgrp."""
    return 1 << (group - 1)


class rtmon:
    """One running rtmon: subscribed in `net` to the groups of `groups`, appending each
    notification to `fp` (which it owns and closes when stopped)."""

    caught_signals: frozenset[int] = frozenset()

    def __init__(self, net: Net, fp: BinaryIO, groups: int) -> None:
        self.net = net
        self.fp = fp
        self.groups = [g for g in range(1, 33) if groups & nl_mgrp(g)]
        self.running = True

    def write(self, m: nlmsg) -> None:
        """dump_msg: the message as the kernel sent it, flushed."""
        self.fp.write(rtnl_wire.encode(m))
        self.fp.flush()

    def stamp(self) -> None:
        """write_stamp: gettimeofday as an NLMSG_TSTAMP record."""
        self.fp.write(rtnl_wire.encode(rtnl_wire.nlmsg_tstamp(self.net.kernel.now_ns)))

    def start(self) -> None:
        """rtnl_open (bind to the groups), the stamp, the link dump, then listen. Runs in
        process context."""
        for group in self.groups:
            rtnetlink.rtnl_listen(self.net, group, self.notify)
        req = nlmsg(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, ifinfomsg(AF_UNSPEC),
                    {IFLA_EXT_MASK: RTEXT_FILTER_VF})
        reply = rtnetlink.rtnetlink_rcv_msg(self.net, req)
        self.stamp()
        for m in reply.msgs:
            self.write(m)

    def notify(self, net: Net, group: int, m: nlmsg) -> None:
        """A multicast message (kernel context): a stamp, then the message."""
        self.stamp()
        self.write(m)

    def poll(self) -> tuple[str, str, bool]:
        """rtmon prints nothing and never ends by itself."""
        return "", "", not self.running

    def wait(self) -> None:
        """bash's `wait` on rtmon would wait forever; it gets FOREGROUND_NS."""
        self.net.kernel.run_for(FOREGROUND_NS)

    def stop(self) -> tuple[str, str]:
        """Killed: unsubscribe and close the file (every record was already flushed)."""
        if self.running:
            self.running = False
            for group in self.groups:
                rtnetlink.rtnl_unlisten(self.net, group, self.notify)
            self.fp.close()
        return "", ""


def _parse(argv: list[str]) -> tuple[str, int]:
    """(FILE, group mask) from the command line; ToolExit with rtmon's texts (exit(-1) is
    status 255; -Version prints and exits 0). iproute2: ip/rtmon.c main."""
    family = AF_UNSPEC
    groups = ALL_GROUPS
    llink = laddr = lroute = False
    file: str | None = None
    args = iter(argv)
    for arg in args:
        if matches(arg, "-family"):
            name = next(args, None)
            if name is None or name == "help":
                raise ToolExit(255, USAGE)
            fam = {"inet": AF_INET, "inet6": AF_INET6, "link": AF_INET6}.get(name)
            if fam is None:
                raise ToolExit(255, f'Protocol ID "{name}" is unknown, try "rtmon help".\n')
            family = fam
        elif arg in ("-4", "-6", "-0"):
            family = {"-4": AF_INET, "-6": AF_INET6, "-0": AF_PACKET}[arg]
        elif matches(arg, "-Version"):
            raise ToolExit(0, VERSION)
        elif matches(arg, "file"):
            file = next(args, None)
            if file is None:
                raise ToolExit(255, USAGE)
        elif matches(arg, "link"):
            llink, groups = True, 0
        elif matches(arg, "address"):
            laddr, groups = True, 0
        elif matches(arg, "route"):
            lroute, groups = True, 0
        elif arg == "all":
            groups = ALL_GROUPS
        elif matches(arg, "help"):
            raise ToolExit(255, USAGE)
        else:
            raise ToolExit(255, f'Argument "{arg}" is unknown, try "rtmon help".\n')
    if file is None:
        raise ToolExit(255, 'Not enough information: argument "file" is required\n')
    if llink:
        groups |= nl_mgrp(RTNLGRP_LINK)
    if laddr and family in (AF_UNSPEC, AF_INET):
        groups |= nl_mgrp(RTNLGRP_IPV4_IFADDR)
    if lroute and family in (AF_UNSPEC, AF_INET):
        groups |= nl_mgrp(RTNLGRP_IPV4_ROUTE)
    return file, groups


def _start(net: Net, argv: list[str]) -> rtmon:
    file, groups = _parse(argv)
    try:
        fp = open(file, "wb")  # noqa: SIM115 - owned by the rtmon, closed by stop()
    except OSError as e:
        raise ToolExit(255, f"Cannot fopen: {e.strerror}\n") from None
    mon = rtmon(net, fp, groups)
    mon.start()
    return mon


def background(world: World, net: Net, argv: list[str]) -> tuple[rtmon | None, Result]:
    """`rtmon … &`: the running recorder (a World job), or what a failed start printed."""
    try:
        return _start(net, argv), Result(0, "", "")
    except ToolExit as e:
        return None, Result(e.status, e.stderr if e.status == 0 else "",
                            "" if e.status == 0 else e.stderr)


def main(world: World, net: Net, argv: list[str]) -> Result:
    """Foreground rtmon: until Ctrl-C in `skbuff shell`, FOREGROUND_NS in a script."""
    mon, res = background(world, net, argv)
    if mon is None:
        return res
    run = world.foreground
    if run is not None:
        run(mon)
        return res
    mon.wait()
    mon.stop()
    return res

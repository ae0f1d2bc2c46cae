"""`ip route save`, `ip route restore`, `ip route showdump`: the route dump as raw netlink.

`save` writes iproute2's magic (route_dump_magic, host order) and then every selected
RTM_NEWROUTE message exactly as the kernel put it on the dump socket: struct nlmsghdr,
struct rtmsg, then the rtattrs in the kernel's order (fib_dump_info), 4-byte aligned, host
order except addresses. `restore` replays such a file three times over (routes to local
addresses first, then on-link networks, then those via gateways), sending each message back
as an RTM_NEWROUTE request; "File exists" is reported but not fatal. A file written by the
real `ip route save` restores here and vice versa; only nlmsg_seq and nlmsg_pid differ (the
dumping process's numbers: skbuff has neither a wall clock nor sockets, so both are 0).

Standard streams: the script runner gives a line's `> FILE` as `world.tool_state["stdout"]`
(a binary file) and its `< FILE` as `world.tool_state["stdin"]` (bytes); a line without them
has the terminal, which save and restore refuse as iproute2 does (isatty).

iproute2: ip/iproute.c (save_route, save_route_prep, iproute_restore, restore_handler,
route_dump_check_magic, iproute_showdump), lib/libnetlink.c rtnl_from_file; the bytes are
skbuff.uapi.rtnl_wire's.
"""

from __future__ import annotations

import errno
import struct
import sys
from collections.abc import Iterator
from typing import BinaryIO

from skbuff.tools.common import ToolExit
from skbuff.tools.ip import route
from skbuff.tools.ip.utils import Args, IpCtx, rtnl_error_text
from skbuff.uapi import rtnl_wire
from skbuff.uapi.rtnetlink import (
    AF_INET,
    NLM_F_ACK,
    NLM_F_CREATE,
    NLM_F_DUMP,
    NLM_F_REQUEST,
    RTA_DST,
    RTA_GATEWAY,
    RTA_OIF,
    RTA_PREFSRC,
    RTA_TABLE,
    RTM_GETROUTE,
    nlmsg,
    rtmsg,
)

route_dump_magic = 0x45311224
U32 = struct.Struct("=I")


def NLMSG_ALIGN(n: int) -> int:
    """Kernel: include/uapi/linux/netlink.h NLMSG_ALIGN (also RTA_ALIGN, RTNH_ALIGN)."""
    return (n + 3) & ~3


# --------------------------------------------------------------------------------------------
# The tool.


def _stdout(ctx: IpCtx) -> BinaryIO | None:
    """The binary file stdout is redirected to, None for the terminal."""
    out: BinaryIO | None = ctx.world.tool_state.get("stdout")
    return out


def iproute_save(ctx: IpCtx, a: Args) -> None:
    """`ip route save SELECTOR > FILE`: the magic, then each selected route of the dump
    (main table unless `table` says otherwise). The magic goes out before the selectors are
    parsed, as in iproute2. iproute2: ip/iproute.c save_route_prep, save_route,
    iproute_list_flush_or_save (IPROUTE_SAVE), iproute_dump_filter."""
    out = _stdout(ctx)
    if out is None:
        raise ToolExit(1, "Not sending a binary stream to stdout\n")
    out.write(U32.pack(route_dump_magic))
    f = route._parse_filter(ctx, a)
    req = nlmsg(RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP,
                rtmsg(family=AF_INET, protocol=f.protocol or 0), {})
    if f.tb:
        req.attrs[RTA_TABLE] = f.tb
    if f.oif is not None:
        req.attrs[RTA_OIF] = f.oif
    for m in ctx.dump(req):
        if route.filter_route(f, m):
            out.write(rtnl_wire.encode(m))


def route_dump_check_magic(ctx: IpCtx) -> tuple[bytes, bool]:
    """(the input after its magic, whether it is a seekable file): `< FILE` gives bytes, an
    `echo … |` pipe text. ToolExit(1) on a terminal or another magic (fread's element count
    and the bytes it did read, as iproute2 prints them).

    iproute2: ip/iproute.c route_dump_check_magic."""
    data = ctx.world.tool_state.pop("stdin", None)
    if data is None:
        raise ToolExit(1, "Can't restore route dump from a terminal\n")
    raw = data.encode() if isinstance(data, str) else bytes(data)
    head = raw[:4]
    magic = int.from_bytes(head, sys.byteorder)  # fread into a host-order __u32
    if len(head) < 4 or magic != route_dump_magic:
        raise ToolExit(1, f"Magic mismatch ({len(head) // 4} elems, {magic:x} magic)\n")
    return raw[4:], not isinstance(data, str)


def rtnl_from_file(data: bytes, start: int) -> Iterator[nlmsg]:
    """Each message in `data` (which begins at file offset `start`), in order; reaching a
    truncated or malformed one raises ToolExit(2) with iproute2's text, after the messages
    before it were handled. iproute2: lib/libnetlink.c rtnl_from_file."""
    try:
        yield from rtnl_wire.messages_from_file(data, start)
    except rtnl_wire.WireError as e:
        raise ToolExit(2, e.text) from None


def _restore_prio(m: nlmsg) -> int:
    """Which pass restores `m`: 0 routes with no gateway whose preferred source is their
    destination (or none), 1 other routes with no gateway, 2 routes via a gateway.

    iproute2: ip/iproute.c restore_handler."""
    at = m.attrs
    if RTA_GATEWAY in at:
        return 2
    if RTA_PREFSRC not in at:
        return 0
    return 0 if at.get(RTA_DST) == at[RTA_PREFSRC] else 1


def _restore_pass(ctx: IpCtx, data: bytes, prio: int) -> None:
    """One pass over the file, sending the messages of this priority; a failure other than
    EEXIST stops the restore with status 2 (the messages of a later failure are not read).

    iproute2: ip/iproute.c restore_handler, through rtnl_from_file."""
    for m in rtnl_from_file(data, 4):
        if _restore_prio(m) != prio:
            continue
        m.flags |= NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK
        reply = ctx.talk(m)
        if reply.error < 0:
            ctx.out.ewrite(rtnl_error_text(reply))
            if reply.error != -errno.EEXIST:
                raise ToolExit(2)


def iproute_restore(ctx: IpCtx) -> None:
    """`ip route restore < FILE` (a pipe cannot be read three times: ftell fails).

    iproute2: ip/iproute.c iproute_restore."""
    data, seekable = route_dump_check_magic(ctx)
    if not seekable:
        raise ToolExit(1, "Failed to restore: ftell: Illegal seek\n")
    for prio in range(3):
        _restore_pass(ctx, data, prio)


def iproute_showdump(ctx: IpCtx) -> None:
    """`ip route showdump < FILE`: print the saved routes. iproute2: ip/iproute.c
    iproute_showdump."""
    data, _ = route_dump_check_magic(ctx)
    for m in rtnl_from_file(data, 4):
        route.print_route(ctx, m, None)
    if ctx.json:
        ctx.flush_json()

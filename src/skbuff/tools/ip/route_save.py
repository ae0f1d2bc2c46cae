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
route_dump_check_magic, iproute_showdump), lib/libnetlink.c rtnl_from_file.
"""

from __future__ import annotations

import errno
import struct
import sys
from collections.abc import Iterator
from typing import Any, BinaryIO

from skbuff.tools.common import ToolExit
from skbuff.tools.ip import route
from skbuff.tools.ip.utils import Args, IpCtx, rtnl_error_text
from skbuff.uapi.rtnetlink import (
    AF_INET,
    NLM_F_ACK,
    NLM_F_CREATE,
    NLM_F_DUMP,
    NLM_F_REQUEST,
    RTA_CACHEINFO,
    RTA_DST,
    RTA_FLOW,
    RTA_GATEWAY,
    RTA_IIF,
    RTA_MARK,
    RTA_METRICS,
    RTA_MULTIPATH,
    RTA_NH_ID,
    RTA_OIF,
    RTA_PREFSRC,
    RTA_PRIORITY,
    RTA_SRC,
    RTA_TABLE,
    RTA_UID,
    RTAX_CC_ALGO,
    RTM_GETROUTE,
    nlmsg,
    rta_cacheinfo,
    rtmsg,
    rtnexthop,
)

route_dump_magic = 0x45311224

NLMSGHDR = struct.Struct("=IHHII")  # nlmsg_len, nlmsg_type, nlmsg_flags, nlmsg_seq, nlmsg_pid
RTMSG = struct.Struct("=BBBBBBBBI")  # family dst_len src_len tos table protocol scope type flags
RTATTR = struct.Struct("=HH")  # rta_len, rta_type
RTNEXTHOP = struct.Struct("=HBBi")  # rtnh_len, rtnh_flags, rtnh_hops, rtnh_ifindex
RTA_CACHEINFO_S = struct.Struct("=IIiIIIII")
U32 = struct.Struct("=I")
IN_ADDR = struct.Struct("!I")

_ADDR_ATTRS = frozenset({RTA_DST, RTA_SRC, RTA_GATEWAY, RTA_PREFSRC})
_U32_ATTRS = frozenset({RTA_IIF, RTA_OIF, RTA_PRIORITY, RTA_FLOW, RTA_TABLE, RTA_MARK,
                        RTA_UID, RTA_NH_ID})
RTNL_FILE_BUF = 16384  # rtnl_from_file's buffer: a longer message is malformed


def NLMSG_ALIGN(n: int) -> int:
    """Kernel: include/uapi/linux/netlink.h NLMSG_ALIGN (also RTA_ALIGN, RTNH_ALIGN)."""
    return (n + 3) & ~3


# --------------------------------------------------------------------------------------------
# The wire format: nlmsg <-> bytes.


def _rta(rta_type: int, payload: bytes) -> bytes:
    """One rtattr, padded to 4 bytes. Kernel: lib/nlattr.c __nla_put."""
    data = RTATTR.pack(RTATTR.size + len(payload), rta_type) + payload
    return data + bytes(NLMSG_ALIGN(len(data)) - len(data))


def _attr_payload(rta_type: int, value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if rta_type in _ADDR_ATTRS:
        return IN_ADDR.pack(value)
    if rta_type in _U32_ATTRS:
        return U32.pack(value & 0xFFFFFFFF)
    if rta_type == RTA_METRICS:
        return b"".join(
            _rta(t, v.encode() + b"\0" if t == RTAX_CC_ALGO else U32.pack(v))
            for t, v in value.items())
    if rta_type == RTA_MULTIPATH:
        return b"".join(_rtnexthop_bytes(nh) for nh in value)
    if rta_type == RTA_CACHEINFO:
        ci: rta_cacheinfo = value
        return RTA_CACHEINFO_S.pack(ci.rta_clntref, ci.rta_lastuse, ci.rta_expires,
                                    ci.rta_error, ci.rta_used, ci.rta_id, ci.rta_ts,
                                    ci.rta_tsage)
    raise TypeError(f"rtattr {rta_type}: no wire format for {value!r}")


def _rtnexthop_bytes(nh: rtnexthop) -> bytes:
    """struct rtnexthop and its nested attributes. Kernel: fib_semantics.c fib_add_nexthop."""
    attrs = b"".join(_rta(t, _attr_payload(t, v)) for t, v in nh.attrs.items())
    return RTNEXTHOP.pack(RTNEXTHOP.size + len(attrs), nh.flags, nh.hops, nh.ifindex) + attrs


def rtm_to_bytes(m: nlmsg) -> bytes:
    """An RTM_*ROUTE message as the kernel lays it out on a netlink socket (nlmsg_len counts
    the final attribute's padding, as nlmsg_end does)."""
    r: rtmsg = m.hdr
    body = RTMSG.pack(r.family, r.dst_len, r.src_len, r.tos, r.table, r.protocol, r.scope,
                      r.type, r.flags)
    body += b"".join(_rta(t, _attr_payload(t, v)) for t, v in m.attrs.items())
    return NLMSGHDR.pack(NLMSGHDR.size + len(body), m.type, m.flags, m.seq, m.pid) + body


def _parse_rtattrs(data: bytes, nested: Any) -> dict[int, Any]:
    """rtattrs → {type: value}; `nested(type, payload)` decodes each payload. A truncated
    attribute ends the list, as parse_rtattr's RTA_OK does."""
    out: dict[int, Any] = {}
    off = 0
    while off + RTATTR.size <= len(data):
        rta_len, rta_type = RTATTR.unpack_from(data, off)
        if rta_len < RTATTR.size or off + rta_len > len(data):
            break
        out[rta_type] = nested(rta_type, data[off + RTATTR.size:off + rta_len])
        off += NLMSG_ALIGN(rta_len)
    return out


def _metric_value(rta_type: int, payload: bytes) -> Any:
    if rta_type == RTAX_CC_ALGO:
        return payload.split(b"\0", 1)[0].decode(errors="replace")
    return U32.unpack_from(payload)[0] if len(payload) >= 4 else payload


def _rtnexthops(data: bytes) -> list[rtnexthop]:
    hops = []
    off = 0
    while off + RTNEXTHOP.size <= len(data):
        rtnh_len, flags, nh_hops, ifindex = RTNEXTHOP.unpack_from(data, off)
        if rtnh_len < RTNEXTHOP.size or off + rtnh_len > len(data):
            break
        attrs = _parse_rtattrs(data[off + RTNEXTHOP.size:off + rtnh_len], _attr_value)
        hops.append(rtnexthop(flags=flags, hops=nh_hops, ifindex=ifindex, attrs=attrs))
        off += NLMSG_ALIGN(rtnh_len)
    return hops


def _attr_value(rta_type: int, payload: bytes) -> Any:
    """Decode one route attribute into the value skbuff's messages carry; one of an unknown
    type (or size) stays raw bytes, so it is written back unchanged."""
    if rta_type in _ADDR_ATTRS and len(payload) == 4:
        return IN_ADDR.unpack(payload)[0]
    if rta_type in _U32_ATTRS and len(payload) == 4:
        return U32.unpack(payload)[0]
    if rta_type == RTA_METRICS:
        return _parse_rtattrs(payload, _metric_value)
    if rta_type == RTA_MULTIPATH:
        return _rtnexthops(payload)
    if rta_type == RTA_CACHEINFO and len(payload) == RTA_CACHEINFO_S.size:
        return rta_cacheinfo(*RTA_CACHEINFO_S.unpack(payload))
    return payload


def rtm_from_bytes(data: bytes) -> nlmsg:
    """One RTM_*ROUTE message (nlmsghdr + rtmsg + rtattrs) back into an nlmsg."""
    length, msgtype, flags, seq, pid = NLMSGHDR.unpack_from(data)
    body = data[NLMSGHDR.size:length]
    fields = RTMSG.unpack_from(body.ljust(RTMSG.size, b"\0"))
    hdr = rtmsg(*fields)
    attrs = _parse_rtattrs(body[RTMSG.size:], _attr_value)
    return nlmsg(msgtype, flags, hdr, attrs, seq=seq, pid=pid)


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
            out.write(rtm_to_bytes(m))


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
    off = 0
    while off < len(data):
        if off + NLMSGHDR.size > len(data):
            raise ToolExit(2, "rtnl-from_file: truncated message\n")
        length = NLMSGHDR.unpack_from(data, off)[0]
        if length < NLMSGHDR.size or length > RTNL_FILE_BUF:
            raise ToolExit(2, f"!!!malformed message: len={length} "
                           f"@{start + off + NLMSGHDR.size}\n")
        end = off + NLMSGHDR.size + NLMSG_ALIGN(length - NLMSGHDR.size)
        if end > len(data):
            raise ToolExit(2, "rtnl-from_file: truncated message\n")
        yield rtm_from_bytes(data[off:end])
        off = end


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

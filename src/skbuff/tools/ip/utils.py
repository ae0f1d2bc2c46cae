"""iproute2's shared helpers: prefix matching, argument parsing, name tables, errors, talking
rtnetlink, and text/JSON printing.

iproute2: lib/utils.c (matches, get_prefix, get_addr, invarg, duparg2, incomplete_command),
lib/rt_names.c (rtnl_rtprot_n2a, rtnl_rtscope_n2a, rtnl_rttable_n2a, rtnl_rtntype_n2a),
lib/libnetlink.c (rtnl_talk, nl_dump_ext_ack), lib/json_print.c.
"""

from __future__ import annotations

import errno
import json
import os
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from skbuff.compat import slotted
from skbuff.net.core import rtnetlink
from skbuff.tools.common import Output, ToolExit
from skbuff.uapi.inet import format_mac, ntoa
from skbuff.uapi.rtnetlink import (
    AF_UNSPEC,
    RT_SCOPE_HOST,
    RT_SCOPE_LINK,
    RT_SCOPE_NOWHERE,
    RT_SCOPE_SITE,
    RT_SCOPE_UNIVERSE,
    RT_TABLE_DEFAULT,
    RT_TABLE_LOCAL,
    RT_TABLE_MAIN,
    RT_TABLE_UNSPEC,
    RTM_F_NOTIFY,
    RTN_ANYCAST,
    RTN_BLACKHOLE,
    RTN_BROADCAST,
    RTN_LOCAL,
    RTN_MULTICAST,
    RTN_NAT,
    RTN_PROHIBIT,
    RTN_THROW,
    RTN_UNICAST,
    RTN_UNREACHABLE,
    RTN_UNSPEC,
    RTN_XRESOLVE,
    RTNH_F_DEAD,
    RTNH_F_LINKDOWN,
    RTNH_F_OFFLOAD,
    RTNH_F_ONLINK,
    RTNH_F_PERVASIVE,
    RTNH_F_TRAP,
    RTNH_F_UNRESOLVED,
    nlmsg,
    nlreply,
)

if TYPE_CHECKING:
    from skbuff.net.core.dev import net_device
    from skbuff.net.core.net_namespace import Net
    from skbuff.sim.world import World

T = TypeVar("T")

RTPROT_NAMES: dict[int, str] = {
    0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static", 8: "gated", 9: "ra",
    10: "mrt", 11: "zebra", 12: "bird", 13: "dnrouted", 14: "xorp", 15: "ntk", 16: "dhcp",
    17: "mrouted", 18: "keepalived", 42: "babel", 99: "openr", 186: "bgp", 187: "isis",
    188: "ospf", 189: "rip", 192: "eigrp",
}
RTSCOPE_NAMES: dict[int, str] = {
    RT_SCOPE_UNIVERSE: "global", RT_SCOPE_SITE: "site", RT_SCOPE_LINK: "link",
    RT_SCOPE_HOST: "host", RT_SCOPE_NOWHERE: "nowhere",
}
RTTABLE_NAMES: dict[int, str] = {
    RT_TABLE_DEFAULT: "default", RT_TABLE_MAIN: "main", RT_TABLE_LOCAL: "local",
}
RTNTYPE_NAMES: dict[int, str] = {
    RTN_UNSPEC: "none", RTN_UNICAST: "unicast", RTN_LOCAL: "local",
    RTN_BROADCAST: "broadcast", RTN_ANYCAST: "anycast", RTN_MULTICAST: "multicast",
    RTN_BLACKHOLE: "blackhole", RTN_UNREACHABLE: "unreachable", RTN_PROHIBIT: "prohibit",
    RTN_THROW: "throw", RTN_NAT: "nat", RTN_XRESOLVE: "xresolve",
}


_NH_FLAG_NAMES = (
    (RTNH_F_DEAD, "dead"), (RTNH_F_ONLINK, "onlink"), (RTNH_F_PERVASIVE, "pervasive"),
    (RTNH_F_OFFLOAD, "offload"), (RTNH_F_TRAP, "trap"), (RTM_F_NOTIFY, "notify"),
    (RTNH_F_LINKDOWN, "linkdown"), (RTNH_F_UNRESOLVED, "unresolved"),
)


def rt_flag_names(flags: int) -> list[str]:
    """The words print_rt_flags prints for these flags (RTNH_F_*, RTM_F_NOTIFY).

    iproute2: lib/utils.c print_rt_flags."""
    return [name for bit, name in _NH_FLAG_NAMES if flags & bit]


def matches(prefix: str, string: str) -> bool:
    """True when `prefix` abbreviates `string` (an empty prefix matches anything).

    iproute2: lib/utils.c matches (which returns 0 on a match).
    """
    return string.startswith(prefix)


def _n2a(table: dict[int, str], v: int) -> str:
    return table.get(v, str(v))


def rtnl_rtprot_n2a(v: int) -> str:
    return _n2a(RTPROT_NAMES, v)


def rtnl_rtscope_n2a(v: int) -> str:
    return _n2a(RTSCOPE_NAMES, v)


def rtnl_rttable_n2a(v: int) -> str:
    return _n2a(RTTABLE_NAMES, v)


def rtnl_rtntype_n2a(v: int) -> str:
    return _n2a(RTNTYPE_NAMES, v)


def _a2n(table: dict[int, str], arg: str, limit: int) -> int | None:
    for k, name in table.items():
        if name == arg:
            return k
    try:
        v = int(arg, 0)
    except ValueError:
        return None
    return v if 0 <= v <= limit else None


def rtnl_rtprot_a2n(arg: str) -> int | None:
    return _a2n(RTPROT_NAMES, arg, 255)


def rtnl_rtscope_a2n(arg: str) -> int | None:
    return _a2n(RTSCOPE_NAMES, arg, 255)


def rtnl_rttable_a2n(arg: str) -> int | None:
    if arg == "all":
        return RT_TABLE_UNSPEC
    return _a2n(RTTABLE_NAMES, arg, 0xFFFFFFFF)


def rtnl_rtntype_a2n(arg: str) -> int | None:
    """A route type name (never a number). iproute2: lib/rt_names.c rtnl_rtntype_a2n."""
    for k, name in RTNTYPE_NAMES.items():
        if k != RTN_UNSPEC and name == arg:
            return k
    return None


_IPPROTO = {"icmp": 1, "igmp": 2, "tcp": 6, "udp": 17, "gre": 47, "esp": 50, "ah": 51,
            "sctp": 132}


def inet_proto_a2n(arg: str) -> int | None:
    """A protocol name or number. iproute2: lib/utils.c inet_proto_a2n."""
    if arg in _IPPROTO:
        return _IPPROTO[arg]
    return get_unsigned(arg, 255)


def inet_proto_n2a(proto: int) -> str:
    for name, v in _IPPROTO.items():
        if v == proto:
            return name
    return str(proto)


def rtnl_dsfield_a2n(arg: str) -> int | None:
    try:
        v = int(arg, 16)
    except ValueError:
        return None
    return v if 0 <= v <= 255 else None


# ----- errors (iproute2 lib/utils.c): each raises ToolExit with iproute2's status
def invarg(msg: str, arg: str) -> ToolExit:
    return ToolExit(255, f'Error: argument "{arg}" is wrong: {msg}\n')


def duparg(key: str, arg: str) -> ToolExit:
    return ToolExit(255, f'Error: duplicate "{key}": "{arg}" is the second value.\n')


def duparg2(key: str, arg: str) -> ToolExit:
    return ToolExit(255, f'Error: either "{key}" is duplicate, or "{arg}" is a garbage.\n')


def incomplete_command() -> ToolExit:
    return ToolExit(255, 'Command line is not complete. Try option "help"\n')


def nodev(name: str) -> ToolExit:
    return ToolExit(1, f'Cannot find device "{name}"\n')


def family_name_verbose(family: int) -> str:
    return "any valid" if family == AF_UNSPEC else "inet"


class Args:
    """The argv cursor of one command (iproute2's argc/argv with NEXT_ARG)."""

    __slots__ = ("argv", "i")

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        self.i = 0

    def __bool__(self) -> bool:
        return self.i < len(self.argv)

    @property
    def cur(self) -> str:
        return self.argv[self.i]

    def advance(self) -> None:
        self.i += 1

    def next_arg(self) -> str:
        """NEXT_ARG(): step to the value of the current keyword."""
        if self.i + 1 >= len(self.argv):
            raise incomplete_command()
        self.i += 1
        return self.argv[self.i]

    def peek(self) -> str | None:
        return self.argv[self.i + 1] if self.i + 1 < len(self.argv) else None

    def next_value(self, parse: Callable[[str], T | None], msg: str) -> T:
        """NEXT_ARG() and parse the value; one `parse` rejects (None) is `invarg(msg, arg)`."""
        arg = self.next_arg()
        value = parse(arg)
        if value is None:
            raise invarg(msg, arg)
        return value


def parse_ipv4(text: str) -> int | None:
    """inet_pton for AF_INET (dotted quad, 1-4 parts as inet_aton would not: exactly 4).

    libc's inet_pton answers the canonical form (what it accepts, each of 4 parts 0-255
    without a leading zero, this reads the same); anything else takes the loop."""
    try:
        return int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")
    except (OSError, ValueError):
        pass
    parts = text.split(".")
    if len(parts) != 4:
        return None
    v = 0
    for p in parts:
        if not p.isdigit() or len(p) > 3:
            return None
        n = int(p)
        if n > 255:
            return None
        v = (v << 8) | n
    return v


def get_addr_1(text: str) -> int | None:
    """iproute2 get_addr_1 for IPv4, accepting `default`/`any`/`all` as 0.0.0.0."""
    if text in ("default", "any", "all"):
        return 0
    return parse_ipv4(text)


def get_addr(text: str, family: int) -> int:
    v = parse_ipv4(text)
    if v is None:
        raise ToolExit(
            1, f'Error: {family_name_verbose(family)} address is expected rather than "{text}".\n'
        )
    return v


def get_prefix(text: str, family: int) -> tuple[int, int]:
    """(address, prefix length); "default" is 0/0. Host bits are kept (the kernel checks)."""
    if text in ("default", "any", "all"):
        return 0, 0
    addr_s, slash, plen_s = text.partition("/")
    addr = parse_ipv4(addr_s)
    if addr is None:
        raise _prefix_expected(text, family)
    if not slash:
        return addr, 32
    plen = int(plen_s) if plen_s.isdigit() else 33
    if plen > 32:
        raise _prefix_expected(text, family)
    return addr, plen


_STRTOL = re.compile(r"\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")


def strtol_base0(text: str) -> int | None:
    """C strtol/strtoul with base 0 over the whole text (leading blanks, a sign, 0x hex,
    0 octal), None when anything is left over. The caller checks the range."""
    m = _STRTOL.fullmatch(text)
    if m is None:
        return None
    digits = m.group(2)
    base = 16 if digits[:2].lower() == "0x" else 8 if len(digits) > 1 and digits[0] == "0" \
        else 10
    v = int(digits, base)
    return -v if m.group(1) == "-" else v


def get_integer(text: str) -> int | None:
    """iproute2: lib/utils.c get_integer (base 0, int range)."""
    v = strtol_base0(text)
    return v if v is not None and -(1 << 31) <= v < (1 << 31) else None


def get_u32(text: str) -> int | None:
    """iproute2: lib/utils.c get_u32 (strtoul base 0: a negative number wraps, out of range)."""
    v = strtol_base0(text)
    if v is None or abs(v) >= 1 << 64:  # ERANGE
        return None
    v %= 1 << 64
    return v if v <= 0xFFFFFFFF else None
def _prefix_expected(text: str, family: int) -> ToolExit:
    return ToolExit(
        1, f'Error: {family_name_verbose(family)} prefix is expected rather than "{text}".\n'
    )


def get_unsigned(text: str, limit: int = 0xFFFFFFFF) -> int | None:
    """strtoul(base 0) into [0, limit], None when it is not a number."""
    try:
        v = int(text, 0)
    except ValueError:
        return None
    return v if 0 <= v <= limit else None


format_host = ntoa  # iproute2: lib/utils.c format_host (numeric: no -resolve)


ll_addr_n2a = format_mac  # iproute2: lib/ll_addr.c ll_addr_n2a (Ethernet-style)


def ll_addr_a2n(text: str) -> bytes | None:
    parts = text.split(":")
    try:
        raw = bytes(int(p, 16) for p in parts)
    except ValueError:
        return None
    if any(len(p) == 0 or len(p) > 2 for p in parts):
        return None
    return raw


@slotted
@dataclass
class IpCtx:
    """One `ip` invocation: global options, the target namespace and the output buffers."""

    world: World
    net: Net
    out: Output
    json: bool = False
    pretty: bool = False
    stats: int = 0
    details: int = 0
    oneline: bool = False
    brief: bool = False
    family: int = AF_UNSPEC
    force: bool = False
    timestamp: int = 0
    tshort: bool = False
    json_items: list[dict[str, Any]] = field(default_factory=list)

    def dev_by_name(self, name: str) -> net_device | None:
        """ll_name_to_index: the SIOCGIFINDEX lookup in this namespace."""
        dev: net_device | None = self.net.dev_base_head.get(name)
        return dev

    def ifindex(self, name: str) -> int:
        dev = self.dev_by_name(name)
        if dev is None:
            raise nodev(name)
        return int(dev.ifindex)

    def name_from_nsid(self, nsid: int) -> str | None:
        """get_name_from_nsid: the /run/netns name of the namespace this one calls `nsid`
        (a one-shot `ip` fills its netns_map at first use, so this is the current answer)."""
        from skbuff.tools.ip import netns  # netns imports this module

        return netns.get_name_from_nsid(self, nsid)

    def ifname(self, ifindex: int) -> str:
        """ll_index_to_name: the name, or "if%d" for an index unknown here."""
        dev = self.net.dev_index_head.get(ifindex)
        return str(dev.name) if dev is not None else f"if{ifindex}"

    def ll_index_to_flags(self, ifindex: int) -> int:
        """The IFF_* flags of a link by index (0 for one unknown here): what M-DOWN reads.
        iproute2: lib/ll_map.c ll_index_to_flags."""
        dev = self.net.dev_index_head.get(ifindex)
        return int(dev.flags) if dev is not None else 0

    def talk(self, msg: nlmsg) -> nlreply:
        """Send one request and wait for its answer. iproute2: lib/libnetlink.c rtnl_talk."""
        return rtnetlink.rtnetlink_rcv_msg(self.net, msg)

    def talk_checked(self, msg: nlmsg) -> nlreply:
        """rtnl_talk, printing a failure the way iproute2 does and returning status 2."""
        return rtnl_talk_checked(self.net, msg)

    def dump(self, msg: nlmsg) -> list[nlmsg]:
        reply = self.talk(msg)
        if reply.error < 0:
            raise ToolExit(2, rtnl_error_text(reply))
        return reply.msgs

    def emit_json(self, obj: dict[str, Any]) -> None:
        self.json_items.append(obj)

    def print_obj(self, text: str, js: dict[str, Any]) -> None:
        """One object: collected for -j, else printed (on one line with -o)."""
        if self.json:
            self.json_items.append(js)
        else:
            self.out.write((text.replace("\n", "\\") if self.oneline else text) + "\n")

    def flush_json(self) -> None:
        """Print the collected objects as one JSON array, laid out like iproute2's writer."""
        self.out.write(jsonw_dumps(self.json_items, self.pretty) + "\n")


def rtnl_talk_checked(net: Net, msg: nlmsg) -> nlreply:
    """rtnl_talk in `net`; a failure is ToolExit(2) with iproute2's text.
    iproute2: lib/libnetlink.c rtnl_talk, nl_dump_ext_ack."""
    reply = rtnetlink.rtnetlink_rcv_msg(net, msg)
    if reply.error < 0:
        raise ToolExit(2, rtnl_error_text(reply))
    return reply


def jsonw_dumps(value: Any, pretty: bool, depth: int = 0) -> str:
    """Serialize like iproute2's lib/json_writer.c: compact, or with -p one member per line
    (4 spaces a level), scalar arrays inline as `[ "a","b" ]` and `},{` between objects."""
    if isinstance(value, dict):
        eol = ("\n" + "    " * (depth + 1)) if pretty else ""
        colon = ": " if pretty else ":"
        members = [eol + json.dumps(k) + colon + jsonw_dumps(v, pretty, depth + 1)
                   for k, v in value.items()]
        close = ("\n" + "    " * depth) if pretty and members else ""
        return "{" + ",".join(members) + close + "}"
    if isinstance(value, list):
        items = [jsonw_dumps(v, pretty, depth + 1) for v in value]
        pad = " " if pretty else ""
        return "[" + pad + ",".join(items) + (pad if items else "") + "]"
    if isinstance(value, float):
        return f"{value:g}"  # jsonw_float
    return json.dumps(value)


def rtnl_error_text(reply: nlreply) -> str:
    """The stderr line for a failed request: the extack as "Error: %s." when the kernel gave
    one, else "RTNETLINK answers: <strerror>". iproute2: lib/libnetlink.c nl_dump_ext_ack."""
    if reply.extack:
        dot = "" if reply.extack.endswith(".") else "."
        return f"Error: {reply.extack}{dot}\n"
    return f"RTNETLINK answers: {strerror(-reply.error)}\n"


def strerror(err: int) -> str:
    if err == errno.EOPNOTSUPP:
        return "Operation not supported"
    return os.strerror(err)


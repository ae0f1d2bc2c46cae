"""`explain`: the reasons behind the stack's decisions (an skbuff command, no real twin).

    explain route [from SRC] [iif DEV] [oif DEV] [tos TOS] [mark MARK] [to] ADDR
        the route lookup `ip route get` would make, with every rule, table, candidate
        prefix, alias and nexthop and why each was taken or passed over (input lookup with
        iif: martian, rp_filter and forwarding causes too)
    explain drops
        the drops recorded by `trace` with their causes (as `trace drops`)

Runs in the namespace the line runs in (`ip netns exec NS explain route …`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skbuff.tools import trace as trace_tool
from skbuff.tools.common import Result
from skbuff.trace import explain

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.sim.world import World

USAGE = ("Usage: explain route [from SRC] [iif DEV] [oif DEV] [tos TOS] [mark MARK] "
         "[to] ADDR\n       explain drops\n")


def _aton(text: str) -> int | None:
    parts = text.split(".")
    if len(parts) != 4 or not all(p.isdigit() and int(p) < 256 for p in parts):
        return None
    return int.from_bytes(bytes(int(p) for p in parts), "big")


def _number(text: str) -> int | None:
    try:
        return int(text, 0)
    except ValueError:
        return None


def explain_route_argv(net: Net, argv: list[str]) -> Result:
    """Parse `ip route get`-style arguments and explain the lookup."""
    opts: dict[str, str] = {}
    daddr: int | None = None
    i = 0
    while i < len(argv):
        kw = argv[i]
        if kw in ("from", "iif", "oif", "tos", "mark", "to"):
            if i + 1 >= len(argv):
                return Result(1, "", f"explain: \"{kw}\" needs an argument\n")
            val = argv[i + 1]
            i += 2
            if kw != "to":
                opts[kw] = val
                continue
        else:
            val = kw
            i += 1
        addr = _aton(val)
        if addr is None or daddr is not None:
            return Result(1, "", f"explain: invalid destination \"{val}\"\n")
        daddr = addr
    if daddr is None:
        return Result(1, "", USAGE)
    saddr = _aton(opts.get("from", "0.0.0.0"))
    tos = _number(opts.get("tos", "0"))
    mark = _number(opts.get("mark", "0"))
    if saddr is None or tos is None or mark is None:
        return Result(1, "", "explain: invalid from/tos/mark value\n")
    for kw in ("iif", "oif"):
        if kw in opts and opts[kw] not in net.dev_base_head:
            return Result(1, "", f"Cannot find device \"{opts[kw]}\"\n")
    text = explain.explain_route(net, daddr, saddr, opts.get("iif", ""), opts.get("oif", ""),
                                 tos, mark)
    return Result(0, text, "")


def main(world: World, net: Net, argv: list[str]) -> Result:
    """The `explain` command. Process context."""
    if argv[:1] == ["route"]:
        return explain_route_argv(net, argv[1:])
    if argv == ["drops"]:
        if world.journey is None:
            return Result(1, "", "explain: no trace recorded (run `trace on` first)\n")
        return Result(0, trace_tool.drops_text(world.journey), "")
    return Result(1, "", USAGE)

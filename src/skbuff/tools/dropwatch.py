"""`dropwatch`: skbuff's own drop summary (not the netlink dropwatch tool's format).

It hangs a probe on the `kfree_skb` tracepoint (the one the kernel's drop monitor and
`perf trace -e skb:kfree_skb` use) and prints, since the previous call, one line per
(function, reason): "N drops at ip_rcv_core (IP_INHDR)", most frequent first, then
"Total: N drops". Drops are those of the namespace it runs in (the skb's device's), or of
every namespace with -a. `dropwatch stop` detaches the probe. The first call starts
monitoring and says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skbuff.tools.common import Result
from skbuff.trace.journey import drop_monitor

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.sim.world import World

USAGE = "Usage: dropwatch [-a] [show|stop]\n"


def main(world: World, net: Net, argv: list[str]) -> Result:
    """`dropwatch [-a] [show|stop]`."""
    everywhere = "-a" in argv
    rest = [a for a in argv if a != "-a"]
    if len(rest) > 1 or (rest and rest[0] not in ("show", "stop")) or \
            any(a.startswith("-") for a in rest):
        return Result(1, "", USAGE)
    mon: drop_monitor | None = world.tool_state.get("dropwatch")
    if rest == ["stop"]:
        if mon is not None:
            mon.detach()
            del world.tool_state["dropwatch"]
        return Result(0, "dropwatch: monitoring stopped\n", "")
    if mon is None:
        mon = world.tool_state["dropwatch"] = drop_monitor(world.kernel)
        mon.attach()
        return Result(0, "dropwatch: monitoring kfree_skb drops; run again to see them\n", "")
    rows = sorted(mon.summary(None if everywhere else net, clear=True),
                  key=lambda t: (-t[2], t[1], t[0]))
    lines = [f"{n} drops at {loc} ({reason})\n" for reason, loc, n in rows]
    lines.append(f"Total: {sum(n for _, _, n in rows)} drops\n")
    return Result(0, "".join(lines), "")

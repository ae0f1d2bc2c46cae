"""`dropwatch`: skbuff's own drop summary (not the netlink dropwatch tool's format).

It hangs a probe on the `kfree_skb` tracepoint (the one the kernel's drop monitor and
`perf trace -e skb:kfree_skb` use) and prints, since the previous call, one line per
(function, reason): "N drops at ip_rcv_core (IP_INHDR)", most frequent first, then
"Total: N drops". Drops are those of the namespace it runs in (the skb's device's), or of
every namespace with -a. `dropwatch stop` detaches the probe. The first call starts
monitoring and says so.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from skbuff.tools.common import Result

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.core.skbuff import sk_buff
    from skbuff.sim.world import World

USAGE = "Usage: dropwatch [-a] [show|stop]\n"


class drop_monitor:
    """The probe and its counts: (namespace name, location, reason name) -> drops."""

    def __init__(self, world: World) -> None:
        self.kernel = world.kernel
        self.counts: Counter[tuple[str | None, str, str]] = Counter()
        self.kernel.trace.attach("kfree_skb", self.probe)

    def probe(self, skb: sk_buff, location: Any, reason: Any) -> None:
        dev = skb.dev
        ns = dev.nd_net.name if dev is not None else None
        self.counts[(ns, str(location), getattr(reason, "name", str(reason)))] += 1

    def take(self, net: Net | None) -> list[tuple[int, str, str]]:
        """The counts since the last take (of `net`'s drops, or all with None)."""
        rows: Counter[tuple[str, str]] = Counter()
        for (ns, loc, reason), n in list(self.counts.items()):
            if net is None or ns == net.name:
                rows[(loc, reason)] += n
                del self.counts[(ns, loc, reason)]
        return sorted(((n, loc, r) for (loc, r), n in rows.items()),
                      key=lambda t: (-t[0], t[1], t[2]))

    def detach(self) -> None:
        self.kernel.trace.detach("kfree_skb", self.probe)


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
        world.tool_state["dropwatch"] = drop_monitor(world)
        return Result(0, "dropwatch: monitoring kfree_skb drops; run again to see them\n", "")
    rows = mon.take(None if everywhere else net)
    lines = [f"{n} drops at {loc} ({reason})\n" for n, loc, reason in rows]
    lines.append(f"Total: {sum(n for n, _, _ in rows)} drops\n")
    return Result(0, "".join(lines), "")

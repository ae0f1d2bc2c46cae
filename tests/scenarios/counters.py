"""Counters as a user reads them: /proc/net/snmp, /proc/net/netstat, /proc/net/softnet_stat
and `ip -s link`, per namespace, so scenarios can assert the exact set of counters that moved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skbuff.net.core import dev as core_dev

if TYPE_CHECKING:
    from skbuff.sim.world import World

Counters = dict[tuple[str, str, str], int]
"""(netns, table, name) → value; table is the /proc line prefix ("Ip", "Icmp", "IcmpMsg",
"TcpExt", "IpExt", …) or "softnet" (name: the CPU's column) or "link:DEV"."""


def _read(world: World, ns: str, path: str) -> str:
    res = world.run(f"ip netns exec {ns} cat {path}")
    assert res.status == 0, res.stderr
    return res.stdout


def _proc_pairs(text: str) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    lines = text.splitlines()
    for head, vals in zip(lines[::2], lines[1::2], strict=True):
        table, _, names = head.partition(": ")
        for name, v in zip(names.split(), vals.partition(": ")[2].split(), strict=True):
            out.append((table, name, int(v)))
    return out


def snapshot(world: World, namespaces: list[str]) -> Counters:
    """Every MIB counter, the softnet `processed`/`dropped` per CPU and the link stats of
    each device, in each named namespace."""
    snap: Counters = {}
    for ns in namespaces:
        for path in ("/proc/net/snmp", "/proc/net/netstat"):
            for table, name, v in _proc_pairs(_read(world, ns, path)):
                snap[(ns, table, name)] = v
        net = world.netns(ns)
        for dev in net.dev_base_head.values():
            st = world.kernel.run_task(core_dev.dev_get_stats, dev)
            for field in ("rx_packets", "tx_packets", "rx_dropped", "tx_dropped"):
                snap[(ns, f"link:{dev.name}", field)] = getattr(st, field)
    for cpu, row in enumerate(_read(world, namespaces[0], "/proc/net/softnet_stat")
                              .splitlines()):
        cols = row.split()
        snap[("*", "softnet", f"cpu{cpu}.processed")] = int(cols[0], 16)
        snap[("*", "softnet", f"cpu{cpu}.dropped")] = int(cols[1], 16)
    return snap


def delta(before: Counters, after: Counters, ignore: tuple[str, ...] = ()) -> Counters:
    """The counters that moved (after - before), leaving out tables named in `ignore`."""
    return {key: after[key] - before.get(key, 0) for key in after
            if after[key] != before.get(key, 0) and key[1] not in ignore}

"""`nstat` (iproute2 6.1 misc/nstat.c): SNMP counters of the namespace, by default the
increments since the previous call.

Reads /proc/net/snmp and /proc/net/netstat like nstat (the "ugly" two-line tables), names
counters PREFIX+FIELD (IpInReceives, IcmpInEchos, IcmpMsgOutType8, IpExtInOctets) and prints
"%-32s%-16llu%6.1f" lines under "#kernel" (the rate column is 0.0: no daemon runs). Options
-a (absolute, ignore history), -s (do not update history), -n (update only), -r (reset
history), -z (zeros too), -j (JSON), then shell patterns selecting names. The history that
nstat keeps in /tmp/.nstat.u$UID is kept per namespace in the World (skbuff's choice: real
nstat shares one file between namespaces).
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING

from skbuff.kernel import procfs
from skbuff.tools.common import Result, ToolExit, gnu_getopt

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.sim.world import World

USAGE = """Usage: nstat [OPTION] [ PATTERN [ PATTERN ] ]
   -h, --help          this message
   -a, --ignore        ignore history
   -j, --json          format output in JSON
   -n, --nooutput      do history only
   -r, --reset         reset history
   -s, --noupdate      don't update history
   -V, --version       output version information
   -z, --zeros         show entries with zero activity
"""
LONGOPTS = ["help", "ignore", "json", "nooutput", "reset", "noupdate", "version", "zeros"]
USELESS_NUMBERS = frozenset({"IpForwarding", "IpDefaultTTL", "TcpRtoAlgorithm", "TcpRtoMin",
                             "TcpRtoMax", "TcpMaxConn", "TcpCurrEstab"})
"""nstat.c useless_numbers: configuration values, not counters."""


def load_ugly_table(text: str) -> list[tuple[str, int]]:
    """nstat.c load_ugly_table: "Prefix: names" / "Prefix: values" line pairs."""
    out: list[tuple[str, int]] = []
    lines = text.splitlines()
    for names, values in zip(lines[0::2], lines[1::2], strict=False):
        prefix, _, rest = names.partition(":")
        for name, val in zip(rest.split(), values.partition(":")[2].split(), strict=False):
            ident = prefix + name
            if ident not in USELESS_NUMBERS:
                out.append((ident, int(val) & 0xFFFFFFFFFFFFFFFF))
    return out


def kern_db(net: Net) -> list[tuple[str, int]]:
    """The counters as nstat orders them: /proc/net/snmp, then /proc/net/netstat."""
    db: list[tuple[str, int]] = []
    for path in ("/proc/net/snmp", "/proc/net/netstat"):
        text = procfs.read_proc(net, path)
        if text:
            db.extend(load_ugly_table(text))
    return db


def main(world: World, net: Net, argv: list[str]) -> Result:
    """`nstat [-asnrzj] [PATTERN...]` in `net`."""
    try:
        opts, patterns = gnu_getopt("nstat", argv, "ahjnrsVz", LONGOPTS)
    except ToolExit as e:
        return Result(255, "", e.stderr + USAGE)
    flags = {o.lstrip("-")[:1] if len(o) == 2 else o for o, _ in opts}
    long_to_short = {"--ignore": "a", "--json": "j", "--nooutput": "n", "--reset": "r",
                     "--noupdate": "s", "--zeros": "z", "--help": "h", "--version": "V"}
    flags = {long_to_short.get(f, f) for f in flags}
    if "h" in flags:
        return Result(255, "", USAGE)
    if "V" in flags:
        return Result(0, "nstat utility, iproute2-6.1.0\n", "")
    history: dict[str, dict[str, int]] = world.tool_state.setdefault("nstat", {})
    if "r" in flags:
        history.pop(net.name, None)
    db = kern_db(net)
    hist = None if "a" in flags else history.get(net.name)
    rows: list[tuple[str, int, str]] = []
    for ident, val in db:
        ovfl = ""
        if hist is not None and ident in hist:
            if val < hist[ident]:
                ovfl, val = " (overflow)", hist[ident]
            val -= hist[ident]
        if not val and "z" not in flags:
            continue
        if patterns and not any(fnmatchcase(ident, p) for p in patterns):
            continue
        rows.append((ident, val, ovfl))
    if "s" not in flags:
        history[net.name] = dict(db)
    if "n" in flags:
        return Result(0, "", "")
    if "j" in flags:
        return Result(0, json.dumps({"kernel": {i: v for i, v, _ in rows}},
                                    separators=(",", ":")) + "\n", "")
    text = "#kernel\n" + "".join(f"{i:<32}{v:<16}{0.0:6.1f}{o}\n" for i, v, o in rows)
    return Result(0, text, "")

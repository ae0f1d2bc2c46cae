"""Load a real host's `ip -j` dumps into a namespace: `hostdump DIR --netns NAME` (script),
`skbuff load-host DIR --netns NAME` (command line), `World.load_host(DIR, netns=NAME)`.

Input: a directory holding `link.json`, `addr.json`, `route.json`, `rule.json`,
`neigh.json` (the output of `ip -j -d link`, `ip -j addr`, `ip -j route show table all`,
`ip -j rule`, `ip -j neigh`; any may be missing), or one JSON file mapping those five names
to the lists. Everything is replayed as the `ip` commands that would rebuild it, through the
same `ip` tool and rtnetlink as any script line, so the kernel's checks apply:

- every link but `lo` becomes a `dummy` (veth, bridge, wireguard… have no peer or driver
  here) with the dump's MAC address, MTU and up/down state; `lo` is brought up;
- IPv4 addresses with their prefix, broadcast, scope, label, peer, noprefixroute;
- IPv4 routes of every table with type, gateway or nexthops, device, proto, scope, prefsrc,
  metric, tos and metrics (mtu, advmss…) — except proto `kernel` ones, which the kernel
  makes itself from the addresses; routes without a gateway go first;
- rules but the three defaults; PERMANENT IPv4 neighbours.
IPv6 entries are skipped. A line the kernel refuses is reported on stderr and skipped.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skbuff.sim import script
from skbuff.tools.common import Result

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.sim.world import World

KINDS = ("link", "addr", "route", "rule", "neigh")
DEFAULT_RULES = {(0, "local"), (32766, "main"), (32767, "default")}
USAGE = "Usage: hostdump DIR|FILE --netns NAME\n"


def read_dumps(path: str) -> dict[str, list[dict[str, Any]]]:
    """The five dumps from a directory of KIND.json files or one combined JSON file.
    Raises OSError or ValueError (bad JSON, wrong shape)."""
    p = Path(path)
    dumps: dict[str, list[dict[str, Any]]] = {}
    if p.is_dir():
        for kind in KINDS:
            f = p / f"{kind}.json"
            if f.exists():
                dumps[kind] = json.loads(f.read_text(encoding="utf-8") or "[]")
    else:
        data = json.loads(p.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("expected an object with link/addr/route/rule/neigh lists")
        dumps = {k: data[k] for k in KINDS if k in data}
    for kind, rows in dumps.items():
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError(f"{kind}: expected a list of objects")
    return dumps


def _v6(*values: Any) -> bool:
    return any(isinstance(v, str) and ":" in v for v in values)


def link_commands(links: list[dict[str, Any]]) -> tuple[list[list[str]], list[list[str]]]:
    """(create-and-configure commands, bring-up commands)."""
    create: list[list[str]] = []
    up: list[list[str]] = []
    for link in links:
        name = str(link.get("ifname", ""))
        if not name:
            continue
        flags = link.get("flags", [])
        if name == "lo":
            if "UP" in flags:
                up.append(["link", "set", "dev", "lo", "up"])
            continue
        create.append(["link", "add", name, "type", "dummy"])
        conf = ["link", "set", "dev", name]
        if link.get("mtu"):
            conf += ["mtu", str(link["mtu"])]
        addr = link.get("address")
        if isinstance(addr, str) and addr.count(":") == 5 and link.get("link_type") == "ether":
            conf += ["address", addr]
        if "NOARP" in flags:
            conf += ["arp", "off"]
        if len(conf) > 4:
            create.append(conf)
        if "UP" in flags:
            up.append(["link", "set", "dev", name, "up"])
    return create, up


def addr_commands(links: list[dict[str, Any]]) -> list[list[str]]:
    out: list[list[str]] = []
    for link in links:
        name = str(link.get("ifname", ""))
        for info in link.get("addr_info", []):
            if info.get("family") != "inet" or (name == "lo" and \
                    info.get("local", "").startswith("127.")):
                continue
            cmd = ["addr", "add", f"{info['local']}/{info.get('prefixlen', 32)}"]
            if info.get("address") and info["address"] != info["local"]:
                cmd += ["peer", f"{info['address']}/{info.get('prefixlen', 32)}"]
            if info.get("broadcast"):
                cmd += ["broadcast", info["broadcast"]]
            cmd += ["dev", name]
            if info.get("scope") and info["scope"] != "global":
                cmd += ["scope", str(info["scope"])]
            if info.get("label") and info["label"] != name:
                cmd += ["label", info["label"]]
            if info.get("noprefixroute"):
                cmd.append("noprefixroute")
            out.append(cmd)
    return out


def route_command(r: dict[str, Any]) -> list[str] | None:
    """`ip route add` argv for one `ip -j route` object; None to skip it."""
    nhs = r.get("nexthops") or []
    if r.get("protocol") == "kernel" or _v6(r.get("dst"), r.get("gateway"), r.get("prefsrc")) \
            or any(_v6(nh.get("gateway")) for nh in nhs):
        return None
    cmd = ["route", "add"]
    if r.get("type", "unicast") != "unicast":
        cmd.append(str(r["type"]))
    cmd.append(str(r.get("dst", "default")))
    if r.get("tos"):
        cmd += ["tos", str(r["tos"])]
    for nh in nhs:
        cmd.append("nexthop")
        if nh.get("gateway"):
            cmd += ["via", nh["gateway"]]
        if nh.get("dev"):
            cmd += ["dev", nh["dev"]]
        if nh.get("weight"):
            cmd += ["weight", str(nh["weight"])]
        if "onlink" in nh.get("flags", []):
            cmd.append("onlink")
    if not nhs:
        if r.get("gateway"):
            cmd += ["via", r["gateway"]]
        if r.get("dev"):
            cmd += ["dev", r["dev"]]
        if "onlink" in r.get("flags", []):
            cmd.append("onlink")
    for key, word in (("protocol", "proto"), ("scope", "scope"), ("prefsrc", "src"),
                      ("metric", "metric"), ("table", "table")):
        if r.get(key) not in (None, ""):
            cmd += [word, str(r[key])]
    for metric in r.get("metrics", []):
        for name, val in metric.items():
            if isinstance(val, dict):
                cmd += [name, "lock", str(val.get("value", ""))]
            else:
                cmd += [name, str(val)]
    return cmd


def rule_command(r: dict[str, Any]) -> list[str] | None:
    """`ip rule add` argv for one `ip -j rule` object; None for the default rules."""
    if _v6(r.get("src"), r.get("dst")):
        return None
    prio = r.get("priority", 0)
    selectors = {k for k in r if k not in ("priority", "src", "table", "protocol")}
    if r.get("src", "all") == "all" and not selectors and (prio, r.get("table")) in \
            DEFAULT_RULES:
        return None
    cmd = ["rule", "add", "priority", str(prio)]
    if r.get("not"):
        cmd.append("not")
    if r.get("src", "all") != "all":
        cmd += ["from", f"{r['src']}/{r.get('srclen', 32)}"]
    if r.get("dst", "all") != "all":
        cmd += ["to", f"{r['dst']}/{r.get('dstlen', 32)}"]
    if r.get("tos"):
        cmd += ["tos", str(r["tos"])]
    if r.get("fwmark"):
        mark = str(r["fwmark"]) + (f"/{r['fwmask']}" if r.get("fwmask") else "")
        cmd += ["fwmark", mark]
    for key in ("iif", "oif"):
        if r.get(key):
            cmd += [key, str(r[key])]
    if r.get("table"):
        cmd += ["table", str(r["table"])]
    elif r.get("action"):
        cmd.append(str(r["action"]))
    if r.get("protocol") not in (None, "unspec", "kernel"):
        cmd += ["protocol", str(r["protocol"])]
    return cmd


def neigh_command(n: dict[str, Any]) -> list[str] | None:
    if "PERMANENT" not in n.get("state", []) or _v6(n.get("dst")) or not n.get("lladdr"):
        return None
    return ["neigh", "add", str(n["dst"]), "lladdr", str(n["lladdr"]), "dev", str(n["dev"]),
            "nud", "permanent"]


def load_host(world: World, path: str, netns: str) -> Result:
    """Build namespace `netns` (created if needed) from the dumps at `path`. stdout: one
    summary line; stderr: each refused command with the kernel's answer. Status 1 when the
    dumps cannot be read, else 0."""
    try:
        dumps = read_dumps(path)
    except (OSError, ValueError) as e:
        text = os.strerror(e.errno) if isinstance(e, OSError) and e.errno else str(e)
        return Result(1, "", f"hostdump: {path}: {text}\n")
    if world.netns_get(netns) is None:
        world.netns_add(netns)
    links = dumps.get("link", [])
    addr_links = dumps.get("addr", links)
    create, up = link_commands(links or addr_links)
    routes = [c for c in map(route_command, dumps.get("route", [])) if c]
    routes.sort(key=lambda c: "via" in c or "nexthop" in c)
    rules = [c for c in map(rule_command, dumps.get("rule", [])) if c]
    neighs = [c for c in map(neigh_command, dumps.get("neigh", [])) if c]
    addrs = addr_commands(addr_links)
    err: list[str] = []
    done = {"links": 0, "addresses": 0, "routes": 0, "rules": 0, "neighbours": 0}
    plan = [(None, create), ("addresses", addrs), (None, up), ("routes", routes),
            ("rules", rules), ("neighbours", neighs)]
    for what, cmds in plan:
        for cmd in cmds:
            res = script.run_argv(world, world.init_net, ["ip", "-n", netns, *cmd])
            if res.status:
                err.append(f"hostdump: ip {' '.join(cmd)}: {res.stderr.strip()}\n")
            elif what is not None:
                done[what] += 1
            elif cmd[1] == "add":
                done["links"] += 1
    summary = ", ".join(f"{n} {what}" for what, n in done.items())
    return Result(0, f"hostdump: {netns}: loaded {summary}\n", "".join(err))


def main(world: World, net: Net, argv: list[str]) -> Result:
    """`hostdump DIR|FILE --netns NAME`."""
    args = list(argv)
    netns = ""
    if "--netns" in args:
        i = args.index("--netns")
        if i + 1 >= len(args):
            return Result(1, "", USAGE)
        netns = args[i + 1]
        del args[i:i + 2]
    if len(args) != 1 or not netns or args[0].startswith("-"):
        return Result(1, "", USAGE)
    return load_host(world, args[0], netns)

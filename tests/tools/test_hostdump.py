"""hostdump: a real host's `ip -j` dumps replayed into a namespace.

The differential test builds a namespace on the real kernel (veth pairs: this machine has no
dummy module), dumps it with the real `ip -j`, loads the dumps into skbuff, and compares
`ip -j route get` for a set of destinations on both.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from skbuff.sim.world import World
from skbuff.tools import hostdump

REAL_SETUP = """\
link add eth0 type veth peer name eth0p
link add eth1 type veth peer name eth1p
link set eth0 mtu 1400
link set lo up
link set eth0 up
link set eth0p up
link set eth1 up
link set eth1p up
addr add 192.168.1.10/24 dev eth0
addr add 10.1.0.5/16 dev eth1
addr add 10.1.0.6/16 dev eth1 label eth1:1
route add default via 192.168.1.1 proto dhcp metric 100
route add 172.16.0.0/12 via 10.1.0.1 table 100
route add blackhole 10.99.0.0/16
route add unreachable 10.98.0.0/16 table 100
route add 8.8.8.0/24 via 192.168.1.1 mtu 1300 table 100
route add 10.7.0.0/16 dev eth1 scope link src 10.1.0.6
rule add from 10.1.0.0/16 table 100 priority 1000
rule add to 8.8.0.0/16 lookup 100 priority 1001
rule add from 10.1.0.6 to 10.98.0.0/16 lookup 100 priority 900
neigh add 192.168.1.1 lladdr 02:11:22:33:44:55 dev eth0 nud permanent
"""
QUERIES = ["8.8.8.8", "8.8.4.4", "172.16.5.5", "10.1.2.3", "192.168.1.77", "1.1.1.1",
           "10.99.0.1", "127.0.0.1", "10.1.0.6", "10.7.1.1", "10.98.1.1",
           "172.16.0.1 from 10.1.0.5", "10.98.0.1 from 10.1.0.6", "10.98.0.1 from 10.1.0.5"]


def _netns_usable() -> str | None:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return "needs root and iproute2"
    probe = f"t2hd{os.getpid()}"
    if subprocess.run(["ip", "netns", "add", probe], capture_output=True).returncode:
        return "cannot create a network namespace"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def _ip(ns: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", "-n", ns, *args], capture_output=True, text=True)


@pytest.mark.skipif(_netns_usable() is not None, reason="needs root and network namespaces")
def test_route_get_matches_the_real_kernel(tmp_path: Path) -> None:
    ns = f"t2hd{os.getpid()}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        for line in REAL_SETUP.splitlines():
            assert _ip(ns, *line.split()).returncode == 0, line
        for kind, cmd in (("link", ["-j", "-d", "link"]), ("addr", ["-j", "addr"]),
                          ("route", ["-j", "route", "show", "table", "all"]),
                          ("rule", ["-j", "rule"]), ("neigh", ["-j", "neigh"])):
            (tmp_path / f"{kind}.json").write_text(_ip(ns, *cmd).stdout)
        real = {q: _ip(ns, "-j", "route", "get", *q.split()) for q in QUERIES}
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
    w = World()
    res = w.load_host(str(tmp_path), netns="h")
    assert res.status == 0 and res.stderr == ""
    assert res.stdout == ("hostdump: h: loaded 4 links, 3 addresses, 6 routes, 3 rules, "
                          "1 neighbours\n")
    for q in QUERIES:
        sim = w.run(f"ip -n h -j route get {q}")
        assert sim.status == real[q].returncode, q
        assert sim.stderr == real[q].stderr, q
        if sim.status == 0:
            got, want = json.loads(sim.stdout), json.loads(real[q].stdout)
            assert got == want, q


LINKS: list[dict[str, Any]] = [
         {"ifname": "lo", "flags": ["LOOPBACK", "UP"], "link_type": "loopback",
          "addr_info": [{"family": "inet", "local": "127.0.0.1", "prefixlen": 8}]},
         {"ifname": "wg0", "flags": ["POINTOPOINT", "NOARP", "UP"], "mtu": 1420,
          "link_type": "none", "linkinfo": {"info_kind": "wireguard"},
          "addr_info": [{"family": "inet", "local": "10.8.0.2", "prefixlen": 24,
                         "scope": "global", "label": "wg0"},
                        {"family": "inet6", "local": "fd00::2", "prefixlen": 64}]},
         {"ifname": "eth0", "flags": ["BROADCAST", "UP"], "mtu": 1500, "link_type": "ether",
          "address": "52:54:00:12:34:56",
          "addr_info": [{"family": "inet", "local": "192.0.2.5", "prefixlen": 24,
                         "broadcast": "192.0.2.255", "scope": "global", "label": "eth0",
                         "noprefixroute": True}]}]


def test_commands_from_dumps() -> None:
    create, up = hostdump.link_commands(LINKS)
    assert create == [["link", "add", "wg0", "type", "dummy"],
                      ["link", "set", "dev", "wg0", "mtu", "1420", "arp", "off"],
                      ["link", "add", "eth0", "type", "dummy"],
                      ["link", "set", "dev", "eth0", "mtu", "1500", "address",
                       "52:54:00:12:34:56"]]
    assert up == [["link", "set", "dev", n, "up"] for n in ("lo", "wg0", "eth0")]
    assert hostdump.addr_commands(LINKS) == [
        ["addr", "add", "10.8.0.2/24", "dev", "wg0"],
        ["addr", "add", "192.0.2.5/24", "broadcast", "192.0.2.255", "dev", "eth0",
         "noprefixroute"]]
    assert hostdump.route_command({"dst": "10.0.0.0/8", "protocol": "kernel"}) is None
    assert hostdump.route_command({"dst": "fe80::/64", "dev": "eth0"}) is None
    assert hostdump.route_command({
        "type": "unicast", "dst": "10.50.0.0/16", "table": "main", "protocol": "boot",
        "scope": "global", "flags": [], "nexthops": [
            {"gateway": "10.1.0.1", "dev": "eth1", "weight": 1, "flags": []},
            {"gateway": "192.168.1.1", "dev": "eth0", "weight": 2, "flags": ["onlink"]}]}) == [
        "route", "add", "10.50.0.0/16", "nexthop", "via", "10.1.0.1", "dev", "eth1",
        "weight", "1", "nexthop", "via", "192.168.1.1", "dev", "eth0", "weight", "2",
        "onlink", "proto", "boot", "scope", "global", "table", "main"]
    assert hostdump.rule_command({"priority": 32766, "src": "all", "table": "main",
                                  "protocol": "kernel"}) is None
    assert hostdump.rule_command({"priority": 5, "src": "all", "fwmark": "0x1",
                                  "action": "unreachable"}) == [
        "rule", "add", "priority", "5", "fwmark", "0x1", "unreachable"]
    assert hostdump.neigh_command({"dst": "10.0.0.1", "dev": "eth0", "state": ["STALE"],
                                   "lladdr": "02:00:00:00:00:01"}) is None


def test_combined_file_and_errors(tmp_path: Path) -> None:
    combined = tmp_path / "host.json"
    combined.write_text(json.dumps({
        "link": LINKS, "route": [{"dst": "default", "gateway": "10.8.0.1", "dev": "wg0",
                                  "protocol": "dhcp", "metric": 100},
                                 {"dst": "203.0.113.0/24", "gateway": "198.51.100.1"}]}))
    w = World()
    res = w.run(f"hostdump {combined} --netns h")
    assert res.status == 0
    assert res.stdout == ("hostdump: h: loaded 2 links, 2 addresses, 1 routes, 0 rules, "
                          "0 neighbours\n")
    assert res.stderr == ("hostdump: ip route add 203.0.113.0/24 via 198.51.100.1: "
                          "Error: Nexthop has invalid gateway.\n")
    assert "default via 10.8.0.1 dev wg0 proto dhcp metric 100" in \
        w.run("ip -n h route").stdout
    assert w.run("hostdump /nonexistent --netns x").stderr == \
        "hostdump: /nonexistent: No such file or directory\n"
    assert w.run("hostdump").status == 1
    (tmp_path / "bad.json").write_text("[1, 2]")
    assert w.run(f"hostdump {tmp_path / 'bad.json'} --netns y").status == 1

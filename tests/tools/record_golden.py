"""Record the real iproute2/procps outputs the tools tests compare against.

Run as root on a Linux box: `python tests/tools/record_golden.py`. Every command runs inside a
network namespace this script creates under a unique name and always deletes; nothing touches
the host's own interfaces. Each scenario is written to tests/tools/golden/<name>.json as a list
of {"cmd", "status", "stdout", "stderr"} with `cmd` the command as skbuff runs it (no -n).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"

# Commands that are refused before the kernel sees anything: state does not matter.
PARSER_ERRORS = [
    "ip foo", "ip route foo", "ip addr foo", "ip link foo", "ip neigh foo", "ip rule foo",
    "ip route add 1.2.3.4 1.2.3.5", "ip addr add", "ip addr add 1.2.3.4/24",
    "ip route add 1.2.3.0/24 metric abc dev lo", "ip route add 10.3.0.0/16 dev nosuch",
    "ip link show dev nosuch", "ip addr show dev nosuch", "ip route flush", "ip neigh flush",
    "ip addr flush", "ip neigh add 1.2.3.4", "ip -x", "ip route add",
    "ip route add 1.2.3.0/24 via abc", "ip route add abc", "ip rule add pref abc",
    "ip rule add tos zz", "ip route add 1.2.3.0/24 table foo dev lo",
    "ip route add 1.2.3.0/24 scope foo dev lo", "ip route add 1.2.3.0/24 proto foo dev lo",
    "ip link set nosuch up", "ip neigh add 1.2.3.4 dev lo nud bogus",
    "ip route add 1.2.3.0/24 dev", "ip addr add 1.2.3.4/24 dev lo label foo",
    "ip route get", "ip rule add uidrange x", "ip r ad 1.2.3.0/24 dev lo mtu x",
    "ip route add 1.2.3.0/24 dev lo tos zz", "ip neigh add 1.2.3.4 lladdr 1:2 lladdr 3:4 dev lo",
    "ip addr add 1.2.3.4/24 1.2.3.5/24 dev lo", "ip link add", "ip rule add blah",
    "ip route add 1.2.3.0/33 dev lo", "ip -n", "ip netns foo",
    "ip help", "ip link help", "ip addr help", "ip route help", "ip rule help", "ip neigh help",
    "ip netns help", "ip", "ip route get 1.2.3.4 ipproto bogus",
    "ip neigh add 1.2.3.4 dev lo nud 3", "ip link set lo arp", "ip rule add sport x",
]

# A small topology, then every printer. veth MACs are fixed so outputs are stable.
SETUP = [
    "ip link set lo up",
    "ip link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02",
    "ip link set v0 up", "ip link set v1 up",
    "ip addr add 10.0.0.1/24 brd + dev v0", "ip addr add 10.0.0.2/24 dev v0",
    "ip addr add 10.9.0.1/24 dev v1 label v1:web",
    "ip route add 10.1.0.0/16 via 10.0.0.9 metric 7 proto static",
    "ip route add blackhole 10.2.0.0/16",
    "ip route add 10.3.0.0/16 nexthop via 10.0.0.8 weight 2 nexthop via 10.0.0.9",
    "ip route add 10.4.0.0/16 dev v0 src 10.0.0.1 mtu lock 1300",
    "ip route add 10.5.0.0/16 via 10.0.0.9 table 100",
    "ip rule add from 1.2.3.0/24 table 100 pref 100",
    "ip rule add not to 5.5.5.5 fwmark 3/0xff iif lo pref 5 blackhole",
    "ip neigh add 10.0.0.7 lladdr 00:11:22:33:44:55 dev v0",
    "ip route add 10.1.0.0/16 via 10.0.0.9 metric 7 proto static",
    "ip route add 10.6.0.0/16 via 10.7.0.1",
    "ip addr add 10.0.0.1/24 dev v0",
]
SHOW = [
    "ip -4 addr show dev v0", "ip -j -4 addr show dev v0", "ip -4 addr show dev v1",
    "ip route", "ip -j route", "ip route show table 100", "ip route show table all",
    "ip rule", "ip -j rule", "ip neigh", "ip -j neigh", "ip neigh show dev v0",
    "ip link show v0", "ip -j link show v0", "ip link show lo", "ip -s link show lo",
    "ip -br -4 a", "ip -br link show lo", "ip route get 10.1.2.3", "ip route get 10.0.0.77",
    "ip r s 10.1.0.0/16", "ip r s root 10.0.0.0/8", "ip r s match 10.1.2.3",
    "ip r s proto static", "ip r s type blackhole", "ip r s via 10.0.0.9",
    "ip -j -p link show lo", "ip -j -p -4 addr show dev v0", "ip -j -p rule", "ip -s -4 a show lo",
]
GET_SETUP = [
    "ip link set lo up",
    "ip link add v0 address 02:00:00:00:00:01 type veth peer name v1 address 02:00:00:00:00:02",
    "ip link set v0 up", "ip link set v1 up", "ip addr add 10.0.0.1/24 dev v0",
    "ip route add 10.1.0.0/16 via 10.0.0.2",
]
GET = [
    "ip route get 10.1.2.3", "ip -j route get 10.1.2.3", "ip route get fibmatch 10.1.2.3",
    "ip route get 10.0.0.9 from 10.0.0.1", "ip route get 127.0.0.1", "ip route get 10.0.0.1",
    "ip -o -4 addr show dev v0", "ip -o link show lo", "ip -s -s link show lo",
    "ip route get 10.1.2.3 mark 7", "ip -o route get 127.0.0.1",
]
SYSCTL = [
    "sysctl net.ipv4.ip_forward", "sysctl -w net.ipv4.ip_forward=1",
    "sysctl net.ipv4.ip_forward=0", "sysctl -n net.ipv4.ip_forward",
    "sysctl net.ipv4.nosuch", "sysctl -e net.ipv4.nosuch", "sysctl -q -w net.ipv4.ip_forward=1",
    "sysctl -w net.ipv4.ip_forward=abc", "sysctl -w net.ipv4.ip_forward",
    "sysctl net/ipv4/ip_forward", "sysctl -N net.ipv4.ip_forward",
    "sysctl -w net.ipv4.ip_forward=0 net.ipv4.nosuch=1", "sysctl -x",
    "sysctl -p /nonexistent/sysctl.conf", "cat /proc/sys/net/ipv4/ip_forward",
    "cat /proc/sys/net/ipv4/nosuch", "cat /proc/sys/net/ipv4", "cat /proc/net/nosuch",
]


def _run(ns: str, cmd: str) -> dict[str, object]:
    argv = shlex.split(cmd)
    if argv[0] == "ip" and argv[1:2] != ["netns"]:
        real = ["ip", "-n", ns, *argv[1:]]
    else:
        real = ["ip", "netns", "exec", ns, *argv]
    p = subprocess.run(real, capture_output=True, text=True, timeout=30)
    return {"cmd": cmd, "status": p.returncode, "stdout": p.stdout, "stderr": p.stderr}


def record(name: str, setup: list[str], cmds: list[str]) -> None:
    ns = f"skbgold{os.getpid()}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        results = [_run(ns, c) for c in setup] + [_run(ns, c) for c in cmds]
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)
    GOLDEN.mkdir(exist_ok=True)
    (GOLDEN / f"{name}.json").write_text(json.dumps(results, indent=1) + "\n")


def main() -> None:
    record("parser_errors", [], PARSER_ERRORS)
    record("show", SETUP, SHOW)
    record("sysctl", [], SYSCTL)
    record("get", GET_SETUP, GET)


if __name__ == "__main__":
    main()

"""Record /proc/net/fib_trie, fib_triestat and route from the real kernel for FIB_SCRIPT,
and fib_triestat for a large table (LARGE_ROUTES blackhole routes added, then most deleted).

Run as root: `python tests/net/ipv4/record_fib_golden.py`. It creates a namespace
`sbfib-<pid>` with ifb devices (the dummy driver may be absent), runs the commands of
`FIB_SCRIPT` (shared with test_fib_frontend.py, which replays them on skbuff), saves the three
files into golden/ and always deletes the namespace; then the same for the large table
(replayed by test_fib_trie.py), whose shape exercises root inflations over full children.
"""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (command, args) lines; "link" lines create an ifb device and bring it up.
FIB_SCRIPT: tuple[str, ...] = (
    "link set lo up",
    "link add eth0 type ifb",
    "link set eth0 up",
    "link add eth1 type ifb",
    "link set eth1 up",
    "addr add 10.0.0.1/24 dev eth0",
    "addr add 10.0.0.2/24 dev eth0",
    "addr add 192.168.1.10/16 dev eth1",
    "addr add 10.9.0.1/30 dev eth1",
    "route add default via 10.0.0.254",
    "route add 172.16.0.0/12 via 192.168.1.1 metric 100",
    "route add 172.16.5.0/24 dev eth0 metric 5",
    "route add unreachable 203.0.113.0/24",
    "route add prohibit 198.51.100.0/24",
    "route add blackhole 198.18.0.0/15",
    "route add 10.1.0.0/16 via 10.0.0.3 mtu lock 1400 advmss 1300",
    "route add 10.20.0.0/16 tos 0x10 via 10.0.0.3",
    "route add 10.20.0.0/16 via 10.0.0.4 metric 7",
    "route add 10.30.0.0/16 dev eth0 table 100",
    "route add 10.40.0.0/16 nexthop via 10.0.0.3 weight 2 nexthop via 192.168.1.1",
)

FILES = ("fib_trie", "fib_triestat", "route")
LARGE_ROUTES = 20_000
LARGE_DELETES = 15_000


def large_table() -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(key, plen) to add in order, then the ones to delete in order: the global table's
    length mix (60% /24, 10% /23, 10% /22, the rest /8-/21), fixed seed."""
    rng = random.Random(20)
    lens = [24] * 60 + [23] * 10 + [22] * 10 + [rng.randint(8, 21) for _ in range(20)]
    adds: list[tuple[int, int]] = []
    seen = set()
    while len(adds) < LARGE_ROUTES:
        plen = rng.choice(lens)
        key = rng.getrandbits(32) & (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF
        if (key, plen) not in seen:
            seen.add((key, plen))
            adds.append((key, plen))
    return adds, rng.sample(adds, LARGE_DELETES)


def _batch(verb: str, routes: list[tuple[int, int]]) -> str:
    return "".join(f"route {verb} blackhole {k >> 24}.{k >> 16 & 255}.{k >> 8 & 255}."
                   f"{k & 255}/{p}\n" for k, p in routes)


def main() -> None:
    ns = f"sbfib-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        for line in FIB_SCRIPT:
            subprocess.run(["ip", "-n", ns, *line.split()], check=True)
        for name in FILES:
            text = subprocess.run(["ip", "netns", "exec", ns, "cat", f"/proc/net/{name}"],
                                  check=True, capture_output=True, text=True).stdout
            (HERE / "golden" / name).write_text(text)
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)
    adds, dels = large_table()
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        for name, verb, routes in (("add", "add", adds), ("del", "del", dels)):
            subprocess.run(["ip", "-n", ns, "-batch", "-"], input=_batch(verb, routes),
                           text=True, check=True)
            text = subprocess.run(["ip", "netns", "exec", ns, "cat", "/proc/net/fib_triestat"],
                                  check=True, capture_output=True, text=True).stdout
            (HERE / "golden" / f"fib_triestat_large_{name}").write_text(text)
    finally:
        subprocess.run(["ip", "netns", "del", ns], check=False)


if __name__ == "__main__":
    main()

"""Differential test: randomized tables and rules, then `ip route get` asked of the real
kernel and of skbuff, compared line by line (exit status, stdout, stderr).

Each case is one namespace with two veth pairs (veth exists in both; the dummy driver is
absent on the reference machines), connected subnets, random routes of every type in main
and two extra tables, random policy rules, forwarding on or off, and twenty lookups with
random from/iif/oif/mark/tos/ipproto/dport. The harness creates and always deletes the real
namespaces. Kernel: net/ipv4/route.c inet_rtm_getroute, net/ipv4/fib_rules.c.
"""

from __future__ import annotations

import random

import pytest

from tests.conformance.harness import run_both

CASES = 15
GETS_PER_CASE = 20
TABLES = ("main", "100", "200")
GWS = ("10.0.0.254", "10.0.1.254")


def _prefix(rng: random.Random) -> tuple[str, int]:
    plen = rng.choice((8, 12, 16, 20, 24, 28, 32))
    addr = rng.choice((0xAC100000, 0xC6120000, 0x0A000000 | rng.randrange(2, 255) << 16))
    addr |= rng.getrandbits(32 - 12) if plen > 12 else 0
    mask = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF
    addr &= mask
    return ".".join(str(addr >> s & 255) for s in (24, 16, 8, 0)), plen


def _host_in(rng: random.Random, prefix: str, plen: int) -> str:
    a = sum(int(x) << s for x, s in zip(prefix.split("."), (24, 16, 8, 0), strict=True))
    a |= rng.getrandbits(32 - plen) if plen < 32 else 0
    return ".".join(str(a >> s & 255) for s in (24, 16, 8, 0))


def make_script(seed: int) -> str:
    rng = random.Random(seed)
    ns = "ip -n a"
    lines = ["ip netns add a", f"{ns} link set lo up",
             f"{ns} link add v0 type veth peer name v1",
             f"{ns} link add v2 type veth peer name v3"]
    lines += [f"{ns} link set {d} up" for d in ("v0", "v1", "v2", "v3")]
    lines += [f"{ns} addr add 10.0.0.1/24 dev v0", f"{ns} addr add 10.0.1.1/24 dev v2",
              f"{ns} addr add 192.168.7.1/24 dev v1"]
    if rng.random() < 0.5:
        lines.append("ip netns exec a sysctl -qw net.ipv4.ip_forward=1")
    prefixes: list[tuple[str, int]] = []
    for _ in range(rng.randrange(4, 12)):
        p, plen = _prefix(rng)
        table = rng.choice(TABLES)
        kind = rng.choice(("via", "via", "dev", "blackhole", "unreachable", "prohibit", "throw"))
        if kind == "throw" and table == "main":
            kind = "via"
        spec = {"via": f"{p}/{plen} via {rng.choice(GWS)}",
                "dev": f"{p}/{plen} dev {rng.choice(('v0', 'v2'))}"}.get(kind, f"{kind} {p}/{plen}")
        metric = f" metric {rng.randrange(0, 3)}" if rng.random() < 0.3 else ""
        lines.append(f"{ns} route add {spec} table {table}{metric}")
        prefixes.append((p, plen))
    if rng.random() < 0.5:
        lines.append(f"{ns} route add default via {rng.choice(GWS)} table {rng.choice(TABLES)}")
    prefs = rng.sample(range(100, 30000), rng.randrange(0, 5))
    for pref in sorted(prefs, reverse=rng.random() < 0.5):
        sel = rng.choice((
            lambda: f"from {_host_in(rng, *rng.choice(prefixes))}/{rng.choice((16, 24, 32))}",
            lambda: "to {}/{}".format(*rng.choice(prefixes)),
            lambda: "tos 0x10",
            lambda: f"fwmark {rng.randrange(1, 4)}",
            lambda: f"iif {rng.choice(('lo', 'v1'))}",
            lambda: f"oif {rng.choice(('v0', 'v2'))}",
            lambda: f"ipproto udp dport {rng.randrange(50, 60)}",
            lambda: "from all",
        ))()
        if rng.random() < 0.2:
            sel = "not " + sel
        action = rng.choice(("lookup 100", "lookup 200", "lookup main", "prohibit",
                             "unreachable", "blackhole"))
        lines.append(f"{ns} rule add {sel} pref {pref} {action}")
    lines.append(f"{ns} rule")
    for _ in range(GETS_PER_CASE):
        if prefixes and rng.random() < 0.8:
            dst = _host_in(rng, *rng.choice(prefixes))
        else:
            dst = rng.choice(("10.0.0.7", "10.0.1.1", "8.8.8.8", "192.168.7.1", "127.0.0.1"))
        opts = []
        mode = rng.random()
        if mode < 0.3:
            opts.append(f"from {rng.choice(('10.0.0.1', '10.0.1.1', '192.168.7.9'))} iif v1")
        elif mode < 0.5:
            opts.append(f"from {rng.choice(('10.0.0.1', '10.0.1.1'))}")
        if mode >= 0.3 and rng.random() < 0.2:
            opts.append(f"oif {rng.choice(('v0', 'v2'))}")
        if rng.random() < 0.2:
            opts.append(f"mark {rng.randrange(1, 4)}")
        if rng.random() < 0.15:
            opts.append("tos 0x10")
        if rng.random() < 0.15:
            opts.append(f"ipproto udp dport {rng.randrange(50, 60)}")
        if rng.random() < 0.1:
            opts.append("fibmatch")
        lines.append(f"{ns} route get {dst} {' '.join(opts)}".rstrip())
    return "\n".join(lines) + "\n"


@pytest.mark.conformance
@pytest.mark.parametrize("seed", range(CASES))
def test_route_get_random(real_kernel_ok: None, seed: int) -> None:
    result = run_both(make_script(seed))
    assert result.ok, f"seed {seed}:\n{result.render()}"

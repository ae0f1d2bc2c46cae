"""Routing scripts: a namespace with veth pairs and ifb devices, addresses (secondaries, /32),
routes of every type with metrics, tables and TOS, policy rules with every selector and action,
devices down and carrier down, then `ip route get` queries, dumps, /proc files and rejected
commands. Deterministic per seed. Kernel: net/ipv4/fib_frontend.c, fib_trie.c, fib_rules.c,
route.c inet_rtm_getroute.
"""

from __future__ import annotations

import random
from collections.abc import Callable

NS = "ip -n a"
TABLES = ("main", "100", "200", "local")
# Gateways on the connected subnets; .253 is used only inside multipath routes (see
# MULTIPATH_GWS), so a `route get` answer naming it may pick either hop.
GWS = ("10.0.0.254", "10.0.1.254", "10.0.0.9", "10.0.1.9")
MULTIPATH_GWS = (("10.0.0.253", "v0"), ("10.0.1.253", "v2"))
LOCAL_SRCS = ("10.0.0.1", "10.0.1.1", "10.0.0.2", "172.16.5.1", "192.168.7.1")
DEVS = ("v0", "v2", "i0")
METRICS = ("mtu 1400", "mtu lock 1300", "advmss 1200", "window 8192", "rtt 20ms",
           "hoplimit 17", "initcwnd 10", "initrwnd 20", "quickack 1", "reordering 5",
           "rto_min 50ms", "features ecn", "rttvar 10ms", "cwnd 12", "ssthresh 30")


def ip4(a: int) -> str:
    return ".".join(str(a >> s & 255) for s in (24, 16, 8, 0))


def aton(s: str) -> int:
    return sum(int(x) << sh for x, sh in zip(s.split("."), (24, 16, 8, 0), strict=True))


def random_prefix(rng: random.Random) -> tuple[str, int]:
    plen = rng.choice((0, 8, 12, 16, 20, 24, 25, 28, 30, 31, 32))
    base = rng.choice((0xAC100000, 0xC6120000, 0x0A000000 | rng.randrange(2, 255) << 16,
                       0x0A000000, 0x0A000100))
    a = base | rng.getrandbits(16)
    mask = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF
    return ip4(a & mask), plen


def host_in(rng: random.Random, prefix: str, plen: int) -> str:
    a = aton(prefix)
    if plen < 32:
        a |= rng.getrandbits(32 - plen)
    return ip4(a)


def topology(rng: random.Random) -> list[str]:
    """Namespace a: v0-v1 and v2-v3 veth pairs, ifb i0 (/32) and i1; some down."""
    lines = ["ip netns add a", f"{NS} link set lo up",
             f"{NS} link add v0 type veth peer name v1",
             f"{NS} link add v2 type veth peer name v3",
             f"{NS} link add i0 type ifb", f"{NS} link add i1 type ifb"]
    lines += [f"{NS} link set {d} up" for d in ("v0", "v1", "v2", "v3", "i0")]
    lines += [f"{NS} addr add 10.0.0.1/24 dev v0", f"{NS} addr add 10.0.1.1/24 dev v2",
              f"{NS} addr add 192.168.7.1/24 dev v1", f"{NS} addr add 172.16.5.1/32 dev i0",
              f"{NS} addr add 10.0.2.1/24 dev i1"]
    if rng.random() < 0.6:
        lines.append(f"{NS} addr add 10.0.0.2/24 dev v0")  # a secondary
    if rng.random() < 0.3:
        lines.append(f"{NS} addr add 10.0.1.77/28 dev v2")
    if rng.random() < 0.5:
        lines.append("ip netns exec a sysctl -qw net.ipv4.ip_forward=1")
    return lines


def _route_spec(rng: random.Random, p: str, plen: int, table: str) -> str:
    kind = rng.choice(("via", "via", "dev", "dev", "blackhole", "unreachable", "prohibit",
                       "throw", "multipath", "local", "broadcast", "multicast", "anycast",
                       "onlink"))
    if kind == "via":
        spec = f"{p}/{plen} via {rng.choice(GWS)}"
    elif kind == "dev":
        spec = f"{p}/{plen} dev {rng.choice(DEVS)}"
        if rng.random() < 0.3:
            spec += f" scope {rng.choice(('link', 'host', 'global'))}"
    elif kind == "onlink":
        spec = f"{p}/{plen} via 198.51.100.{rng.randrange(1, 9)} dev v0 onlink"
    elif kind == "multipath":
        (g0, d0), (g1, d1) = MULTIPATH_GWS
        spec = (f"{p}/{plen} nexthop via {g0} dev {d0} weight {rng.randrange(1, 4)}"
                f" nexthop via {g1} dev {d1}")
    elif kind in ("local", "broadcast", "multicast", "anycast"):
        spec = f"{kind} {p}/{plen} dev {rng.choice(DEVS)}"
    else:
        spec = f"{kind} {p}/{plen}"
    if kind in ("via", "dev") and rng.random() < 0.3:
        spec += f" src {rng.choice(LOCAL_SRCS)}"
    if rng.random() < 0.3:
        spec += f" metric {rng.randrange(0, 4)}"
    if rng.random() < 0.15:
        spec += f" tos {rng.choice(('0x10', '0x08', '0x04'))}"
    if rng.random() < 0.25:
        spec += " " + " ".join(rng.sample(METRICS, rng.randrange(1, 3)))
    if rng.random() < 0.1:
        spec += f" proto {rng.choice(('static', 'boot', '99'))}"
    return f"{spec} table {table}"


def routes(rng: random.Random, n: int) -> tuple[list[str], list[tuple[str, int]]]:
    lines: list[str] = []
    prefixes: list[tuple[str, int]] = []
    for _ in range(n):
        p, plen = random_prefix(rng)
        table = rng.choice(TABLES[:3]) if rng.random() < 0.9 else "local"
        verb = "add" if rng.random() < 0.85 else rng.choice(("replace", "append", "prepend"))
        lines.append(f"{NS} route {verb} {_route_spec(rng, p, plen, table)}")
        prefixes.append((p, plen))
    if rng.random() < 0.6:
        lines.append(f"{NS} route add default via {rng.choice(GWS)} "
                     f"table {rng.choice(TABLES[:3])}")
    return lines, prefixes


def _selector(rng: random.Random, prefixes: list[tuple[str, int]]) -> str:
    choices: list[Callable[[], str]] = [
        lambda: f"from {host_in(rng, *rng.choice(prefixes))}/{rng.choice((8, 16, 24, 32))}",
        lambda: "to {}/{}".format(*rng.choice(prefixes)),
        lambda: f"tos {rng.choice(('0x10', '0x08'))}",
        lambda: f"fwmark {rng.randrange(1, 4)}",
        lambda: f"fwmark 0x{rng.randrange(1, 8):x}/0x{rng.choice((3, 6, 7)):x}",
        lambda: f"iif {rng.choice(('lo', 'v1', 'v0'))}",
        lambda: f"oif {rng.choice(('v0', 'v2'))}",
        lambda: f"ipproto {rng.choice(('udp', 'tcp'))}",
        lambda: f"ipproto udp dport {rng.randrange(50, 60)}",
        lambda: f"ipproto tcp sport {rng.randrange(50, 55)}-{rng.randrange(55, 60)}",
        lambda: f"uidrange 0-{rng.randrange(0, 3)}",
        lambda: "from all",
    ]
    sel = rng.choice(choices)()
    if rng.random() < 0.3:
        sel += " " + rng.choice(choices)()
    if rng.random() < 0.15:
        sel = "not " + sel
    return sel


def rules(rng: random.Random, prefixes: list[tuple[str, int]]) -> list[str]:
    lines: list[str] = []
    prefs = sorted(rng.sample(range(100, 30000), rng.randrange(0, 6)))
    for pref in rng.sample(prefs, len(prefs)):
        later = [p for p in prefs if p > pref]
        actions = ["lookup 100", "lookup 200", "lookup main", "prohibit", "unreachable",
                   "blackhole", "nop", "lookup main suppress_prefixlength 0",
                   "lookup 100 suppress_prefixlength 8", "lookup main suppress_ifgroup 0"]
        if later:
            actions.append(f"goto {rng.choice(later)}")
        lines.append(f"{NS} rule add {_selector(rng, prefixes)} pref {pref} "
                     f"{rng.choice(actions)}")
    return lines


def link_events(rng: random.Random) -> list[str]:
    """Devices down and carrier down (a veth whose peer is down)."""
    out: list[str] = []
    if rng.random() < 0.3:
        out.append(f"{NS} link set v3 down")  # v2 loses carrier
    if rng.random() < 0.2:
        out.append(f"{NS} link set i0 down")
    if rng.random() < 0.15:
        out.append(f"{NS} link set v0 down")
    if rng.random() < 0.15:
        out.append(f"{NS} addr del 10.0.0.1/24 dev v0")  # promotes the secondary, if any
    return out


def route_get(rng: random.Random, prefixes: list[tuple[str, int]]) -> str:
    if prefixes and rng.random() < 0.75:
        dst = host_in(rng, *rng.choice(prefixes))
    else:
        dst = rng.choice(("10.0.0.7", "10.0.1.1", "8.8.8.8", "192.168.7.1", "127.0.0.1",
                          "10.0.0.255", "172.16.5.1", "10.0.2.9", "224.0.0.5",
                          "255.255.255.255", "0.0.0.0", "10.0.0.2"))
    opts = []
    mode = rng.random()
    if mode < 0.3:
        src = rng.choice(("10.0.0.1", "10.0.1.1", "192.168.7.9", "10.0.0.99", "172.16.5.1",
                          "0.0.0.0"))
        opts.append(f"from {src} iif {rng.choice(('v1', 'v0', 'v2', 'lo', 'i0'))}")
    elif mode < 0.5:
        opts.append(f"from {rng.choice((*LOCAL_SRCS, '10.9.9.9'))}")
    if mode >= 0.3 and rng.random() < 0.25:
        opts.append(f"oif {rng.choice(('v0', 'v2', 'i0', 'i1'))}")
    if rng.random() < 0.2:
        opts.append(f"mark {rng.randrange(1, 8)}")
    if rng.random() < 0.15:
        opts.append(f"tos {rng.choice(('0x10', '0x08', '0x04'))}")
    if rng.random() < 0.15:
        proto = rng.choice(("udp", "tcp"))
        opts.append(f"ipproto {proto} dport {rng.randrange(50, 60)} sport {rng.randrange(50, 60)}")
    if rng.random() < 0.08:
        opts.append(f"uid {rng.randrange(0, 3)}")
    if rng.random() < 0.12:
        opts.append("fibmatch")
    return f"{NS} route get {dst} {' '.join(opts)}".rstrip()


def routing_script(seed: int, gets: int = 100) -> str:
    """Setup, link events, dumps and `gets` route-get queries."""
    rng = random.Random(seed)
    lines = topology(rng)
    rlines, prefixes = routes(rng, rng.randrange(4, 14))
    lines += rlines + rules(rng, prefixes) + link_events(rng)
    lines += [f"{NS} rule show", f"{NS} -j route show table all"]
    lines += [route_get(rng, prefixes) for _ in range(gets)]
    return "\n".join(lines) + "\n"


def procfs_script(seed: int) -> str:
    """Setup then /proc/net/route, /proc/net/fib_trie and `ip route show` views."""
    rng = random.Random(seed)
    lines = topology(rng)
    rlines, _ = routes(rng, rng.randrange(2, 10))
    lines += rlines + link_events(rng)
    lines += ["ip netns exec a cat /proc/net/route", "ip netns exec a cat /proc/net/fib_trie",
              f"{NS} route show", f"{NS} route show table local", f"{NS} -d route show table all",
              f"{NS} link show", f"{NS} addr show", f"{NS} -j addr show", f"{NS} -br addr"]
    return "\n".join(lines) + "\n"


def _bad_line(rng: random.Random) -> str:
    p, plen = random_prefix(rng)
    bad: list[Callable[[], str]] = [
        lambda: f"{NS} route add {p}/{plen} via 192.0.2.{rng.randrange(1, 250)}",
        lambda: f"{NS} route add {p}/{plen} via 10.0.0.1",
        lambda: f"{NS} route add {p}/{plen} dev nope0",
        lambda: f"{NS} route add 10.0.0.0/{rng.choice((33, 40, -1))} dev v0",
        lambda: f"{NS} route add 10.0.{rng.randrange(256, 300)}.0/24 dev v0",
        lambda: f"{NS} route add {p}/{plen} via 10.0.0.254 src 10.99.0.1",
        lambda: f"{NS} route add {p}/{plen} dev v0 table 4294967296",
        lambda: f"{NS} route add {p}/{plen} via 10.0.0.254 dev v2",
        lambda: f"{NS} route del {p}/{plen} via 10.0.0.254 table 100",
        lambda: f"{NS} route add {p}/{plen} mtu 70000 dev v0",
        lambda: f"{NS} route add nat {p}/{plen} via 10.0.0.254",
        lambda: f"{NS} route add {p}/{plen} dev v0 metric -1",
        lambda: f"{NS} route add {p}/{plen} via 10.0.0.254 scope host",
        lambda: f"{NS} route add {p}/{plen} nexthop via 10.0.0.254 dev v0 weight 0",
        lambda: f"{NS} route add {p}/{plen} nexthop via 192.0.2.1 nexthop via 10.0.1.254",
        lambda: f"{NS} addr add 10.0.0.1/24 dev v0",
        lambda: f"{NS} addr del 10.5.5.5/24 dev v0",
        lambda: f"{NS} addr add 10.7.0.1/24 dev nope0",
        lambda: f"{NS} addr add 10.7.0.1/33 dev v0",
        lambda: f"{NS} rule add from 10.0.0.0/8 lookup 100 pref 100",
        lambda: f"{NS} rule add goto 5 pref 100",
        lambda: f"{NS} rule del pref {rng.randrange(40000, 50000)}",
        lambda: f"{NS} rule add iif lo pref 10 table 0",
        lambda: f"{NS} rule add fwmark 0x1/0x0 pref 11 lookup 100",
        lambda: f"{NS} link set nope0 up",
        lambda: f"{NS} route get {p} oif nope0",
        lambda: f"{NS} route get 10.0.0.{rng.randrange(256, 999)}",
        lambda: f"{NS} route get 10.1.2.3 iif v1",
        lambda: f"{NS} route get 10.1.2.3 from 10.0.0.1 iif nope0",
        lambda: f"{NS} route get 10.1.2.3 tos 0xzz",
        lambda: f"{NS} route show table 4294967296",
        lambda: f"{NS} rule add pref 50 lookup 100 tos 0x100",
    ]
    return rng.choice(bad)()


def setup_errors_script(seed: int, n: int = 12) -> str:
    """Rejected setup commands after a valid setup: each may add a route a later one
    duplicates, so the duplicate case (`File exists`) arises too."""
    rng = random.Random(seed)
    lines = topology(rng)
    rlines, _ = routes(rng, 3)
    lines += rlines
    lines.append(f"{NS} rule add from 10.0.0.0/8 lookup 100 pref 100")
    for _ in range(n):
        lines.append(_bad_line(rng) if rng.random() < 0.8 else rng.choice(rlines))
    lines += [f"{NS} -j route show table all", f"{NS} rule show"]
    return "\n".join(lines) + "\n"

"""Differential test of the LC-trie's shape: hundreds of routes added, then most of them
deleted, in random order, with /proc/net/fib_trie and /proc/net/fib_triestat read from the real
kernel and from skbuff after each phase and compared line by line. The adds make the root
inflate over full children and leaves collide; the deletes collapse and halve tnodes.
Kernel: net/ipv4/fib_trie.c fib_insert_node, fib_remove_alias, resize, inflate, halve, collapse.
"""

from __future__ import annotations

import random

import pytest

from tests.conformance.harness import run_both

CASES = 2
ROUTES = 500
DELETES = 460
# Clustered bases so that keys share long prefixes (collisions, deep tnodes) as in real tables.
BASES = (0x0A000000, 0xAC100000, 0xC0A80000, 0xC6120000)
PLENS = (24, 24, 24, 24, 24, 24, 23, 22, 20, 16, 12, 8, 28, 32)


def _prefix(rng: random.Random) -> str:
    plen = rng.choice(PLENS)
    key = (rng.choice(BASES) | rng.getrandbits(20)) & ((0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF)
    return ".".join(str(key >> s & 255) for s in (24, 16, 8, 0)) + f"/{plen}"


def make_script(seed: int) -> str:
    rng = random.Random(seed)
    ns = "ip -n a"
    prefixes: list[str] = []
    while len(prefixes) < ROUTES:
        p = _prefix(rng)
        if p not in prefixes:
            prefixes.append(p)
    lines = ["ip netns add a"]
    lines += [f"{ns} route add {rng.choice(('blackhole', 'unreachable'))} {p}" for p in prefixes]
    views = ["ip netns exec a cat /proc/net/fib_trie", "ip netns exec a cat /proc/net/fib_triestat"]
    lines += views
    lines += [f"{ns} route del {p}" for p in rng.sample(prefixes, DELETES)]
    lines += views
    return "\n".join(lines) + "\n"


@pytest.mark.conformance
@pytest.mark.parametrize("seed", range(CASES))
def test_fib_trie_shape(real_kernel_ok: None, seed: int) -> None:
    result = run_both(make_script(seed))
    assert result.ok, f"seed {seed}:\n{result.render()}"

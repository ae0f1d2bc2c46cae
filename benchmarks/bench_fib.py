"""FIB trie speed and size on an internet-like table, as ratios to pytricia in the same run.

Run: python benchmarks/bench_fib.py [N] (default 1,000,000 prefixes). Prefix lengths follow the
global table's mix (≈60% /24, 10% /23, 10% /22, the rest /8-/21). Prints, for skbuff's
fib_trie and for pytricia (a C patricia trie): build time, RSS growth, scalar lookups/s, and
skbuff's batched numpy lookups/s (`fib_table_lookup_batch`), with the ratios.

The builds run with the garbage collector thresholds `skbuff run` sets for bulk loads
(`cli.GC_THRESHOLDS`); one more fib_trie build runs with the collector paused, for reference.
"""

from __future__ import annotations

import gc
import random
import resource
import sys
import time

import numpy as np
import pytricia

from skbuff import cli
from skbuff.compat import gc_set_threshold
from skbuff.net import flow
from skbuff.net.ipv4 import fib_trie, ip_fib
from skbuff.uapi import rtnetlink as uapi_rt

LOOKUPS = 200_000
# CPU time of this process: steady when other jobs share the machine (wall time is not), and
# equal to wall time on an idle one for this single-threaded work.
clock = time.process_time


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def prefixes(n: int, seed: int = 1) -> list[tuple[int, int]]:
    """n distinct (key, plen) with the global table's length mix."""
    rng = random.Random(seed)
    lens = [24] * 60 + [23] * 10 + [22] * 10 + [rng.randint(8, 21) for _ in range(20)]
    out: set[tuple[int, int]] = set()
    while len(out) < n:
        plen = rng.choice(lens)
        key = rng.getrandbits(32) & ((0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF)
        out.add((key, plen))
    return sorted(out, key=lambda kp: rng.random())


def build_fib(pfx: list[tuple[int, int]], fis: list[ip_fib.fib_info]) -> ip_fib.fib_table:
    """Insert through the trie's own insert path (fib_find_node/find_alias/insert_alias)."""
    tb = fib_trie.fib_trie_table(uapi_rt.RT_TABLE_MAIN, None)
    t = tb.tb_data
    for i, (key, plen) in enumerate(pfx):
        fi = fis[i % len(fis)]
        l, tp = fib_trie.fib_find_node(t, key)
        slen = 32 - plen
        fa = fib_trie.fib_find_alias(fib_trie.leaf_aliases(l) if l else None, slen, 0, 0,
                                     tb.tb_id, False)
        fib_trie.fib_insert_alias(t, tp, l, ip_fib.fib_alias(fi, 0, uapi_rt.RTN_UNICAST, slen,
                                                             tb.tb_id), fa, key)
    return tb


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    pfx = prefixes(n)
    fis = []
    for oif in range(1, 9):
        fi = ip_fib.fib_info(None)
        nh = ip_fib.fib_nh()
        nh.nhc_oif = oif
        fi.fib_nh = [nh]
        fi.fib_nhs = 1
        fis.append(fi)
    strs = [f"{k >> 24}.{k >> 16 & 255}.{k >> 8 & 255}.{k & 255}/{p}" for k, p in pfx]
    gc_set_threshold(*cli.GC_THRESHOLDS)

    rss0 = _rss_mb()
    t0 = clock()
    pyt = pytricia.PyTricia(32)
    for i, s in enumerate(strs):
        pyt[s] = i % 8 + 1
    t_pyt = clock() - t0
    rss_pyt = _rss_mb() - rss0

    rss0 = _rss_mb()
    t0 = clock()
    tb = build_fib(pfx, fis)
    t_fib = clock() - t0
    rss_fib = _rss_mb() - rss0

    rng = random.Random(2)
    addrs = [rng.getrandbits(32) for _ in range(LOOKUPS)]
    t0 = clock()
    hits = 0
    for a in addrs:
        hits += pyt.get(a) is not None
    t_pyt_l = clock() - t0

    fl4 = flow.flowi4()
    res = ip_fib.fib_result()
    lookup = fib_trie.fib_table_lookup
    t0 = clock()
    fhits = 0
    for a in addrs:
        fl4.daddr = a
        fhits += lookup(tb, fl4, res, 0) == 0
    t_fib_l = clock() - t0
    assert fhits == hits, (fhits, hits)

    big = np.array([rng.getrandbits(32) for _ in range(1_000_000)], dtype=np.uint32)
    t0 = clock()
    fib_trie.fib_table_lookup_batch(tb, big[:10])
    t_compile = clock() - t0
    t0 = clock()
    out = fib_trie.fib_table_lookup_batch(tb, big)
    t_batch = clock() - t0
    assert int((out > 0).sum()) > 0

    gc.disable()
    t0 = clock()
    build_fib(pfx, fis)
    t_fib_nogc = clock() - t0
    gc.enable()

    print(f"prefixes: {n} (CPU seconds of this process; gc thresholds {cli.GC_THRESHOLDS})")
    print(f"build:   fib_trie {t_fib:7.2f} s   pytricia {t_pyt:6.2f} s   "
          f"ratio {t_fib / t_pyt:5.1f}x")
    print(f"  gc paused: fib_trie {t_fib_nogc:7.2f} s                    "
          f"ratio {t_fib_nogc / t_pyt:5.1f}x")
    print(f"rss:     fib_trie {rss_fib:7.0f} MB  pytricia {rss_pyt:6.0f} MB  "
          f"ratio {rss_fib / max(rss_pyt, 1):5.1f}x")
    print(f"lookup:  fib_trie {LOOKUPS / t_fib_l:9.0f}/s  pytricia {LOOKUPS / t_pyt_l:9.0f}/s  "
          f"ratio {t_fib_l / t_pyt_l:5.2f}x slower")
    print(f"batch:   fib_table_lookup_batch {len(big) / t_batch / 1e6:6.1f} M/s "
          f"({len(big) / t_batch * t_pyt_l / LOOKUPS:5.1f}x pytricia scalar); "
          f"table compile {t_compile:.2f} s")


if __name__ == "__main__":
    main()

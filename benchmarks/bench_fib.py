"""FIB trie speed and size on an internet-like table, as ratios to baselines in the same run.

Run: python benchmarks/bench_fib.py [N] (default 1,000,000 prefixes), on CPython or PyPy.
Prefix lengths follow the global table's mix (≈60% /24, 10% /23, 10% /22, the rest /8-/21).
Prints, for skbuff's fib_trie and each baseline: build time, the resident memory the build
adds to a fresh process (after a full collection; see `footprint`) and what it pins there
(the same with glibc's malloc_trim before both readings), scalar lookups/s, and
skbuff's batched numpy lookups/s (`fib_table_lookup_batch`), with the ratios. The baselines:

- `dict`, on every runtime: a pure-Python longest-prefix match, one dict per prefix length
  (key -> value), probed longest length first; what plain Python code does without a trie.
- `pytricia` (a C patricia trie), where it is importable (on PyPy it builds with Debian's
  pypy3-dev and runs through cpyext, slower than on CPython).

Scalar lookups are timed as the best of LOOKUP_PASSES passes over the same addresses, for
every structure alike: PyPy's JIT compiles the lookup during the first pass(es), and the best
pass is the steady state (on CPython the passes differ only by noise).

The builds run with the garbage collector thresholds `skbuff run` sets for bulk loads
(`cli.GC_THRESHOLDS`, CPython only); one more fib_trie build runs with the collector paused,
for reference (on PyPy gc.disable() pauses only major collections, and that build runs with
the JIT already warm: it is no measure of the collector alone there).
"""

from __future__ import annotations

import ctypes
import gc
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from skbuff import cli
from skbuff.compat import gc_set_threshold, pypy_bulk_gc
from skbuff.net import flow
from skbuff.net.ipv4 import fib_trie, ip_fib
from skbuff.uapi import rtnetlink as uapi_rt

try:
    import pytricia
except ImportError:  # e.g. PyPy without pypy3-dev: the C extension did not build
    pytricia = None

LOOKUPS = 200_000
LOOKUP_PASSES = 5
# CPU time of this process: steady when other jobs share the machine (wall time is not), and
# equal to wall time on an idle one for this single-threaded work.
clock = time.process_time
T = TypeVar("T")


def _rss_mb(trim: bool = False) -> float:
    """Resident set size after a full collection (what the live structures hold); with
    `trim`, after glibc's malloc_trim has returned the free heap pages too."""
    gc.collect()
    if trim:
        ctypes.CDLL(None).malloc_trim(0)
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


def fib_infos() -> list[ip_fib.fib_info]:
    """Eight fib_infos (one nexthop each, oif 1-8) for the routes to share."""
    fis = []
    for oif in range(1, 9):
        fi = ip_fib.fib_info(None)
        nh = ip_fib.fib_nh()
        nh.nhc_oif = oif
        fi.fib_nh = [nh]
        fi.fib_nhs = 1
        fis.append(fi)
    return fis


def prefix_strings(pfx: list[tuple[int, int]]) -> list[str]:
    """The prefixes as dotted "a.b.c.d/len" strings (pytricia's usual input)."""
    return [f"{k >> 24}.{k >> 16 & 255}.{k >> 8 & 255}.{k & 255}/{p}" for k, p in pfx]


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


def fib_lookups(tb: ip_fib.fib_table) -> Callable[[list[int]], int]:
    """A pass of scalar `fib_table_lookup`s; returns the number of hits."""
    fl4 = flow.flowi4()
    res = ip_fib.fib_result()
    lookup = fib_trie.fib_table_lookup

    def run(addrs: list[int]) -> int:
        hits = 0
        for a in addrs:
            fl4.daddr = a
            hits += lookup(tb, fl4, res, 0) == 0
        return hits

    return run


def build_dict(pfx: list[tuple[int, int]]) -> list[tuple[int, dict[int, int]]]:
    """The pure-Python baseline: (netmask, {key: value}) per prefix length, longest first."""
    by_len: dict[int, dict[int, int]] = {}
    for i, (key, plen) in enumerate(pfx):
        d = by_len.get(plen)
        if d is None:
            d = by_len[plen] = {}
        d[key] = i % 8 + 1
    return [((0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF, by_len[plen])
            for plen in sorted(by_len, reverse=True)]


def dict_lookups(tables: list[tuple[int, dict[int, int]]]) -> Callable[[list[int]], int]:
    """A pass of longest-prefix matches over `build_dict`'s tables; returns the hits."""

    def run(addrs: list[int]) -> int:
        hits = 0
        for a in addrs:
            for mask, d in tables:
                if a & mask in d:
                    hits += 1
                    break
        return hits

    return run


def build_pytricia(strs: list[str]) -> Any:
    """pytricia filled from dotted prefix strings (its usual input)."""
    pyt = pytricia.PyTricia(32)
    for i, s in enumerate(strs):
        pyt[s] = i % 8 + 1
    return pyt


def pytricia_lookups(pyt: Any) -> Callable[[list[int]], int]:
    """A pass of pytricia `get`s; returns the hits."""

    def run(addrs: list[int]) -> int:
        hits = 0
        for a in addrs:
            hits += pyt.get(a) is not None
        return hits

    return run


def measured_build(build: Callable[[], T]) -> tuple[T, float]:
    """build()'s result and its CPU seconds."""
    t0 = clock()
    out = build()
    return out, clock() - t0


def footprint(name: str, n: int, trim: bool = False) -> float:
    """The RSS in MB that building structure `name` adds to a fresh process, measured in a
    child process (`--footprint NAME N [--trim]`): in this one, every earlier build's garbage,
    freed arenas and heap growth would be counted against the next (on PyPy the fib_trie's
    figure moved from 230 to 320 MB with the build order).

    With `trim`, glibc's malloc_trim runs before both readings: the figure is then what the
    structure pins, without the free heap the build found already resident (and reused) or
    left behind. Without it, the process is as a program has it after reading its input."""
    args = [sys.executable, __file__, "--footprint", name, str(n)] + (["--trim"] if trim else [])
    out = subprocess.run(args, capture_output=True, text=True, check=True)
    return float(out.stdout)


def footprint_child(name: str, n: int, trim: bool) -> None:
    """Print the RSS `name`'s build adds, after the inputs exist and the allocator is warm
    (PyPy's nursery, 64 MB here, is touched by the first objects allocated in it: it is the
    runtime's, not the structure's)."""
    pfx = prefixes(n)
    inputs = {"fib_trie": lambda: build_fib(pfx, fib_infos()), "dict": lambda: build_dict(pfx)}
    if name == "pytricia":
        strs = prefix_strings(pfx)
        inputs["pytricia"] = lambda: build_pytricia(strs)
    young: list[list[int]] = []
    for i in range(4_000_000):  # garbage that dies young (the JIT cannot elide it)
        young.append([i])
        if len(young) == 1000:
            young = []
    gc_set_threshold(*cli.GC_THRESHOLDS)
    rss0 = _rss_mb(trim)
    built = inputs[name]()
    print(_rss_mb(trim) - rss0)
    del built

def best_pass(run: Callable[[list[int]], int], addrs: list[int]) -> tuple[float, int]:
    """(lookups/s of the fastest of LOOKUP_PASSES passes, hits of a pass)."""
    best = float("inf")
    hits = 0
    for _ in range(LOOKUP_PASSES):
        t0 = clock()
        hits = run(addrs)
        best = min(best, clock() - t0)
    return len(addrs) / best, hits


def main() -> None:
    pypy_bulk_gc(sys.argv)  # as `skbuff run` does on PyPy
    gc_env = " ".join(f"{k}={os.environ.get(k)}" for k in ("PYPY_GC_NURSERY", "PYPY_GC_MIN"))
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    pfx = prefixes(n)
    fis = fib_infos()
    rng = random.Random(2)
    addrs = [rng.getrandbits(32) for _ in range(LOOKUPS)]
    gc_set_threshold(*cli.GC_THRESHOLDS)

    # name -> (build s, RSS MB, lookups/s); name -> RSS MB with malloc_trim (pinned)
    rows: dict[str, tuple[float, float, float]] = {}
    pinned = {name: footprint(name, n, trim=True)
              for name in ("fib_trie", "dict") + (("pytricia",) if pytricia else ())}
    hits: dict[str, int] = {}
    tables, t_build = measured_build(lambda: build_dict(pfx))
    rate, hits["dict"] = best_pass(dict_lookups(tables), addrs)
    rows["dict"] = (t_build, footprint("dict", n), rate)

    if pytricia is not None:
        strs = prefix_strings(pfx)
        pyt, t_build = measured_build(lambda: build_pytricia(strs))
        rate, hits["pytricia"] = best_pass(pytricia_lookups(pyt), addrs)
        rows["pytricia"] = (t_build, footprint("pytricia", n), rate)

    tb, t_fib = measured_build(lambda: build_fib(pfx, fis))
    rss_fib = footprint("fib_trie", n)
    rate_fib, fhits = best_pass(fib_lookups(tb), addrs)
    assert all(h == fhits for h in hits.values()), (fhits, hits)

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

    impl = sys.implementation.name
    print(f"prefixes: {n} on {impl} {sys.version.split()[0]} (CPU seconds of this process; "
          f"gc: {f'thresholds {cli.GC_THRESHOLDS}' if impl == 'cpython' else gc_env})")
    print(f"build:   fib_trie {t_fib:7.2f} s" + "".join(
        f"   {name} {b:6.2f} s ({t_fib / b:5.1f}x)" for name, (b, _, _) in rows.items()))
    print(f"  gc paused: fib_trie {t_fib_nogc:7.2f} s" + "".join(
        f"   ({t_fib_nogc / b:5.1f}x {name})" for name, (b, _, _) in rows.items()))
    print(f"rss:     fib_trie {rss_fib:7.0f} MB" + "".join(
        f"   {name} {r:6.0f} MB ({rss_fib / max(r, 1):5.1f}x)"
        for name, (_, r, _) in rows.items()))
    print(f"  pinned: fib_trie {pinned['fib_trie']:6.0f} MB" + "".join(
        f"   {name} {pinned[name]:6.0f} MB ({pinned['fib_trie'] / max(pinned[name], 1):5.1f}x)"
        for name in rows) + "   (malloc_trim before both readings)")
    print(f"lookup:  fib_trie {rate_fib:9.0f}/s" + "".join(
        f"   {name} {lr:9.0f}/s ({lr / rate_fib:5.2f}x slower)"
        for name, (_, _, lr) in rows.items()) + f"   best of {LOOKUP_PASSES} passes")
    print(f"batch:   fib_table_lookup_batch {len(big) / t_batch / 1e6:6.1f} M/s" + "".join(
        f" ({len(big) / t_batch / lr:5.1f}x {name} scalar)"
        for name, (_, _, lr) in rows.items()) + f"; table compile {t_compile:.2f} s")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--footprint"]:
        footprint_child(sys.argv[2], int(sys.argv[3]), sys.argv[4:] == ["--trim"])
    else:
        main()

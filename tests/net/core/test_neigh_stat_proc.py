"""/proc/net/stat/arp_cache: the header, then one row per CPU as net/core/neighbour.c
neigh_stat_seq_show prints it (NEIGH_CACHE_STAT_INC counts on the CPU doing the work)."""

from __future__ import annotations

import re
from pathlib import Path

from skbuff.sim.world import World

SETUP = """ip netns add a
ip netns add b
ip -n a link add v0 type veth peer name v1 netns b
ip -n a addr add 10.0.0.1/24 dev v0
ip -n b addr add 10.0.0.2/24 dev v1
ip -n a link set v0 up
ip -n b link set v1 up
ip netns exec a ping -c 1 -q 10.0.0.2
"""
FIELDS = ["entries", "allocs", "destroys", "hash_grows", "lookups", "hits", "res_failed",
          "rcv_probes_mcast", "rcv_probes_ucast", "periodic_gc_runs", "forced_gc_runs",
          "unresolved_discards", "table_fulls"]


def _template(row: str) -> str:
    """The row with every hex digit replaced: its spacing and widths alone."""
    return re.sub(r"[0-9a-f]", "x", row)


def test_one_row_per_cpu_in_the_kernels_layout() -> None:
    w = World(ncpus=2)
    assert w.script(SETUP).status == 0
    lines = w.run("cat /proc/net/stat/arp_cache").stdout.splitlines()
    assert lines[0].split() == FIELDS
    rows = lines[1:]
    assert len(rows) == 2
    real = Path("/proc/net/stat/arp_cache").read_text().splitlines()
    assert real[0] == lines[0]
    assert {_template(r) for r in rows} == {_template(real[1])}
    cols = [[int(v, 16) for v in r.split()] for r in rows]
    entries = cols[0][0]
    assert all(c[0] == entries for c in cols)  # the table's count, on every row
    allocs = sum(c[1] for c in cols)
    destroys = sum(c[2] for c in cols)
    assert entries == allocs - destroys == 2  # a's and b's entry for each other

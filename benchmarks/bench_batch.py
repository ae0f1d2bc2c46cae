"""A 1,000,000-line `ip route add` batch: the `skbuff run` command, `skbuff run`'s script
runner in this process, and `ip -batch`.

Run: python benchmarks/bench_batch.py [N] (default 1,000,000 routes). Generates the script in
a temporary directory (N distinct prefixes with the global table's length mix, each `via` one
gateway on a dummy device) and runs it three ways: the whole command (`python -m skbuff run
FILE` in a child process under this interpreter: start-up, file reading and exit included;
the issue's target is about this one), the script runner alone in this process (one World,
every line a command taking COMMAND_NS of simulated time), and one `ip -batch FILE` line. It
checks that the main table holds every route, and prints CPU time and lines/s, with the ratio to
a baseline measured in the same run: Python's `ipaddress.ip_network` parsing the same
prefixes (the cost of merely reading the input in pure Python), timed right before each mode
(the ratio then compares like with like when other jobs share the machine).
"""

from __future__ import annotations

import gc
import io
import ipaddress
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from skbuff import cli
from skbuff.compat import gc_set_threshold, pypy_bulk_gc
from skbuff.sim import script
from skbuff.sim.world import World

# CPU time of this process: steady when other jobs share the machine (wall time is not), and
# equal to wall time on an idle one for this single-threaded work.
clock = time.process_time

SETUP = """\
ip link add d0 type dummy
ip addr add 192.0.2.1/24 dev d0
ip link set d0 up
"""


def prefixes(n: int, seed: int = 1) -> list[str]:
    """n distinct prefixes: ≈60% /24, 10% /23, 10% /22, the rest /8-/21 (outside 192.0.2/24)."""
    rng = random.Random(seed)
    lens = [24] * 60 + [23] * 10 + [22] * 10 + [rng.randint(8, 21) for _ in range(20)]
    seen: set[tuple[int, int]] = set()
    out: list[str] = []
    while len(out) < n:
        plen = rng.choice(lens)
        key = rng.getrandbits(32) & ((0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF)
        if (key, plen) in seen or key >> 24 in (0, 127, 192) or key >> 28 >= 14:
            continue
        seen.add((key, plen))
        out.append(f"{key >> 24}.{key >> 16 & 255}.{key >> 8 & 255}.{key & 255}/{plen}")
    return out


def run_script(lines: list[str]) -> tuple[float, World]:
    w = World()
    text = SETUP + "".join(f"ip route add {p} via 192.0.2.254\n" for p in lines)
    gc.collect()
    t0 = clock()
    status = script.run_script(w, text, "batch.sh", io.StringIO(), io.StringIO())
    dt = clock() - t0
    assert status == 0, status
    return dt, w


def run_ip_batch(lines: list[str], tmp: Path) -> tuple[float, World]:
    w = World()
    for line in SETUP.splitlines():
        assert w.run(line).status == 0
    path = tmp / "routes.batch"
    path.write_text("".join(f"route add {p} via 192.0.2.254\n" for p in lines))
    gc.collect()
    t0 = clock()
    res = w.run(f"ip -batch {path}")
    dt = clock() - t0
    assert res.status == 0, res.stderr[:500]
    return dt, w


def run_command(lines: list[str], tmp: Path) -> float:
    """The whole `skbuff run FILE` command in a child process, as a user runs it (interpreter
    start-up, imports, PyPy's one re-exec, reading the file, exit): the child's CPU time."""
    path = tmp / "routes.sh"
    path.write_text(SETUP + "".join(f"ip route add {p} via 192.0.2.254\n" for p in lines))
    env = dict(os.environ)
    for name in ("PYPY_GC_NURSERY", "PYPY_GC_MIN"):  # as a user's shell has them:
        env.pop(name, None)  # skbuff run sets its own
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    # Status 0 and no output: every line succeeded (a failing line would end the script
    # with its status and an error on stderr).
    res = subprocess.run([sys.executable, "-m", "skbuff", "run", str(path)], env=env,
                         capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert (res.returncode, res.stdout, res.stderr) == (0, "", ""), res
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def baseline(lines: list[str]) -> float:
    """CPU time of `ipaddress.ip_network` over the prefixes."""
    t0 = clock()
    for p in lines:
        ipaddress.ip_network(p)
    return clock() - t0


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    pypy_bulk_gc(sys.argv)  # as `skbuff run` does on PyPy
    gc_set_threshold(*cli.GC_THRESHOLDS)  # as `skbuff run` sets them
    lines = prefixes(n)
    print(f"{n} routes")
    with tempfile.TemporaryDirectory() as tmp:
        base = baseline(lines)
        dt = run_command(lines, Path(tmp))
        print(f"{'the command':18s} {dt:8.2f} s  {n / dt:10,.0f} lines/s  "
              f"{dt / base:6.1f}x baseline ({base:.2f} s, {n / base:,.0f} lines/s)")
        for name, mode in (("skbuff run SCRIPT", lambda: run_script(lines)),
                           ("ip -batch FILE", lambda: run_ip_batch(lines, Path(tmp)))):
            base = baseline(lines)
            dt, w = mode()
            shown = w.run("ip route show table main").stdout.count("\n")
            assert shown == n + 1, (shown, n)
            print(f"{name:18s} {dt:8.2f} s  {n / dt:10,.0f} lines/s  "
                  f"{dt / base:6.1f}x baseline ({base:.2f} s, {n / base:,.0f} lines/s)")


if __name__ == "__main__":
    main()

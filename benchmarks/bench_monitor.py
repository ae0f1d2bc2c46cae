"""What a listening `ip monitor` costs: an N-route `ip -batch` with no listener (rtmsg_fib then
builds no message), with `ip monitor route &` formatting every RTM_NEWROUTE, and with a Python
listener that only counts (the cost of building the messages alone).

Run: python benchmarks/bench_monitor.py [N] (default 20,000 routes). CPU time
(time.process_time) of the batch line only; ratios are to the no-listener run of the same
process.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from skbuff.net.core import rtnetlink
from skbuff.sim import script
from skbuff.sim.world import World
from skbuff.uapi.rtnetlink import RTNLGRP_IPV4_ROUTE

SETUP = """\
ip link add d0 type dummy
ip addr add 192.0.2.1/24 dev d0
ip link set d0 up
"""


def batch_file(tmp: Path, n: int) -> Path:
    path = tmp / "routes.batch"
    lines = [f"route add 10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}/32 via 192.0.2.2"
             for i in range(n)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(path: Path, listener: str) -> tuple[float, int]:
    """CPU seconds of the batch line, and how many route events the listener saw."""
    w = World()
    assert w.script(SETUP).status == 0
    seen = [0]
    if listener == "monitor":
        assert script.run_line(w, w.init_net, "ip monitor route &").status == 0
    elif listener == "count":
        rtnetlink.rtnl_listen(w.init_net, RTNLGRP_IPV4_ROUTE,
                              lambda net, group, msg: seen.__setitem__(0, seen[0] + 1))
    t0 = time.process_time()
    res = script.run_line(w, w.init_net, f"ip -batch {path}")
    elapsed = time.process_time() - t0
    assert res.status == 0, res.stderr
    if listener == "monitor":
        seen[0] = w.poll_jobs().stdout.count("\n")
    return elapsed, seen[0]


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = batch_file(Path(tmp), n)
        base, _ = run(path, "none")
        print(f"{n} routes, no listener:      {base:7.2f} s  {n / base:9.0f} routes/s  1.00x")
        for listener in ("count", "monitor"):
            t, seen = run(path, listener)
            assert seen == n, (listener, seen)
            print(f"{n} routes, {listener + ' listener:':17s}{t:7.2f} s  {n / t:9.0f} routes/s  "
                  f"{t / base:.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)

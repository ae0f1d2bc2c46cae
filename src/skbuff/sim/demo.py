"""`skbuff demo`: two hosts and a router in namespaces, a forwarded ping, a fragmented one.

The scenario is an ordinary script (the same lines run on a real box, apart from the skbuff
commands `trace` and `sleep`'s simulated time); the demo prints each line as a shell
transcript (`skbuff# line`, then what it printed) and stops at the first failing line with its
status. Deterministic: same seed, same bytes.
"""

from __future__ import annotations

import sys
from typing import TextIO

from skbuff.sim import script, topology
from skbuff.sim.world import World

PROMPT = "skbuff# "

INTRO = """\
# skbuff demo: two hosts and a router, each in its own network namespace.
#
#   h1 eth0 10.0.1.1/24 ── eth0 r1 eth1 ── eth0 h2 10.0.2.2/24
#                    10.0.1.254     10.0.2.254   (r1 ── h2: MTU 576)
#
# 1. Build it with ip and sysctl, exactly as on a real Linux box.
"""

SCENARIO = """\
# Link-watch batches non-urgent link events once a second (net/core/link_watch.c):
# let it settle so that operstates read UP.
sleep 1
ip -n r1 -br addr
ip -n h1 route
#
# 2. A ping from h1 to h2: h1 resolves its gateway with ARP, r1 resolves h2, r1 forwards.
#    The journey tracer records every kernel function the echo request passes through.
trace on icmp and src 10.0.1.1
ip netns exec h1 ping -c 1 10.0.2.2
trace off
trace show
# neigh_resolve_output runs twice on h1 and on r1: the first call queued the packet and sent
# an ARP request; __neigh_update sent it on when the reply arrived.
#
# 3. What the kernels remember: neighbours (NUD state) and the route r1 used.
ip -n h1 neigh
ip -n r1 neigh
ip -n r1 route get 10.0.2.2 from 10.0.1.1 iif eth0
#
# 4. A 1400-byte ping without DF: r1 fragments it for the 576-byte link (ip_fragment),
#    h2 reassembles it (ip_defrag); h2's reply is fragmented by h2 and reassembled by h1.
#    This journey shows only the steps that matter (func terms in the filter).
trace on icmp and src 10.0.1.1 and (func ip_forward or func ip_do_fragment or func veth_xmit \\
    or func ip_defrag or func icmp_rcv)
ip netns exec h1 ping -c 1 -s 1400 -M dont 10.0.2.2
trace off
trace show
ip netns exec r1 nstat -az IpForwDatagrams IpFragOKs IpFragCreates
ip netns exec h2 nstat -az IpReasmReqds IpReasmOKs IpFragOKs IpFragCreates
ip -s -n r1 link show eth1
"""


def demo_script() -> str:
    """The whole scenario as script text: the topology lines, then the scenario."""
    return INTRO + "".join(line + "\n" for line in topology.routed(mtu2=576)) + SCENARIO


def main(out: TextIO | None = None, seed: int = 0) -> int:
    """Run the demo, printing a transcript to `out` (stdout); returns the exit status."""
    out = out if out is not None else sys.stdout
    world = World(seed=seed)
    for sl in script.script_lines(demo_script()):
        if not sl.text or sl.text.startswith("#"):
            out.write(sl.text + "\n")
            continue
        out.write(PROMPT + sl.text + "\n")
        status = script.run_script(world, sl.text, "demo", out, out, first_line=sl.lineno)
        if status:
            return status
    return 0

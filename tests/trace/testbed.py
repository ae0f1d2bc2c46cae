"""A traced h1 — r — h2 topology (the IPv4 integration test's, built with `ip` lines) and
the golden-file helper of the journey tests."""

from __future__ import annotations

import os
import socket as pysocket
from pathlib import Path

from tests.net.ipv4.test_ip_integration import SETUP

from skbuff.net import socket as bsd
from skbuff.sim.world import World
from skbuff.trace import journey

GOLDEN = Path(__file__).parent / "golden"
UPDATE = bool(os.environ.get("SKBUFF_UPDATE_GOLDEN"))


def make_world(extra: str = "") -> World:
    """h1 (10.1.0.2) — r (10.1.0.1 | 10.2.0.1, forwarding) — h2 (10.2.0.2), one CPU."""
    w = World(ncpus=1)
    for line in (SETUP + extra).splitlines():
        res = w.run(line)
        assert res.status == 0, (line, res)
    return w


def start(w: World, filt: str = "") -> journey.journey_tracer:
    t = journey.journey_tracer(w.kernel, filt)
    t.attach()
    return t


def udp_send(w: World, src: str, dst: str, port: int, payload: bytes,
             **opts: int) -> None:
    """One datagram from namespace `src`; options are IPPROTO_IP setsockopts by name."""
    with w.kernel:
        tx = bsd.net_socket(w.netns(src), pysocket.AF_INET, pysocket.SOCK_DGRAM)
        for name, value in opts.items():
            tx.setsockopt(pysocket.IPPROTO_IP, getattr(bsd, name), value)
        tx.sendto(payload, (dst, port))
        w.kernel.run_for(5_000_000_000)
        tx.close()


def udp_listen(w: World, ns: str, port: int) -> bsd.Socket:
    with w.kernel:
        rx = bsd.net_socket(w.netns(ns), pysocket.AF_INET, pysocket.SOCK_DGRAM)
        rx.bind(("0.0.0.0", port))
    return rx


def check_golden(name: str, text: str) -> None:
    """Compare with tests/trace/golden/NAME (SKBUFF_UPDATE_GOLDEN=1 rewrites it)."""
    path = GOLDEN / name
    if UPDATE or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")

"""arping (iputils 20221126): requests, DAD, announcements, exit status."""

from __future__ import annotations

import re

import pytest
from tests.tools.test_ping import topo_world

from skbuff.tools.common import FOREGROUND_NS

MS = re.compile(r"\d+\.\d{3}ms$")


def test_request_and_unicast_follow_up() -> None:
    w = topo_world()
    r = w.run("ip netns exec a arping -c 2 -I veth0 10.0.1.254")
    lines = r.stdout.splitlines()
    mac = w.netns("r").dev_base_head["veth1"].dev_addr.hex(":").upper()
    assert r.status == 0
    assert lines[0] == "ARPING 10.0.1.254 from 10.0.1.1 veth0"
    assert [MS.sub("T", ln) for ln in lines[1:3]] == \
        [f"Unicast reply from 10.0.1.254 [{mac}]  T"] * 2
    assert lines[3:] == ["Sent 2 probes (1 broadcast(s))", "Received 2 response(s)"]


def test_no_reply_and_timeout() -> None:
    w = topo_world()
    t0 = w.kernel.now_ns
    r = w.run("ip netns exec a arping -c 1 -I veth0 10.0.1.9")
    assert r.status == 1
    assert r.stdout == ("ARPING 10.0.1.9 from 10.0.1.1 veth0\nSent 1 probes (1 broadcast(s))\n"
                        "Received 0 response(s)\n")
    assert w.kernel.now_ns - t0 >= 1_000_000_000
    r = w.run("ip netns exec a arping -w 2 -I veth0 10.0.1.9")
    assert "Sent 3 probes (3 broadcast(s))" in r.stdout and r.status == 1


def test_without_count_or_deadline_a_script_interrupts_it() -> None:
    """arping with neither -c nor -w runs until ^C: a script gives it FOREGROUND_NS of
    simulated time (one probe a second), then it prints its summary as after ^C."""
    w = topo_world()
    t0 = w.kernel.now_ns
    r = w.run("ip netns exec a arping -I veth0 10.0.1.9")
    assert w.kernel.now_ns - t0 >= FOREGROUND_NS
    probes = FOREGROUND_NS // 1_000_000_000 + 1
    assert r.stdout.endswith(f"Sent {probes} probes ({probes} broadcast(s))\n"
                             "Received 0 response(s)\n")
    assert r.status == 1


@pytest.mark.parametrize(("target", "status", "received"), [
    ("10.0.1.9", 0, 0), ("10.0.1.254", 1, 1)])
def test_duplicate_address_detection(target: str, status: int, received: int) -> None:
    w = topo_world()
    r = w.run(f"ip netns exec a arping -D -c 1 -I veth0 {target}")
    assert r.stdout.splitlines()[0] == f"ARPING {target} from 0.0.0.0 veth0"
    assert r.stdout.endswith(f"Received {received} response(s)\n")
    assert r.status == status


def test_unsolicited_updates_the_neighbour() -> None:
    w = topo_world()
    w.run("ip netns exec r ping -c 1 10.0.1.1")
    r = w.run("ip netns exec a arping -c 1 -U -I veth0 10.0.1.1")
    assert r.status == 0
    assert r.stdout.startswith("ARPING 10.0.1.1 from 10.0.1.1 veth0\n")
    assert "10.0.1.1 dev veth1 lladdr" in w.run("ip -n r neigh").stdout


def test_errors() -> None:
    w = topo_world()
    r = w.run("ip netns exec a arping -c 1 -I nodev 10.0.2.2")
    assert (r.status, r.stderr) == (2, "arping: Device nodev not available.\n")
    r = w.run("ip netns exec a arping -c 0 10.0.2.2")
    assert r.status == 1 and "out of range" in r.stderr
    r = w.run("ip netns exec a arping")
    assert r.status == 2 and "Usage:\n  arping [options] <destination>" in r.stderr

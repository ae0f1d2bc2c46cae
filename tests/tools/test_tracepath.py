"""tracepath (iputils 20221126): PMTU discovery and hops, as recorded on the real topology."""

from __future__ import annotations

import re

from tests.tools.test_ping import topo_world

MS = re.compile(r"\d+\.\d{3}ms")
HOP = re.compile(r"^ \d:  \S+ +(\d+\.\d{3}ms) ")


def norm(text: str) -> list[str]:
    """Times vary and columns pad: words with the times as T."""
    return [" ".join(MS.sub("T", ln).split()) for ln in text.splitlines()]


def test_first_run_learns_the_pmtu_then_second_knows_it() -> None:
    w = topo_world()
    r = w.run("ip netns exec a tracepath -n 10.0.2.2")
    assert r.status == 0
    lines = r.stdout.splitlines()
    assert lines[0] == " 1?: [LOCALHOST]                      pmtu 1500"
    for ln in lines[1:5]:  # the host column is 52 wide, the time "%3ld.%03ldms "
        m = HOP.match(ln)
        assert m is not None and m.start(1) == 5 + 52 + 2
    assert norm(r.stdout) == [
        "1?: [LOCALHOST] pmtu 1500", "1: 10.0.1.254 T", "1: 10.0.1.254 T",
        "2: 10.0.1.254 T pmtu 1000", "2: 10.0.2.2 T reached",
        "Resume: pmtu 1000 hops 2 back 2"]
    assert lines[-1] == "     Resume: pmtu 1000 hops 2 back 2 "
    r = w.run("ip netns exec a tracepath -n 10.0.2.2")
    assert norm(r.stdout) == [
        "1?: [LOCALHOST] pmtu 1000", "1: 10.0.1.254 T", "1: 10.0.1.254 T",
        "2: 10.0.2.2 T reached", "Resume: pmtu 1000 hops 2 back 2"]


def test_length_names_and_local() -> None:
    w = topo_world()
    assert norm(w.run("ip netns exec a tracepath -n -l 900 10.0.2.2").stdout) == [
        "1: 10.0.1.254 T", "2: 10.0.2.2 T reached", "Resume: pmtu 900 hops 2 back 2"]
    assert norm(w.run("ip netns exec a tracepath -l 900 10.0.2.2").stdout)[0] == "1: ??? T"
    assert norm(w.run("ip netns exec a tracepath -n 10.0.1.1").stdout) == [
        "1: 10.0.1.1 T reached", "Resume: pmtu 65535 hops 1 back 1"]


def test_host_unreachable_after_arp_timeout() -> None:
    """The router's ARP gives up 3 s after the first hop-2 probe. The real kernel's timers
    ran 60 ms late there, so it printed "2:  no reply" first; ours are exact."""
    w = topo_world()
    out = norm(w.run("ip netns exec a tracepath -n -m 3 10.0.2.9").stdout)
    assert out == ["1?: [LOCALHOST] pmtu 1500", "1: 10.0.1.254 T", "1: 10.0.1.254 T",
                   "2: 10.0.1.254 T pmtu 1000", "2: 10.0.1.254 T !H", "Resume: pmtu 1000"]


def test_usage() -> None:
    w = topo_world()
    r = w.run("tracepath")
    assert r.status == 255 and r.stderr.startswith("\nUsage\n  tracepath [options]")
    r = w.run("tracepath -m 300 1.2.3.4")
    assert r.stderr == "tracepath: invalid argument: '300': out of range: 0 <= value <= 255\n"

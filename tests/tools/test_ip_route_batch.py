"""The bulk-load fast paths against the general ones: `ip route add PREFIX via GATEWAY` lines
through `skbuff run` and `ip -batch`, with the fib_create_info memo on, must give exactly
what the general dispatch and parser give with the memo off — status, stdout, stderr, the
FIB and the route notifications — for good and bad lines and for the FIB and device
changes that could change a gateway's answer in between."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skbuff.net.core import rtnetlink
from skbuff.sim import script
from skbuff.sim.world import World
from skbuff.tools.ip import route
from skbuff.uapi import rtnetlink as rt

SETUP = """\
ip link add d0 type dummy
ip link add d1 type dummy
ip addr add 192.0.2.1/24 dev d0
ip addr add 198.51.100.1/24 dev d1
ip link set d0 up
ip link set d1 up
"""

# Gateways: on-link on d0/d1, the local address, unreachable, not addresses at all.
GATEWAYS = ["192.0.2.254", "192.0.2.7", "198.51.100.9", "192.0.2.1", "203.0.113.5",
            "192.0.2.255", "0.0.0.0", "1.2.3", "999.1.1.1", "192.0.2.254&", "010.0.0.1"]
# Lines between the route adds that change what a gateway check answers (or nothing).
CHANGES = [
    "ip link set d0 down", "ip link set d0 up", "ip link set d1 down", "ip link set d1 up",
    "ip route add 192.0.2.0/25 via 198.51.100.9", "ip route del 192.0.2.0/25",
    "ip route add 192.0.2.254/32 dev d1", "ip route del 192.0.2.254/32",
    "ip route add 203.0.113.0/24 dev d1", "ip route del 203.0.113.0/24",
    "ip addr del 192.0.2.1/24 dev d0", "ip addr add 192.0.2.1/24 dev d0",
    "ip route add unreachable 198.51.100.0/25", "ip route flush table main proto boot",
    "ip rule add from 10.9.9.9 table 100", "ip route add 192.0.2.0/24 dev d1 table 100",
    "sleep 1",
]
octet = st.integers(0, 255)
prefixes = st.one_of(
    st.builds(lambda a, b, c, n: f"{a}.{b}.{c}.0/{n}", st.integers(1, 223), octet, octet,
              st.sampled_from([8, 16, 22, 23, 24, 25, 32, 33])),
    st.sampled_from(["10.0.0.0/8", "10.0.0.1/8", "10.1.2.3", "1.2.3.4/32", "300.1.1.0/24",
                     "10.0.0.0/x", "1.2.3/24", "01.2.3.0/24", "192.0.2.0/24"]),
)
route_lines = st.builds(lambda p, g: f"ip route add {p} via {g}", prefixes,
                        st.sampled_from(GATEWAYS))
lines = st.lists(st.one_of(route_lines, route_lines, route_lines, st.sampled_from(CHANGES)),
                 min_size=1, max_size=25)


def _world(fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[World, list[Any]]:
    w = World()
    assert w.script(SETUP).status == 0
    notes: list[Any] = []
    rtnetlink.rtnl_listen(w.init_net, rt.RTNLGRP_IPV4_ROUTE, lambda n, g, m: notes.append(m))
    if not fast:
        w.init_net.ipv4.fib_info_memo = None
    return w, notes


def _general_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(route, "route_add_via_words", lambda argv, i=0: None)


def _state(w: World) -> str:
    return w.run("ip route show table all").stdout + w.run("ip -s route show cached").stdout


def _run_both(text: str, monkeypatch: pytest.MonkeyPatch,
              runner: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    fast_w, fast_notes = _world(True, monkeypatch)
    fast = runner(fast_w, text)
    with monkeypatch.context() as m:
        _general_only(m)
        slow_w, slow_notes = _world(False, m)
        slow = runner(slow_w, text)
    return ((*fast, _state(fast_w), fast_notes, fast_w.kernel.now_ns),
            (*slow, _state(slow_w), slow_notes, slow_w.kernel.now_ns))


def _skbuff_run(w: World, text: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = script.run_script(w, text, "t.sh", out, err, keep_going=True)
    return status, out.getvalue(), err.getvalue()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines)
def test_skbuff_run_fast_path_is_the_general_path(monkeypatch: pytest.MonkeyPatch,
                                                  script_lines: list[str]) -> None:
    fast, slow = _run_both("".join(line + "\n" for line in script_lines), monkeypatch,
                           _skbuff_run)
    assert fast == slow


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.builds(lambda p, g: f"route add {p} via {g}", prefixes,
                          st.sampled_from(GATEWAYS)), min_size=1, max_size=25),
       st.booleans(), st.booleans())
def test_ip_batch_fast_path_is_the_general_path(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path_factory: pytest.TempPathFactory,
                                                batch_lines: list[str], force: bool,
                                                inet: bool) -> None:
    path = Path(tmp_path_factory.mktemp("batch")) / "routes"
    path.write_text("".join(line + "\n" for line in batch_lines))
    opts = ("-force " if force else "") + ("-4 " if inet else "")

    def ip_batch(w: World, text: str) -> tuple[int, str, str]:
        res = w.run(text)
        return res.status, res.stdout, res.stderr

    fast, slow = _run_both(f"ip {opts}-batch {path}", monkeypatch, ip_batch)
    assert fast == slow


def test_the_fast_shape_is_exactly_route_add_prefix_via_gateway() -> None:
    words = route.route_add_via_words
    assert words(["route", "add", "10.0.0.0/8", "via", "192.0.2.1"]) == ("10.0.0.0/8",
                                                                         "192.0.2.1")
    assert words(["ip", "route", "add", "10.0.0.0/8", "via", "1.2.3.4"], 1) == ("10.0.0.0/8",
                                                                              "1.2.3.4")
    assert words(["ip", "route", "add", "10.0.0.0/8", "via", "1.2.3.4", "x"], 1) is None
    for argv in (["route", "add", "default", "via", "192.0.2.1"],
                 ["route", "add", "10.0.0.0/8", "via", "gw"],
                 ["route", "append", "10.0.0.0/8", "via", "192.0.2.1"],
                 ["ro", "add", "10.0.0.0/8", "via", "192.0.2.1"],
                 ["route", "add", "10.0.0.0/8", "via", "192.0.2.1", "dev", "d0"],
                 ["route", "add", "10.0.0.0/8", "dev", "d0"]):
        assert words(argv) is None, argv


def test_a_script_tool_named_ip_still_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    w = World()
    seen: list[list[str]] = []

    def fake_ip(world: World, net: Any, argv: list[str]) -> Any:
        seen.append(argv)
        return script.Result(0, "", "")

    script.register_tool(w, "ip", fake_ip)
    assert w.script("ip route add 10.0.0.0/8 via 192.0.2.1\n").status == 0
    assert seen == [["route", "add", "10.0.0.0/8", "via", "192.0.2.1"]]

"""Route explanations, one per kind of decision: rule match, longest prefix, metric, TOS,
scope, dead nexthop, reject type, rp_filter, martian; `ip route get … explain`; and the drop
explainer table's fallback."""

from __future__ import annotations

import pytest

from skbuff.net import flow
from skbuff.net.core.dropreason import SKB_DROP_REASON, drop_reason_text
from skbuff.net.ipv4 import fib_decision, ip_fib
from skbuff.net.ipv4 import fib_rules as ipv4_fib_rules
from skbuff.sim.world import World
from skbuff.trace import explain
from skbuff.uapi import rtnetlink as uapi_rt

SETUP = """\
ip netns add a
ip -n a link add d0 type dummy
ip -n a link add d1 type dummy
ip -n a addr add 10.0.0.1/24 dev d0
ip -n a addr add 10.1.0.1/24 dev d1
ip -n a link set d0 up
ip -n a link set d1 up
"""


@pytest.fixture
def world() -> World:
    w = World(ncpus=1)
    for line in SETUP.splitlines():
        assert w.run(line).status == 0, line
    return w


def run(w: World, *lines: str) -> str:
    out = ""
    for line in lines:
        res = w.run(line)
        assert res.status == 0, (line, res)
        out = res.stdout
    return out


def test_rule_match(world: World) -> None:
    text = run(world, "ip -n a route add table 100 default via 10.1.0.2",
               "ip -n a rule add from 10.0.0.1 table 100",
               "ip netns exec a explain route from 10.0.0.1 8.8.8.8")
    assert "rule 32765: from 10.0.0.1/32 lookup 100 -> match (selectors match), lookup" in text
    assert "0.0.0.0/0 unicast metric 0 scope 0 table 100 [via 10.1.0.2 dev d1]: CHOSEN" in text
    text = run(world, "ip netns exec a explain route from 10.1.0.1 8.8.8.8")
    assert "rule 32765: from 10.0.0.1/32 lookup 100 -> skip (selector mismatch)" in text


def test_longest_prefix(world: World) -> None:
    text = run(world, "ip -n a route add 192.168.0.0/16 via 10.0.0.2",
               "ip -n a route add 192.168.5.0/24 via 10.1.0.2",
               "ip netns exec a explain route 192.168.5.7")
    assert "192.168.5.0/24 unicast metric 0 scope 0 table 254 [via 10.1.0.2 dev d1]: CHOSEN" \
        in text
    assert "192.168.0.0/16 unicast metric 0 scope 0 table 254 [via 10.0.0.2 dev d0]: passed " \
           "over: /24 is a longer match" in text
    assert text.endswith("=> unicast via 10.1.0.2 dev d1; dst.input=dst_discard "
                         "dst.output=ip_output\n")


def test_metric(world: World) -> None:
    text = run(world, "ip -n a route add 172.16.0.0/16 via 10.0.0.2 metric 10",
               "ip -n a route add 172.16.0.0/16 via 10.1.0.2 metric 5",
               "ip netns exec a explain route 172.16.1.1")
    assert "alias unicast metric 5 scope 0 table 254: taken (first usable alias)" in text
    assert "metric 10 scope 0 table 254 [via 10.0.0.2 dev d0]: passed over: the chosen " \
           "alias of this prefix comes first" in text


def test_tos(world: World) -> None:
    run(world, "ip -n a route add 172.17.0.0/16 tos 0x10 via 10.1.0.2",
        "ip -n a route add 172.17.0.0/16 via 10.0.0.2")
    text = run(world, "ip netns exec a explain route 172.17.1.1")
    assert "alias unicast tos 0x10 metric 0 scope 0 table 254: skipped (tos does not match)" \
        in text
    assert "=> unicast via 10.0.0.2 dev d0" in text
    text = run(world, "ip netns exec a explain route tos 0x10 172.17.1.1")
    assert "=> unicast via 10.1.0.2 dev d1" in text


def test_scope(world: World) -> None:
    """A flow asking for link scope (RTO_ONLINK) passes over a universe-scope route."""
    run(world, "ip -n a route add 172.19.0.0/16 via 10.0.0.2")
    net = world.netns("a")
    rec = fib_decision.DecisionRecord()
    fl4 = flow.flowi4(daddr=0xAC130101, flowi4_scope=uapi_rt.RT_SCOPE_LINK, decision=rec)
    with world.kernel:
        assert ipv4_fib_rules.fib_lookup(net, fl4, ip_fib.fib_result(), 0) < 0
        text = explain.render_route_explanation(net, "route", rec, 0xAC130101, "", [])
    assert "skipped (route scope 0 < flow scope 253)" in text
    assert "172.19.0.0/16 unicast metric 0 scope 0 table 254 [via 10.0.0.2 dev d0]: " \
           "skipped: route scope 0 < flow scope 253" in text


def test_dead_nexthop(world: World) -> None:
    text = run(world,
               "ip -n a route add 172.20.0.0/16 nexthop via 10.1.0.2 dev d1 nexthop via "
               "10.0.0.2 dev d0",
               "ip -n a link set d1 down",
               "ip netns exec a explain route 172.20.1.1")
    assert "nexthop via 10.1.0.2 dev d1: skipped (dead)" in text
    assert "nexthop via 10.0.0.2 dev d0: taken (usable)" in text


def test_reject_type(world: World) -> None:
    text = run(world, "ip -n a route add unreachable 172.18.0.0/16",
               "ip netns exec a explain route 172.18.1.1")
    assert "alias unreachable metric 0 scope 0 table 254: taken (reject type, error -113)" \
        in text
    assert "=> dropped/refused: an unreachable route to 172.18.1.1 in table main on a" in text


def test_rp_filter(world: World) -> None:
    text = run(world, "ip -n a route add 172.21.0.0/16 via 10.1.0.2",
               "ip netns exec a sysctl -w net.ipv4.conf.all.rp_filter=1",
               "ip netns exec a explain route iif d0 from 172.21.0.9 10.0.0.1")
    assert "result: error 18 (EXDEV)" in text
    assert text.endswith("=> dropped/refused: rp_filter=1 on d0: reverse path to 172.21.0.9 "
                         "leaves through d1\n")


def test_martian(world: World) -> None:
    text = run(world, "ip netns exec a explain route iif d0 from 10.0.0.9 127.0.0.1")
    assert "martian destination 127.0.0.1 on d0: 127.0.0.0/8 with " \
           "net.ipv4.conf.d0.route_localnet=0" in text
    text = run(world, "ip netns exec a explain route iif d0 from 224.0.0.9 10.0.0.1")
    assert "martian source 224.0.0.9 on d0: a multicast/broadcast source" in text


def test_forwarding_off_input(world: World) -> None:
    run(world, "ip -n a route add 172.22.0.0/16 via 10.1.0.2")
    text = run(world, "ip netns exec a explain route iif d0 from 10.0.0.9 172.22.0.1")
    assert "dst.input=ip_error" in text
    assert "=> dropped/refused: ip_forward is 0 on a (net.ipv4.conf.d0.forwarding=0)" in text


def test_ip_route_get_explain(world: World) -> None:
    res = world.run("ip -n a route get 10.1.0.7 explain")
    assert res.status == 0
    first, rest = res.stdout.split("\n", 1)
    assert first.startswith("10.1.0.7 dev d1 src 10.1.0.1")
    assert "route to 10.1.0.7 (output lookup, as a local socket):" in rest
    res = world.run("ip -n a route get 203.0.113.1 explain")
    assert res.status == 2 and res.stderr == "RTNETLINK answers: Network is unreachable\n"
    assert "=> dropped/refused: no route to 203.0.113.1 in table main on a" in res.stdout


def test_explain_tool_errors(world: World) -> None:
    assert world.run("explain").status == 1
    res = world.run("explain route iif nosuch 10.0.0.1")
    assert (res.status, res.stderr) == (1, 'Cannot find device "nosuch"\n')
    assert world.run("explain route 10.0.0.300").status == 1
    assert world.run("explain drops").stderr.startswith("explain: no trace recorded")


def test_drop_explainer_fallback() -> None:
    """A reason without an explainer is described with the kernel header's words."""
    assert SKB_DROP_REASON.IP_CSUM not in explain.DROP_EXPLAINERS
    assert all(callable(fn) for fn in explain.DROP_EXPLAINERS.values())
    assert drop_reason_text(SKB_DROP_REASON.IP_CSUM)


def test_oif_and_iif_forms(world: World) -> None:
    text = run(world, "ip netns exec a explain route oif d1 to 10.0.0.7")
    assert text.startswith("route to 10.0.0.7 out of d1 (output lookup, as a local socket):")
    assert "nexthop dev d0: skipped (flow oif differs)" in text
    assert "result: no route, oif d1 given: assume on-link" in text
    assert text.endswith("=> unicast dev d1; dst.input=dst_discard dst.output=ip_output\n")
    res = world.run("ip -n a route get 10.1.0.7 from 10.0.0.9 iif d0 explain")
    assert "route to 10.1.0.7 from 10.0.0.9 arriving on d0 (input lookup):" in res.stdout
    assert "=> dropped/refused: ip_forward is 0 on a" in res.stdout

"""Conformance of `ip nexthop` and routes with `nhid` with the real kernel: the same script,
text and JSON, errors and exit statuses, on Linux namespaces and on skbuff.

`ip route get` through a multipath group is left out: which member a flow hashes to depends
on the kernel's random hash key."""

from __future__ import annotations

import pytest

from tests.conformance import test_monitor
from tests.conformance.harness import _normalize_macs, run_both

SETUP = """\
ip netns add a
ip -n a link set lo up
ip -n a link add d0 type veth peer name p0
ip -n a link add d1 type veth peer name p1
ip -n a link set d0 up
ip -n a link set p0 up
ip -n a link set d1 up
ip -n a link set p1 up
ip -n a addr add 10.0.0.1/24 dev d0
ip -n a addr add 10.1.0.1/24 dev d1
"""

NEXTHOP_SCRIPT = SETUP + """\
ip -n a nexthop add id 1 via 10.0.0.2 dev d0
ip -n a nexthop add id 2 via 10.1.0.2 dev d1
ip -n a nexthop add id 3 dev d0
ip -n a nexthop add id 4 blackhole
ip -n a nexthop add via 10.0.0.3 dev d0
ip -n a nexthop add id 6 via 10.9.9.9 dev d0 onlink proto static
ip -n a nexthop add id 7 via 1.1.1.1 fdb
ip -n a nexthop add id 10 group 1/2
ip -n a nexthop add id 11 group 1,3/2,5 type mpath
ip -n a nexthop add id 12 group 4
ip -n a nexthop add id 13 group 1/3 proto static
ip -n a nexthop add id 14 group 7 fdb
ip -n a nexthop show
ip -n a -j nexthop show
ip -n a -d nexthop show
ip -n a -d -j nexthop show
ip -n a nexthop show groups
ip -n a nexthop show dev d0
ip -n a nexthop show protocol 4
ip -n a nexthop show fdb
ip -n a nexthop get id 10
ip -n a -j nexthop get id 11
ip -n a nexthop list id 6
ip -n a nexthop get id 99
ip -n a nexthop add id 1 via 10.0.0.9 dev d0
ip -n a nexthop add id 20 via 10.0.0.9
ip -n a nexthop add id 20 via 10.7.0.9 dev d0
ip -n a nexthop add id 20 dev d0 onlink
ip -n a nexthop add id 20 dev nosuch
ip -n a nexthop add id 20 via 10.0.0.9 dev lo
ip -n a nexthop add id 20 blackhole dev d0
ip -n a nexthop add id 20 blackhole fdb
ip -n a nexthop add id 20 via 10.0.0.9 dev d0 fdb
ip -n a nexthop add id 20 group 1/1
ip -n a nexthop add id 20 group 1/99
ip -n a nexthop add id 20 group 4/1
ip -n a nexthop add id 20 group 10
ip -n a nexthop add id 20 group 7/1
ip -n a nexthop add id 20 group 1 fdb
ip -n a nexthop add id 20 group 1,0
ip -n a nexthop add id 20 group 1,257
ip -n a nexthop add id 20 group 1/x
ip -n a nexthop add id 20 group 1 type foo
ip -n a nexthop add id 20 group 1 blackhole
ip -n a nexthop add id x via 10.0.0.9 dev d0
ip -n a nexthop add id 20 via 10.0.0.9 dev d0 bogus
ip -n a nexthop add id 20 via 10.0.0.9 dev d0 protocol nonsense
ip -n a nexthop replace via 10.0.0.9 dev d0
ip -n a nexthop replace id 1 group 2
ip -n a nexthop replace id 10 via 10.0.0.9 dev d0
ip -n a nexthop del id 99
ip -n a nexthop del
ip -n a nexthop get
ip -n a nexthop frobnicate
ip -n a route add 192.168.0.0/24 nhid 10
ip -n a route add 192.168.1.0/24 nhid 1
ip -n a route add 192.168.2.0/24 nhid 4
ip -n a route add 192.168.3.0/24 nhid 12
ip -n a route add 192.168.4.0/24 nhid 3
ip -n a route add 192.168.5.0/24 nhid 11 metric 5 proto static
ip -n a route add 192.168.6.0/24 nhid 99
ip -n a route add 192.168.6.0/24 nhid 1 dev d0
ip -n a route add 192.168.6.0/24 nhid 1 via 10.0.0.2
ip -n a route add 192.168.6.0/24 nhid 7
ip -n a route add 192.168.6.0/24 nhid 14
ip -n a route add 192.168.6.0/24 nhid 1 scope host
ip -n a route add 192.168.6.0/24 nhid 10 scope host
ip -n a route add 192.168.6.0/24 nhid 6 scope link
ip -n a route add blackhole 192.168.7.0/24 nhid 4
ip -n a route add unreachable 192.168.8.0/24 nhid 1
ip -n a route add 192.168.9.0/24 nhid x
ip -n a route show
ip -n a -j route show
ip -n a -d route show
ip -n a -d -j route show
ip -n a route show dev d0
ip -n a route get 192.168.1.5
ip -n a route get 192.168.2.5
ip -n a route get 192.168.3.5
ip -n a route get 192.168.4.5
ip -n a route get fibmatch 192.168.1.5
ip -n a netns exec a cat /proc/net/route
ip netns exec a cat /proc/net/route
ip -n a route del 192.168.1.0/24 nhid 2
ip -n a route del 192.168.4.0/24 nhid 99
ip -n a route del 192.168.4.0/24 nhid 3
ip -n a nexthop replace id 1 via 10.0.0.7 dev d0
ip -n a nexthop replace id 2 dev d1 proto static
ip -n a route show
ip -n a nexthop show
ip -n a nexthop replace id 11 group 1,2/2
ip -n a route show
ip -n a nexthop del id 1
ip -n a nexthop show
ip -n a route show
ip -n a link set d1 down
ip -n a nexthop show
ip -n a route show
ip -n a link set lo down
ip -n a nexthop show
ip -n a nexthop add id 30 blackhole
ip -n a nexthop add id 30 via 10.0.0.2 dev d0
ip -n a link set p0 down
ip -n a nexthop add id 31 via 10.0.0.2 dev d0
ip -n a nexthop show
ip -n a nexthop flush dev d0
ip -n a nexthop flush
ip -n a nexthop flush
ip -n a nexthop show
ip -n a -j nexthop show
ip -n a link set lo up
ip -n a nexthop add id 4 blackhole proto static
ip -n a nexthop add id 5 blackhole
ip -n a nexthop add id 6 blackhole onlink
ip -n a nexthop del id 4 onlink
ip -n a nexthop flush id 9
ip -n a nexthop flush id 5
ip -n a nexthop show vrf foo
ip -n a nexthop show master lo
ip -n a -j -p nexthop show
ip -n a nexthop flush protocol 4
ip -n a nexthop show
"""

COMPAT_SCRIPT = SETUP + """\
ip -n a nexthop add id 1 via 10.0.0.2 dev d0
ip -n a nexthop add id 2 via 10.1.0.2 dev d1
ip -n a nexthop add id 10 group 1/2
ip -n a route add 192.168.0.0/24 nhid 10
ip -n a route add 192.168.1.0/24 nhid 1
ip netns exec a sysctl net.ipv4.nexthop_compat_mode
ip netns exec a sysctl -w net.ipv4.nexthop_compat_mode=0
ip -n a route show
ip -n a -j route show
ip netns exec a sysctl -w net.ipv4.nexthop_compat_mode=2
ip netns exec a sysctl -w net.ipv4.nexthop_compat_mode=1
ip -n a route show
"""


def test_ip_nexthop_and_nhid_routes_match_linux(real_kernel_ok: None) -> None:
    result = run_both(NEXTHOP_SCRIPT)
    assert result.ok, result.render()


def test_nexthop_compat_mode_matches_linux(real_kernel_ok: None) -> None:
    result = run_both(COMPAT_SCRIPT)
    assert result.ok, result.render()


MONITOR_SEQUENCE = """\
ip -n a link add d0 type veth peer name d1
ip -n a link set d0 up
ip -n a link set d1 up
ip -n a addr add 10.9.0.1/24 dev d0
sleep 0.3
ip -n a nexthop add id 1 via 10.9.0.2 dev d0
ip -n a nexthop add id 2 dev d0 proto static
ip -n a nexthop add id 3 blackhole
ip -n a nexthop add id 10 group 1/2,4
ip -n a route add 10.5.0.0/16 nhid 10
ip -n a route add 10.6.0.0/16 nhid 1
ip -n a nexthop replace id 1 via 10.9.0.3 dev d0
ip -n a nexthop del id 2
ip -n a nexthop del id 3
ip -n a link set d0 down
sleep 0.5
"""


@pytest.mark.parametrize("args", ["-4 monitor nexthop", "-4 monitor nexthop route",
                                  "-4 monitor all"])
def test_ip_monitor_nexthop_matches_linux(real_kernel_ok: None, args: str) -> None:
    real_results, real_out = test_monitor.run_real(args, MONITOR_SEQUENCE)
    ours_results, ours_out = test_monitor.run_skbuff(args, MONITOR_SEQUENCE)
    for a, b in zip(real_results, ours_results, strict=True):
        assert (a.status, a.stdout, a.stderr) == (b.status, b.stdout, b.stderr)
    assert _normalize_macs(ours_out, set(), {}) == _normalize_macs(real_out, set(), {})

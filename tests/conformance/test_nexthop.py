"""Conformance of `ip nexthop` and routes with `nhid` with the real kernel: the same script,
text and JSON, errors and exit statuses, on Linux namespaces and on skbuff.

`ip route get` through a multipath group is left out: which member a flow hashes to depends
on the kernel's random hash key. Resilient groups are compared too: bucket assignment after
creation, replace and member removal is deterministic in the kernel; only `idle_time` (real
time since a bucket was used) is masked. Their monitor case makes the one bucket of a group
busy with `ip route get` (hash % 1 is always bucket 0) and lets the upkeep timer move it."""

from __future__ import annotations

import re

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


# The monitor sequences' link: up, addressed, and its link events settled.
MONITOR_LINK = """\
ip -n a link add d0 type veth peer name d1
ip -n a link set d0 up
ip -n a link set d1 up
ip -n a addr add 10.9.0.1/24 dev d0
sleep 0.3
"""
MONITOR_SEQUENCE = MONITOR_LINK + """\
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


RES_SCRIPT = SETUP + """\
ip -n a nexthop add id 1 via 10.0.0.2 dev d0
ip -n a nexthop add id 2 via 10.1.0.2 dev d1
ip -n a nexthop add id 3 via 10.0.0.3 dev d0
ip -n a nexthop add id 4 blackhole
ip -n a nexthop add id 10 group 1/2 type resilient
ip -n a nexthop add id 10 group 1/2 type resilient buckets 8
ip -n a nexthop add id 11 group 1,2/2/3 type resilient buckets 6 idle_timer 0 unbalanced_timer 5
ip -n a nexthop add id 12 group 1,3/2,5/3,7 type resilient buckets 32 idle_timer 0
ip -n a nexthop add id 13 group 3 type resilient buckets 4 proto static
ip -n a nexthop show
ip -n a -j nexthop show
ip -n a -d nexthop show
ip -n a -j -p nexthop show id 11
ip -n a nexthop bucket show
ip -n a -j nexthop bucket show id 11
ip -n a nexthop bucket list nhid 2
ip -n a nexthop bucket show dev d1
ip -n a nexthop bucket show id 12 nhid 3
ip -n a nexthop bucket get id 10 index 3
ip -n a -j nexthop bucket get id 11 index 5
ip -n a nexthop bucket get id 10 index 8
ip -n a nexthop bucket get id 1 index 0
ip -n a nexthop bucket get id 99 index 0
ip -n a nexthop bucket get id 10
ip -n a nexthop bucket get id 10 index x
ip -n a nexthop bucket get index 1
ip -n a nexthop bucket show id 1
ip -n a nexthop bucket show id 99
ip -n a nexthop bucket show nhid 0
ip -n a nexthop bucket show id 0
ip -n a nexthop bucket foo
ip -n a nexthop bucket show bogus
ip -n a nexthop add id 20 group 1/2 type resilient buckets 0
ip -n a nexthop add id 20 group 1/2 type resilient buckets 65536
ip -n a nexthop add id 20 group 1/2 type resilient buckets 8 idle_timer 42949672
ip -n a nexthop add id 20 group 1/2 type resilient buckets 8 idle_timer 3600
ip -n a nexthop add id 21 group 10/1 type resilient buckets 8
ip -n a nexthop add id 21 group 10/1
ip -n a nexthop add id 21 group 4/1 type resilient buckets 8
ip -n a nexthop add id 21 group 4 type resilient buckets 8
ip -n a nexthop add id 22 group 1 type mpath buckets 8
ip -n a nexthop replace id 10 group 1/2 buckets 8
ip -n a nexthop replace id 10 group 1/2
ip -n a nexthop replace id 10 group 1/2 type resilient buckets 16
ip -n a nexthop replace id 10 via 10.0.0.9 dev d0
ip -n a nexthop replace id 1 group 2 type resilient buckets 2
ip -n a nexthop replace id 11 group 1/2/3 type resilient
ip -n a nexthop bucket show id 11
ip -n a nexthop show id 11
ip -n a nexthop replace id 12 group 1/2,2 type resilient idle_timer 0
ip -n a nexthop bucket show id 12
ip -n a nexthop del id 2
ip -n a nexthop show
ip -n a nexthop bucket show
ip -n a route add 192.168.0.0/24 nhid 12
ip -n a route show
ip -n a nexthop replace id 12 group 1,3/3 type resilient idle_timer 0 unbalanced_timer 9
ip -n a -j nexthop show id 12
ip -n a nexthop bucket show id 12
ip -n a nexthop flush
ip -n a nexthop bucket show
"""
IDLE_TIME = re.compile(r'("?idle_time"?[ :])[0-9.e+-]+')


def mask_idle_time(text: str) -> str:
    """A bucket's idle_time counts real time since its last use: not comparable."""
    return IDLE_TIME.sub(r"\1T", text)


def test_resilient_groups_and_buckets_match_linux(real_kernel_ok: None) -> None:
    result = run_both(RES_SCRIPT, mask_idle_time)
    assert result.ok, result.render()


RES_MONITOR_SEQUENCE = MONITOR_LINK + """\
ip -n a nexthop add id 1 via 10.9.0.2 dev d0
ip -n a nexthop add id 2 via 10.9.0.3 dev d0
ip -n a nexthop add id 10 group 1/2 type resilient buckets 1 idle_timer 1
ip -n a route add 10.5.0.0/16 nhid 10
ip -n a route get 10.5.0.1
ip -n a nexthop replace id 10 group 1/2,3 type resilient
ip -n a nexthop bucket show
sleep 1.6
ip -n a nexthop bucket show
ip -n a nexthop replace id 10 group 1,5/2 type resilient idle_timer 0
ip -n a nexthop bucket show
ip -n a nexthop del id 1
ip -n a nexthop del id 10
sleep 0.3
"""


@pytest.mark.parametrize("args", ["monitor nexthop", "-4 monitor all"])
def test_ip_monitor_nexthop_bucket_matches_linux(real_kernel_ok: None, args: str) -> None:
    """The upkeep work's RTM_NEWNEXTHOPBUCKET ([NEXTHOPBUCKET] with `all`) once the busy
    bucket has been idle for idle_timer; replaces and removals send none."""
    real_results, real_out = test_monitor.run_real(args, RES_MONITOR_SEQUENCE)
    ours_results, ours_out = test_monitor.run_skbuff(args, RES_MONITOR_SEQUENCE)
    for a, b in zip(real_results, ours_results, strict=True):
        assert (a.status, mask_idle_time(a.stdout), a.stderr) == \
            (b.status, mask_idle_time(b.stdout), b.stderr)
    assert "index 0 idle_time 0 nhid 2" in ours_out
    assert _normalize_macs(ours_out, set(), {}) == _normalize_macs(real_out, set(), {})

"""nstat: counters since the last call, absolute, zeros, patterns, history per namespace."""

from __future__ import annotations

import json

from tests.tools.test_ping import topo_world

from skbuff.tools import nstat

SNMP = """Ip: Forwarding DefaultTTL InReceives
Ip: 1 64 7
Icmp: InMsgs OutMsgs
Icmp: 3 0
"""


def test_load_ugly_table_skips_useless_numbers() -> None:
    assert nstat.load_ugly_table(SNMP) == [("IpInReceives", 7), ("IcmpInMsgs", 3),
                                           ("IcmpOutMsgs", 0)]


def test_increments_and_history() -> None:
    w = topo_world()
    assert w.run("ip netns exec a nstat -n").stdout == ""
    w.run("ip netns exec a ping -c 2 -i 0.2 10.0.2.2")
    out = w.run("ip netns exec a nstat").stdout.splitlines()
    assert out[0] == "#kernel"
    assert out[1] == f"{'IpInReceives':<32}{2:<16}{'0.0':>6}"
    rows = {ln.split()[0]: int(ln.split()[1]) for ln in out[1:]}
    assert rows["IcmpOutEchos"] == 2 and rows["IcmpMsgOutType8"] == 2
    assert rows["IpExtOutOctets"] == 168
    assert "IpInHdrErrors" not in rows
    assert w.run("ip netns exec a nstat").stdout == "#kernel\n"
    absolute = w.run("ip netns exec a nstat -a -s IcmpOut*").stdout.splitlines()
    assert [ln.split()[0] for ln in absolute[1:]] == ["IcmpOutMsgs", "IcmpOutEchos"]
    zeros = w.run("ip netns exec a nstat -s -z IpInHdrErrors").stdout
    assert zeros.splitlines()[1].split() == ["IpInHdrErrors", "0", "0.0"]
    # Each namespace has its own history: b has never been asked.
    b = w.run("ip netns exec b nstat -j IcmpInEchos").stdout
    assert json.loads(b) == {"kernel": {"IcmpInEchos": 2}}


def test_bad_option() -> None:
    w = topo_world()
    r = w.run("nstat -x")
    assert r.status == 255
    assert r.stderr.startswith("nstat: invalid option -- 'x'\nUsage: nstat [OPTION]")

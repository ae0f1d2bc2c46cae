"""`ip` command lines -> rtnetlink requests: abbreviations, option forms, the defaults
iproute2 fills in, and a fuzz: no argv raises, and a rejected command changes nothing."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from tests.tools.fake_stack import _st, fake_world

from skbuff.tools.ip.utils import matches
from skbuff.uapi import rtnetlink as rt
from skbuff.uapi.fib_rules import FR_ACT_GOTO, FR_ACT_TO_TBL, FRA_GOTO, FRA_TABLE
from skbuff.uapi.if_addr import IFA_ADDRESS, IFA_BROADCAST, IFA_CACHEINFO, IFA_LOCAL
from skbuff.uapi.if_link import (
    IFF_NOARP,
    IFF_PROMISC,
    IFF_UP,
    IFLA_IFNAME,
    IFLA_INFO_DATA,
    IFLA_INFO_KIND,
    IFLA_LINKINFO,
    IFLA_MTU,
    VETH_INFO_PEER,
)
from skbuff.uapi.neighbour import NDA_LLADDR, NTF_ROUTER, NUD_REACHABLE


def last_request(cmd: str) -> rt.nlmsg:
    w = fake_world()
    r = w.run(cmd)
    assert r.status == 0, r.stderr
    return _st(w.init_net).requests[-1]


def test_matches_is_iproute2_prefix_semantics() -> None:
    assert matches("r", "route") and matches("", "route") and matches("route", "route")
    assert not matches("routes", "route") and not matches("x", "route")


def test_object_abbreviations_follow_iproute2_table_order() -> None:
    w = fake_world()
    assert w.run("ip r").status == 0          # route, before rule
    assert w.run("ip ru").stdout == ""         # rule
    assert w.run("ip a").stdout.startswith("1: lo: ")  # address, before addrlabel
    assert w.run("ip l").stdout.startswith("1: lo: ")  # link
    assert w.run("ip li sh lo").stdout.startswith("1: lo: ")
    assert w.run("ip n").status == 0           # neighbor
    assert w.run("ip ro a 10.0.0.0/8 dev lo").status == 0
    assert _st(w.init_net).routes[-1].hdr.dst_len == 8
    assert w.run("ip r d 10.0.0.0/8 dev lo").status == 0
    assert _st(w.init_net).routes == []
    assert w.run("ip m").stderr == 'skbuff: "ip maddress" is not implemented.\n'


def test_route_add_defaults() -> None:
    m = last_request("ip route add 10.0.0.0/24 dev lo")
    assert m.type == rt.RTM_NEWROUTE
    assert m.flags == rt.NLM_F_REQUEST | rt.NLM_F_CREATE | rt.NLM_F_EXCL
    h = m.hdr
    assert (h.table, h.protocol, h.scope, h.type) == (
        rt.RT_TABLE_MAIN, rt.RTPROT_BOOT, rt.RT_SCOPE_LINK, rt.RTN_UNICAST)
    assert m.attrs == {rt.RTA_DST: 0x0A000000, rt.RTA_OIF: 1}
    via = last_request("ip route add default via 10.0.0.1")
    assert via.hdr.scope == rt.RT_SCOPE_UNIVERSE and via.hdr.dst_len == 0
    assert rt.RTA_DST not in via.attrs
    local = last_request("ip route add local 10.0.0.1 dev lo")
    assert (local.hdr.type, local.hdr.table, local.hdr.scope) == (
        rt.RTN_LOCAL, rt.RT_TABLE_LOCAL, rt.RT_SCOPE_HOST)
    big = last_request("ip route add 10.0.0.0/8 dev lo table 1000 proto static metric 9")
    assert big.hdr.table == rt.RT_TABLE_UNSPEC and big.attrs[rt.RTA_TABLE] == 1000
    assert big.hdr.protocol == rt.RTPROT_STATIC and big.attrs[rt.RTA_PRIORITY] == 9
    dele = last_request("ip route add 10.0.0.0/8 dev lo")
    assert dele.hdr.scope == rt.RT_SCOPE_LINK


def test_route_modify_flags() -> None:
    for verb, flags in (("replace", rt.NLM_F_CREATE | rt.NLM_F_REPLACE),
                        ("change", rt.NLM_F_REPLACE), ("append", rt.NLM_F_CREATE | rt.NLM_F_APPEND),
                        ("prepend", rt.NLM_F_CREATE)):
        assert last_request(f"ip route {verb} 10.0.0.0/8 dev lo").flags == \
            rt.NLM_F_REQUEST | flags


def test_route_metrics_and_nexthops() -> None:
    m = last_request("ip route add 10.0.0.0/8 dev lo mtu lock 1400 advmss 1300 onlink tos 0x10")
    assert m.attrs[rt.RTA_METRICS] == {rt.RTAX_LOCK: 1 << rt.RTAX_MTU, rt.RTAX_MTU: 1400,
                                       rt.RTAX_ADVMSS: 1300}
    assert m.hdr.flags & rt.RTNH_F_ONLINK and m.hdr.tos == 0x10
    mp = last_request("ip route add 10.0.0.0/8 nexthop via 1.1.1.1 dev lo weight 3 "
                      "nexthop via 1.1.1.2 dev lo onlink")
    hops = mp.attrs[rt.RTA_MULTIPATH]
    assert [(h.hops, h.ifindex, h.flags, h.attrs[rt.RTA_GATEWAY]) for h in hops] == [
        (2, 1, 0, 0x01010101), (0, 1, rt.RTNH_F_ONLINK, 0x01010102)]
    assert mp.hdr.scope == rt.RT_SCOPE_UNIVERSE


def test_addr_add_broadcast_plus_and_lifetimes() -> None:
    m = last_request("ip addr add 10.1.2.3/16 brd + dev lo valid_lft 100 preferred_lft 50")
    assert m.hdr.prefixlen == 16 and m.hdr.index == 1
    assert m.attrs[IFA_LOCAL] == 0x0A010203 and m.attrs[IFA_BROADCAST] == 0x0A01FFFF
    ci = m.attrs[IFA_CACHEINFO]
    assert (ci.ifa_valid, ci.ifa_prefered) == (100, 50)
    lo = last_request("ip a add 127.0.0.2/8 dev lo")
    assert lo.hdr.scope == rt.RT_SCOPE_HOST
    w = fake_world()
    w.run("ip addr add 10.0.0.1/24 dev lo")
    r = w.run("ip addr del 10.0.0.1 dev lo")
    assert r.stderr.startswith("Warning: Executing wildcard deletion")
    wild = _st(w.init_net).requests[-1]
    assert IFA_ADDRESS not in wild.attrs and wild.hdr.prefixlen == 32
    r = w.run("ip addr add 10.0.0.2/24 dev lo valid_lft 10 preferred_lft 20")
    assert (r.status, r.stderr) == (1, "preferred_lft is greater than valid_lft\n")


def test_link_requests() -> None:
    off = last_request("ip link set lo arp off promisc on")
    assert off.hdr.ifi_change == IFF_NOARP | IFF_PROMISC
    assert off.hdr.ifi_flags == IFF_NOARP | IFF_PROMISC
    m = last_request("ip link set dev lo up mtu 9000")
    assert m.hdr.ifi_change & IFF_UP and m.hdr.ifi_flags & IFF_UP
    assert m.attrs[IFLA_MTU] == 9000 and m.hdr.ifi_index == 1
    w = fake_world()
    r = w.run("ip link set lo mtu 99999")
    assert (r.status, r.stderr) == (2, "Error: mtu greater than device maximum.\n")
    w.run("ip link add v0 type veth peer name v1")
    add = _st(w.init_net).requests[-1]
    info = add.attrs[IFLA_LINKINFO]
    assert add.attrs[IFLA_IFNAME] == "v0" and info[IFLA_INFO_KIND] == "veth"
    assert info[IFLA_INFO_DATA][VETH_INFO_PEER][1] == {IFLA_IFNAME: "v1"}


def test_rule_and_neigh_requests() -> None:
    m = last_request("ip rule add from 10.0.0.0/8 lookup 300 pref 10")
    assert m.hdr.action == FR_ACT_TO_TBL and m.attrs[FRA_TABLE] == 300
    assert m.hdr.src_len == 8
    g = last_request("ip rule add goto 40 pref 20")
    assert g.hdr.action == FR_ACT_GOTO and g.attrs[FRA_GOTO] == 40
    assert g.hdr.table == rt.RT_TABLE_MAIN
    n = last_request("ip neigh replace 10.0.0.9 lladdr 0:1:2:3:4:5 nud reachable router dev lo")
    assert n.attrs[NDA_LLADDR] == bytes(range(6))
    assert n.hdr.state == NUD_REACHABLE and n.hdr.flags & NTF_ROUTER


def test_global_options() -> None:
    w = fake_world()
    assert w.run("ip -json link").stdout.startswith('[{"ifindex":1')
    assert w.run("ip --json link").stdout.startswith('[{"ifindex":1')
    assert w.run("ip -j -p link").stdout.startswith('[ {\n        "ifindex": 1')
    assert w.run("ip -o link").stdout.count("\n") == 1
    assert w.run("ip -V").stdout == "ip utility, iproute2-6.1.0, libbpf 1.1.2\n"
    r = w.run("ip -n nosuch link")
    assert (r.status, r.stderr) == (
        255, 'Cannot open network namespace "nosuch": No such file or directory\n')
    assert w.run("ip -6 route").status == 1


def test_batch_stops_at_first_failure_unless_force(tmp_path: Path) -> None:
    batch = tmp_path / "b"
    batch.write_text("route add 10.0.0.0/8 dev lo\nroute add 10.0.0.0/8 dev lo\n"
                     "route add 11.0.0.0/8 dev lo\n")
    w = fake_world()
    r = w.run(f"ip -batch {batch}")
    assert r.status == 1
    assert r.stderr == f"RTNETLINK answers: File exists\nCommand failed {batch}:2\n"
    assert len(_st(w.init_net).routes) == 1
    w = fake_world()
    r = w.run(f"ip -force -batch {batch}")
    assert r.status == 1 and len(_st(w.init_net).routes) == 2


def test_netns_commands() -> None:
    w = fake_world()
    assert w.run("ip netns add a").status == 0
    assert w.run("ip netns add b").status == 0
    assert w.run("ip netns list").stdout == "b\na\n"
    r = w.run("ip netns add a")
    assert (r.status, r.stderr) == (
        1, 'Cannot create namespace file "/run/netns/a": File exists\n')
    assert w.run("ip netns exec a echo hi").stdout == "hi\n"
    assert w.run("ip netns exec a nosuch").status == 127
    r = w.run("ip netns exec zz true")
    assert (r.status, r.stderr) == (
        255, 'Cannot open network namespace "zz": No such file or directory\n')
    assert w.run("ip netns add").stderr == "No netns name specified\n"
    assert w.run("ip netns add a/b").status == 255
    assert w.run("ip netns del a").status == 0
    r = w.run("ip netns del a")
    assert r.stderr == ('Cannot remove namespace file "/run/netns/a": '
                        "No such file or directory\n")
    assert w.netns_names() == ["b"]


WORDS = ["ip", "-j", "-s", "-d", "-4", "-o", "-br", "-n", "x", "link", "addr", "route", "rule",
         "neigh", "netns", "add", "del", "show", "set", "flush", "get", "replace", "change",
         "dev", "lo", "up", "down", "mtu", "via", "table", "all", "local", "blackhole",
         "10.0.0.0/8", "10.0.0.1", "1.2.3.4/33", "default", "metric", "7", "abc", "nexthop",
         "weight", "0", "lladdr", "00:11:22:33:44:55", "nud", "permanent", "from", "to", "pref",
         "lookup", "100", "type", "veth", "peer", "name", "brd", "+", "label", "scope", "host",
         "proto", "static", "fwmark", "3/0xff", "not", "goto", "uidrange", "1-2", "exec",
         "echo", "-batch", "help", "lock", "onlink", "sysctl", "-w", "-a", "net.ipv4.x=1"]


def _state(w: object) -> tuple[object, ...]:
    s = _st(w.init_net)  # type: ignore[attr-defined]
    return (repr(s.routes), repr(s.addrs), repr(s.rules), repr(s.neighs),
            w.netns_names())  # type: ignore[attr-defined]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8))
def test_fuzz_never_raises_and_rejections_change_nothing(argv: list[str]) -> None:
    w = fake_world()
    w.run("ip route add 10.0.0.0/8 dev lo")
    before = _state(w)
    r = w.run("ip " + " ".join(argv))
    assert isinstance(r.status, int)
    if r.status != 0 and "flush" not in argv and "exec" not in argv:
        assert _state(w) == before


def _parse_ipv4_loop(text: str) -> int | None:
    """parse_ipv4 before its inet_pton shortcut: the reference."""
    parts = text.split(".")
    if len(parts) != 4:
        return None
    v = 0
    for p in parts:
        if not p.isdigit() or len(p) > 3 or int(p) > 255:
            return None
        v = (v << 8) | int(p)
    return v


@settings(max_examples=400)
@given(st.one_of(
    st.builds(lambda *o: ".".join(o), *[st.one_of(st.integers(0, 300).map(str),
                                                 st.sampled_from(["00", "01", "007", "", "x",
                                                                  "1 ", "٣", "0x1"]))] * 4),
    st.text(alphabet="0123456789./ x\x00", max_size=16)))
def test_parse_ipv4_shortcut_answers_as_the_loop(text: str) -> None:
    from skbuff.tools.ip.utils import parse_ipv4

    assert parse_ipv4(text) == _parse_ipv4_loop(text)


@given(st.text(alphabet="abcdefghilmnoprstuvwxy_2", max_size=11))
def test_object_abbreviations_take_the_first_match(word: str) -> None:
    from skbuff.tools.ip import ip

    first = next((e for e in ip._OBJECTS if matches(word, e[0])), None)
    assert ip._OBJECT_BY_PREFIX.get(word) == first


def test_every_object_abbreviation_is_tabulated() -> None:
    from skbuff.tools.ip import ip

    for name, _ in ip._OBJECTS:
        for n in range(len(name) + 1):
            assert ip._OBJECT_BY_PREFIX[name[:n]] == next(
                e for e in ip._OBJECTS if matches(name[:n], e[0]))

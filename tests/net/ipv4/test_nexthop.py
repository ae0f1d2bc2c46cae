"""Nexthop objects (net/ipv4/nexthop.c) and routes with `nhid`: ids, groups and path
selection, the lookup through fib_info.nh, the removal/replace lifecycle, and a Hypothesis
state machine over add/replace/del/link events that keeps the structure consistent (routes
never point at a missing nexthop, group members exist and know their groups)."""

from __future__ import annotations

import errno

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from skbuff.net import flow
from skbuff.net.core.net_namespace import Net
from skbuff.net.ipv4 import fib_frontend, fib_rules, fib_semantics, fib_trie, nexthop
from skbuff.net.ipv4.ip_fib import fib_info, fib_result
from skbuff.sim.world import World
from skbuff.uapi.inet import in_aton

SETUP = """\
ip link set lo up
ip link add d0 type veth peer name p0
ip link add d1 type veth peer name p1
ip link set d0 up
ip link set p0 up
ip link set d1 up
ip link set p1 up
ip addr add 10.0.0.1/24 dev d0
ip addr add 10.1.0.1/24 dev d1
"""


def world(extra: str = "") -> World:
    w = World()
    res = w.script(SETUP + extra)
    assert res.status == 0, res.stderr
    return w


def ok(w: World, line: str) -> str:
    r = w.run(line)
    assert r.status == 0, (line, r.stderr)
    return r.stdout


def lookup(net: Net, daddr: str, **kw: int) -> tuple[int, fib_result]:
    res = fib_result()
    fl4 = flow.flowi4(daddr=in_aton(daddr), **kw)
    return fib_rules.fib_lookup(net, fl4, res, 0), res


def test_ids_are_allocated_after_the_last_one_and_skip_used_ids() -> None:
    w = world("ip nexthop add id 2 dev d0\n")
    ok(w, "ip nexthop add dev d0")
    ok(w, "ip nexthop add dev d0")
    assert ok(w, "ip nexthop show") == ("id 1 dev d0 scope host \nid 2 dev d0 scope host \n"
                                        "id 3 dev d0 scope host \n")
    state = w.init_net.nexthop
    state.last_id_allocated = 0xFFFFFFFF
    assert nexthop.nh_find_unused_id(w.init_net) == 4  # wraps, skipping 0 and the used ids


def test_add_replace_flags_follow_the_kernel() -> None:
    w = world("ip nexthop add id 1 via 10.0.0.2 dev d0\n")
    r = w.run("ip nexthop add id 1 via 10.0.0.3 dev d0")
    assert (r.status, r.stderr) == (2, "RTNETLINK answers: File exists\n")
    r = w.run("ip nexthop replace via 10.0.0.3 dev d0")
    assert (r.status, r.stderr) == (2, "Error: Replace requires nexthop id.\n")
    ok(w, "ip nexthop replace id 7 via 10.0.0.3 dev d0")  # NLM_F_CREATE: a new one
    assert "id 7 via 10.0.0.3 dev d0 scope link" in ok(w, "ip nexthop show")


def test_hash_threshold_bounds_follow_the_weights() -> None:
    w = world("ip nexthop add id 1 via 10.0.0.2 dev d0\n"
              "ip nexthop add id 2 via 10.1.0.2 dev d1\n"
              "ip nexthop add id 10 group 1/2,3\n")
    nhg = nexthop.nexthop_find_by_id(w.init_net, 10).grp()  # type: ignore[union-attr]
    assert [e.upper_bound for e in nhg.nh_entries] == [(1 << 29) - 1, (1 << 31) - 1]
    assert nexthop.nexthop_select_path_hthr(nhg, 5).id == 1
    assert nexthop.nexthop_select_path_hthr(nhg, 1 << 30).id == 2


def test_group_lookup_and_multipath_selection() -> None:
    w = world("ip nexthop add id 1 via 10.0.0.2 dev d0\n"
              "ip nexthop add id 2 via 10.1.0.2 dev d1\n"
              "ip nexthop add id 10 group 1/2\n"
              "ip route add 192.168.0.0/16 nhid 10\n")
    net = w.init_net
    err, res = lookup(net, "192.168.1.1")
    assert err == 0 and res.fi is not None and res.fi.nh is not None
    assert res.nhc is not None and res.nhc.nhc_gw == in_aton("10.0.0.2")  # first good path
    err, res = lookup(net, "192.168.1.1", flowi4_oif=net.dev_base_head["d1"].ifindex)
    assert err == 0 and res.nhc is not None and res.nhc.nhc_gw == in_aton("10.1.0.2")
    devs = set()
    for i in range(64):
        fl4 = flow.flowi4(daddr=in_aton(f"192.168.7.{i}"), saddr=in_aton("10.0.0.1"))
        res = fib_result()
        assert fib_rules.fib_lookup(net, fl4, res, 0) == 0
        fib_semantics.fib_select_path(net, res, fl4, None)
        assert res.nhc is not None and res.nhc.nhc_dev is not None
        devs.add(res.nhc.nhc_dev.name)
    assert devs == {"d0", "d1"}
    assert ok(w, "ip route get 192.168.7.1 oif d1").startswith(
        "192.168.7.1 via 10.1.0.2 dev d1 src 10.1.0.1")


def test_a_failed_gateway_neighbour_is_skipped_by_the_group() -> None:
    w = world("ip nexthop add id 1 via 10.0.0.2 dev d0\n"
              "ip nexthop add id 2 via 10.1.0.2 dev d1\n"
              "ip nexthop add id 10 group 1/2\n"
              "ip neigh add 10.0.0.2 dev d0 nud failed\n")
    nhg = nexthop.nexthop_find_by_id(w.init_net, 10).grp()  # type: ignore[union-attr]
    for h in (0, 1 << 20, (1 << 31) - 1):
        assert nexthop.nexthop_select_path(nexthop.nexthop_find_by_id(w.init_net, 10),
                                           h).id == 2  # type: ignore[arg-type]
    assert not nexthop.nexthop_is_good_nh(nhg.nh_entries[0].nh)


def test_blackhole_nexthop_rejects_the_lookup() -> None:
    w = world("ip nexthop add id 4 blackhole\nip route add 192.168.2.0/24 nhid 4\n")
    err, _ = lookup(w.init_net, "192.168.2.9")
    assert err == -errno.EINVAL
    r = w.run("ip route get 192.168.2.9")
    assert (r.status, r.stderr) == (2, "RTNETLINK answers: Invalid argument\n")
    tb = fib_frontend.fib_get_table(w.init_net, 254)
    assert tb is not None
    out = fib_trie.fib_table_lookup_batch(tb, np.array([in_aton("192.168.2.9")], np.uint32))
    assert out.tolist() == [-errno.EINVAL]


def test_batch_lookup_follows_a_replaced_nexthop() -> None:
    w = world("ip nexthop add id 1 via 10.0.0.2 dev d0\nip route add 192.168.0.0/16 nhid 1\n")
    tb = fib_frontend.fib_get_table(w.init_net, 254)
    assert tb is not None
    addrs = np.array([in_aton("192.168.3.3")], np.uint32)
    d0, d1 = (w.init_net.dev_base_head[n].ifindex for n in ("d0", "d1"))
    assert fib_trie.fib_table_lookup_batch(tb, addrs).tolist() == [d0]
    ok(w, "ip nexthop replace id 1 via 10.1.0.2 dev d1")
    assert fib_trie.fib_table_lookup_batch(tb, addrs).tolist() == [d1]


def test_removing_a_member_shrinks_its_group_and_the_last_takes_the_group_away() -> None:
    w = world("ip nexthop add id 1 via 10.0.0.2 dev d0\n"
              "ip nexthop add id 2 via 10.1.0.2 dev d1\n"
              "ip nexthop add id 10 group 1/2\n"
              "ip route add 192.168.0.0/16 nhid 10\n"
              "ip route add 172.16.0.0/16 nhid 2\n")
    ok(w, "ip nexthop del id 2")
    assert ok(w, "ip nexthop show") == "id 1 via 10.0.0.2 dev d0 scope link \nid 10 group 1 \n"
    assert "172.16.0.0/16" not in ok(w, "ip route show")
    assert "192.168.0.0/16 nhid 10 via 10.0.0.2 dev d0" in ok(w, "ip route show")
    ok(w, "ip nexthop del id 1")
    assert ok(w, "ip nexthop show") == ""
    assert "nhid" not in ok(w, "ip route show")
    assert not w.init_net.nexthop.devhash.get(w.init_net.dev_base_head["d0"].ifindex)


def test_device_down_removes_its_nexthops_but_not_blackholes() -> None:
    w = world("ip nexthop add id 1 via 10.0.0.2 dev d0\n"
              "ip nexthop add id 2 dev d1\n"
              "ip nexthop add id 4 blackhole\n"
              "ip route add 192.168.0.0/16 nhid 1\n")
    ok(w, "ip link set d0 down")
    ok(w, "ip link set lo down")
    assert ok(w, "ip nexthop show") == "id 2 dev d1 scope host \nid 4 blackhole \n"
    assert "192.168.0.0" not in ok(w, "ip route show")
    ok(w, "ip link del d1")
    assert ok(w, "ip nexthop show") == "id 4 blackhole \n"


def test_replace_changes_routes_in_place_and_their_cached_dsts() -> None:
    w = world("ip nexthop add id 1 via 10.0.0.2 dev d0\nip route add 192.168.0.0/16 nhid 1\n")
    assert "via 10.0.0.2 dev d0" in ok(w, "ip route get 192.168.5.5")
    fi_before = w.init_net.nexthop.rb_root[1].fi_list[0]
    ok(w, "ip nexthop replace id 1 via 10.1.0.2 dev d1 proto static")
    assert w.init_net.nexthop.rb_root[1].fi_list == [fi_before]
    assert "via 10.1.0.2 dev d1" in ok(w, "ip route get 192.168.5.5")
    assert ok(w, "ip nexthop show id 1") == "id 1 via 10.1.0.2 dev d1 scope link proto static \n"
    r = w.run("ip nexthop replace id 1 group 1")
    assert r.stderr == "Error: Can not replace a nexthop with a nexthop group.\n"


def test_compat_mode_off_dumps_only_the_nhid() -> None:
    w = world("ip nexthop add id 1 via 10.0.0.2 dev d0\nip route add 192.168.0.0/16 nhid 1\n"
              "sysctl -qw net.ipv4.nexthop_compat_mode=0\n")
    assert "192.168.0.0/16 nhid 1 \n" in ok(w, "ip route show")
    r = w.run("sysctl -w net.ipv4.nexthop_compat_mode=2")
    assert r.status != 0


def test_packets_are_forwarded_through_a_nexthop_group() -> None:
    w = World()
    res = w.script("""\
ip netns add h
ip link add va type veth peer name vb
ip link set vb netns h
ip addr add 10.0.0.1/24 dev va
ip link set va up
ip -n h addr add 10.0.0.2/24 dev vb
ip -n h link set vb up
ip -n h addr add 172.16.0.1/32 dev lo
ip -n h link set lo up
ip nexthop add id 1 via 10.0.0.2 dev va
ip nexthop add id 10 group 1
ip route add 172.16.0.0/24 nhid 10
ip -n h route add default via 10.0.0.1
""")
    assert res.status == 0, res.stderr
    r = w.run("ping -c 1 172.16.0.1")
    assert r.status == 0 and "1 received" in r.stdout


def test_netns_deletion_flushes_its_nexthops() -> None:
    w = World()
    assert w.script("ip netns add x\nip -n x link set lo up\n"
                    "ip -n x nexthop add id 3 blackhole\n").status == 0
    net = w.netns_get("x")
    assert net is not None and net.nexthop.rb_root
    ok(w, "ip netns del x")
    assert not net.nexthop.rb_root


def test_route_delete_by_nhid_and_explain() -> None:
    w = world("ip nexthop add id 1 via 10.0.0.2 dev d0\nip route add 192.168.0.0/16 nhid 1\n")
    out = ok(w, "ip route get 192.168.1.1 explain")
    assert "via 10.0.0.2 dev d0" in out
    r = w.run("ip route del 192.168.0.0/16 nhid 2")
    assert (r.status, r.stderr) == (2, "Error: Nexthop id does not exist.\n")
    ok(w, "ip route del 192.168.0.0/16 nhid 1")
    assert w.init_net.nexthop.rb_root[1].fi_list == []


# ----- the lifecycle as a state machine ---------------------------------------------------------

IDS = st.integers(1, 8)


def check_consistent(net: Net) -> None:
    """Routes reach live nexthops; groups and members point at each other; devhash = the live
    single nexthops with a device (fdb excluded)."""
    state = net.nexthop
    live = set(state.rb_root.values())
    for tb in fib_frontend.fib_tables(net):
        for leaf in fib_trie.fib_trie_leaves(tb.tb_data):
            for fa in fib_trie.leaf_aliases(leaf):
                fi: fib_info = fa.fa_info
                assert not fi.fib_dead
                if fi.nh is not None:
                    assert fi.nh in live and fi in fi.nh.fi_list
    for nh in live:
        assert state.rb_root[nh.id] is nh
        assert all(not fi.fib_dead and fi.nh is nh for fi in nh.fi_list)
        if nh.is_group:
            entries = nh.grp().nh_entries
            assert entries, "an empty group must have gone"
            for e in entries:
                assert e.nh in live and not e.nh.is_group and e in e.nh.grp_list
                assert e.nh_parent is nh
        else:
            assert all(e.nh_parent in live and e.nh is nh for e in nh.grp_list)
    hashed = [nhi.nh_parent for b in state.devhash.values() for nhi in b]
    assert sorted(id(n) for n in hashed) == sorted(
        id(n) for n in live if not n.is_group and n.info().fib_nh.nhc_dev is not None
        and not n.info().fdb_nh)


class NexthopLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.w = world()
        self.net = self.w.init_net

    def _run(self, line: str) -> None:
        r = self.w.run(line)
        assert r.status in (0, 2), (line, r.stderr)  # a kernel refusal, never a crash

    @rule(nh_id=IDS, how=st.sampled_from(["via 10.0.0.2 dev d0", "via 10.1.0.2 dev d1",
                                          "dev d0", "blackhole", "via 10.0.0.9 fdb"]),
          cmd=st.sampled_from(["add", "replace"]))
    def single(self, nh_id: int, how: str, cmd: str) -> None:
        self._run(f"ip nexthop {cmd} id {nh_id} {how}")

    @rule(nh_id=IDS, members=st.lists(st.tuples(IDS, st.integers(1, 4)), min_size=1,
                                      max_size=3, unique_by=lambda t: t[0]),
          cmd=st.sampled_from(["add", "replace"]))
    def group(self, nh_id: int, members: list[tuple[int, int]], cmd: str) -> None:
        spec = "/".join(f"{m},{w}" for m, w in members)
        self._run(f"ip nexthop {cmd} id {nh_id} group {spec}")

    @rule(nh_id=IDS)
    def delete(self, nh_id: int) -> None:
        self._run(f"ip nexthop del id {nh_id}")

    @rule(nh_id=IDS, prefix=st.integers(0, 3),
          kind=st.sampled_from(["", "blackhole ", "unreachable "]))
    def route(self, nh_id: int, prefix: int, kind: str) -> None:
        self._run(f"ip route replace {kind}192.168.{prefix}.0/24 nhid {nh_id}")

    @rule(dev=st.sampled_from(["d0", "d1", "lo"]), up=st.booleans())
    def link(self, dev: str, up: bool) -> None:
        self._run(f"ip link set {dev} {'up' if up else 'down'}")

    @rule(addr=st.integers(0, 255))
    def lookup(self, addr: int) -> None:
        err, res = lookup(self.net, f"192.168.{addr & 3}.{addr}")
        if err == 0:
            assert res.fi is not None and res.nhc is not None
            if res.fi.nh is not None:
                assert res.fi.nh in self.net.nexthop.rb_root.values()

    @invariant()
    def consistent(self) -> None:
        check_consistent(self.net)


def test_nexthop_lifecycle_keeps_routes_and_groups_consistent() -> None:
    run_state_machine_as_test(NexthopLifecycle, settings=settings(
        max_examples=40, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow]))

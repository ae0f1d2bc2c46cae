"""Resilient nexthop groups (net/ipv4/nexthop.c nh_res_*): bucket assignment by weight, path
selection by bucket, migration on replace and member removal, the idle and unbalanced timers
of the upkeep work on the simulated clock, the bucket get/dump requests and their errors, and
a Hypothesis state machine over replaces, removals, traffic and time."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from tests.net.ipv4.test_nexthop import ok
from tests.net.ipv4.test_nexthop import world as links_world

from skbuff.kernel import timer as ktimer
from skbuff.net.core import rtnetlink
from skbuff.net.ipv4 import nexthop
from skbuff.sim.world import World
from skbuff.uapi import nexthop as uapi_nh
from skbuff.uapi import rtnetlink as uapi_rt

SETUP = """\
ip nexthop add id 1 via 10.0.0.2 dev d0
ip nexthop add id 2 via 10.1.0.2 dev d1
ip nexthop add id 3 via 10.0.0.3 dev d0
ip nexthop add id 4 via 10.1.0.3 dev d1
"""
SEC = 1_000_000_000


def world(extra: str = "") -> World:
    """test_nexthop's two veth pairs, plus nexthops 1-4 (via d0 and d1)."""
    return links_world(SETUP + extra)


def fails(w: World, line: str) -> tuple[int, str]:
    r = w.run(line)
    return r.status, r.stderr


def buckets(w: World, nh_id: int) -> list[int]:
    """The member id of each bucket of group nh_id, by index."""
    table = w.init_net.nexthop.rb_root[nh_id].grp().res()
    return [b.nh_entry.nh.id for b in table.nh_buckets]


def wants(weights: list[int], n: int) -> list[int]:
    """The kernel's share per member: differences of round-half-up(n * cumulative / total)."""
    total = sum(weights)
    bounds, w = [0], 0
    for weight in weights:
        w += weight
        bounds.append(int(Fraction(n * w, total) + Fraction(1, 2)))
    return [b - a for a, b in zip(bounds, bounds[1:], strict=False)]


def test_buckets_are_dealt_by_weight_last_member_first() -> None:
    w = world("ip nexthop add id 10 group 1,2/2/3 type resilient buckets 6\n")
    assert buckets(w, 10) == [3, 2, 2, 1, 1, 1]
    assert wants([2, 1, 1], 6) == [3, 2, 1]
    table = w.init_net.nexthop.rb_root[10].grp().res()
    assert table.idle_timer == 120 * w.kernel.hz and table.unbalanced_timer == 0
    assert not table.uw_nh_entries and not ktimer.timer_pending(table.upkeep_dw)
    assert ok(w, "ip nexthop show id 10") == (
        "id 10 group 1,2/2/3 type resilient buckets 6 idle_timer 120 unbalanced_timer 0 "
        "unbalanced_time 0 \n")


def test_res_group_request_errors() -> None:
    w = world("ip nexthop add id 10 group 1/2 type resilient buckets 8\n")
    assert fails(w, "ip nexthop add id 20 group 1/2 type resilient") == (
        2, "Error: Number of buckets not specified for nexthop group insertion.\n")
    assert fails(w, "ip nexthop add id 20 group 1/2 type resilient buckets 0") == (
        2, "Error: Number of buckets needs to be non-0.\n")
    assert fails(w, "ip nexthop add id 20 group 1/2 type resilient buckets 65536") == (
        255, 'Error: argument "65536" is wrong: invalid buckets value\n')
    assert fails(w, "ip nexthop add id 20 group 10/1 type resilient buckets 8") == (
        2, "Error: Resilient group can not be a nexthop within a group.\n")
    assert fails(w, "ip nexthop replace id 10 group 1/2 type resilient buckets 16") == (
        2, "Error: Can not change number of buckets of a resilient nexthop group.\n")
    assert fails(w, "ip nexthop replace id 10 group 1/2") == (
        2, "Error: Can not replace a nexthop group with one of a different type.\n")
    assert fails(w, "ip nexthop bucket get id 1 index 0") == (
        2, "Error: Not a nexthop group.\n")
    assert fails(w, "ip nexthop bucket get id 10 index 8") == (
        2, "Error: Bucket index out of bounds.\n")
    assert fails(w, "ip nexthop bucket show id 99") == (2, "Dump terminated\n")


def test_replace_keeps_the_table_and_the_timers_not_given() -> None:
    w = world("ip nexthop add id 10 group 1/2 type resilient buckets 4 idle_timer 0 "
              "unbalanced_timer 7\n")
    table = w.init_net.nexthop.rb_root[10].grp().res()
    ok(w, "ip nexthop replace id 10 group 1/2,3 type resilient")
    assert w.init_net.nexthop.rb_root[10].grp().res() is table
    assert (table.idle_timer, table.unbalanced_timer) == (0, 7 * w.kernel.hz)
    # idle_timer 0: every overweight bucket is idle, so the replace balances at once; the
    # buckets nexthop 2 already had stay where they were.
    assert buckets(w, 10) == [2, 2, 2, 1]


def test_selection_is_hash_modulo_buckets_and_marks_the_bucket_used() -> None:
    w = world("ip nexthop add id 10 group 1/2 type resilient buckets 4\n")
    nh = w.init_net.nexthop.rb_root[10]
    table = nh.grp().res()
    w.kernel.run_for(3 * SEC)
    assert nexthop.nexthop_select_path(nh, 6).id == buckets(w, 10)[2]
    assert table.nh_buckets[2].used_time == w.kernel.jiffies
    assert table.nh_buckets[2].used_time != table.nh_buckets[2].migrated_time
    out = ok(w, "ip nexthop bucket show")
    assert "index 2 idle_time 0 nhid 1" in out and "index 3 idle_time 3 nhid 1" in out


def test_busy_buckets_move_when_idle_with_a_bucket_notification() -> None:
    w = world("ip nexthop add id 10 group 1/2 type resilient buckets 2 idle_timer 2\n")
    nh = w.init_net.nexthop.rb_root[10]
    table = nh.grp().res()
    assert buckets(w, 10) == [2, 1]
    seen: list[uapi_rt.nlmsg] = []
    rtnetlink.rtnl_listen(w.init_net, uapi_rt.RTNLGRP_NEXTHOP,
                         lambda _net, _grp, m: seen.append(m))
    nexthop.nexthop_select_path(nh, 1)  # bucket 1 (nexthop 1) carries a flow
    ok(w, "ip nexthop replace id 10 group 2 type resilient")
    # Nexthop 1 left the group: its bucket is empty and must move now, no bucket message.
    assert buckets(w, 10) == [2, 2]
    assert [m.type for m in seen] == [uapi_rt.RTM_NEWNEXTHOP]
    ok(w, "ip nexthop replace id 10 group 2/1,3 type resilient")
    assert buckets(w, 10) == [1, 2]  # both were idle: the first one went at once
    nexthop.nexthop_select_path(nh, 0)
    ok(w, "ip nexthop replace id 10 group 2,3/1 type resilient")
    assert buckets(w, 10) == [1, 2] and ktimer.timer_pending(table.upkeep_dw)
    assert "unbalanced_time 0 " in ok(w, "ip nexthop show id 10")
    w.kernel.run_for(1 * SEC)
    assert buckets(w, 10) == [1, 2]
    assert "unbalanced_time 1 " in ok(w, "ip nexthop show id 10")
    seen.clear()
    w.kernel.run_for(2 * SEC)
    assert buckets(w, 10) == [2, 2] and not ktimer.timer_pending(table.upkeep_dw)
    assert [(m.type, m.flags, m.attrs[uapi_nh.NHA_RES_BUCKET]) for m in seen] == [
        (uapi_rt.RTM_NEWNEXTHOPBUCKET, uapi_rt.NLM_F_REPLACE,
         {uapi_nh.NHA_RES_BUCKET_INDEX: 0, uapi_nh.NHA_RES_BUCKET_NH_ID: 2,
          uapi_nh.NHA_RES_BUCKET_IDLE_TIME: 0})]


def test_unbalanced_timer_forces_busy_buckets() -> None:
    w = world("ip nexthop add id 10 group 1/2 type resilient buckets 2 idle_timer 100 "
              "unbalanced_timer 3\n")
    nh = w.init_net.nexthop.rb_root[10]
    ok(w, "ip nexthop replace id 10 group 1/2,3 type resilient")
    ok(w, "ip nexthop replace id 10 group 1,3/2 type resilient")
    for _ in range(8):  # the flow keeps bucket 0 busy every half second
        nexthop.nexthop_select_path(nh, 0)
        w.kernel.run_for(SEC // 2)
    assert buckets(w, 10) == [1, 1]


def test_member_removal_migrates_its_buckets_and_group_deletion_stops_the_work() -> None:
    w = world("ip nexthop add id 10 group 1/2/3 type resilient buckets 6 idle_timer 1\n")
    assert buckets(w, 10) == [3, 3, 2, 2, 1, 1]
    ok(w, "ip nexthop del id 2")
    assert buckets(w, 10) == [3, 3, 3, 1, 1, 1]
    nh = w.init_net.nexthop.rb_root[10]
    table = nh.grp().res()
    nexthop.nexthop_select_path(nh, 0)
    nexthop.nexthop_select_path(nh, 7)  # bucket 1
    ok(w, "ip nexthop replace id 10 group 1,5/3 type resilient")
    assert buckets(w, 10) == [3, 3, 1, 1, 1, 1] and ktimer.timer_pending(table.upkeep_dw)
    ok(w, "ip nexthop del id 10")
    assert not ktimer.timer_pending(table.upkeep_dw)


def test_route_through_a_res_group_and_bucket_dump_filters() -> None:
    w = world("ip nexthop add id 10 group 1/2 type resilient buckets 4\n"
              "ip route add 192.168.0.0/16 nhid 10\n")
    assert ok(w, "ip nexthop bucket show nhid 1") == (
        "id 10 index 2 idle_time 0 nhid 1 \nid 10 index 3 idle_time 0 nhid 1 \n")
    assert ok(w, "ip nexthop bucket show dev d1").count("nhid 2") == 2
    assert ok(w, "ip -j nexthop bucket get id 10 index 0") == (
        '[{"id":10,"bucket":{"index":0,"idle_time":0,"nhid":2},"flags":[]}]\n')
    out = ok(w, "ip route get 192.168.3.4")
    assert " via 10.0.0.2 dev d0 " in out or " via 10.1.0.2 dev d1 " in out
    table = w.init_net.nexthop.rb_root[10].grp().res()
    assert sum(b.used_time != b.migrated_time for b in table.nh_buckets) == 1


# ----- the state machine ------------------------------------------------------------------------

MEMBERS = st.lists(st.tuples(st.integers(1, 4), st.integers(1, 6)), min_size=1, max_size=4,
                   unique_by=lambda t: t[0])
NUM_BUCKETS = {10: 12, 11: 7}  # 10 has idle_timer 0, 11 idle_timer 1


class ResGroup(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.w = world("ip nexthop add id 10 group 1/2/3/4 type resilient buckets 12 "
                       "idle_timer 0\n"
                       "ip nexthop add id 11 group 1/2/3/4 type resilient buckets 7 "
                       "idle_timer 1\n")
        self.state = self.w.init_net.nexthop

    def _run(self, line: str) -> None:
        r = self.w.run(line)
        assert r.status in (0, 2), (line, r.stderr)

    @rule(gid=st.sampled_from([10, 11]), members=MEMBERS)
    def replace(self, gid: int, members: list[tuple[int, int]]) -> None:
        spec = "/".join(f"{m},{wt}" for m, wt in members)
        self._run(f"ip nexthop replace id {gid} group {spec} type resilient")

    @rule(nh_id=st.integers(1, 4))
    def remove_member(self, nh_id: int) -> None:
        self._run(f"ip nexthop del id {nh_id}")

    @rule(nh_id=st.integers(1, 4), dev=st.sampled_from(["d0", "d1"]))
    def add_member(self, nh_id: int, dev: str) -> None:
        self._run(f"ip nexthop add id {nh_id} dev {dev}")

    @rule(gid=st.sampled_from([10, 11]), hashes=st.lists(st.integers(0, 2**31 - 1),
                                                        max_size=5))
    def traffic(self, gid: int, hashes: list[int]) -> None:
        nh = self.state.rb_root.get(gid)
        if nh is not None:
            members = {e.nh for e in nh.grp().nh_entries}
            assert all(nexthop.nexthop_select_path(nh, h) in members for h in hashes)

    @rule(ms=st.integers(1, 3000))
    def time_passes(self, ms: int) -> None:
        self.w.kernel.run_for(ms * 1_000_000)

    @rule()
    def settle(self) -> None:
        """No traffic for longer than any idle_timer: every table is balanced."""
        self.w.kernel.run_for(2 * SEC)
        for gid in NUM_BUCKETS:
            nh = self.state.rb_root.get(gid)
            if nh is not None:
                self._assert_balanced(nh)

    def _assert_balanced(self, nh: nexthop.nexthop) -> None:
        entries = nh.grp().nh_entries
        got = [sum(b.nh_entry is e for b in nh.grp().res().nh_buckets) for e in entries]
        assert got == wants([e.weight for e in entries], NUM_BUCKETS[nh.id])
        assert not nh.grp().res().uw_nh_entries

    @invariant()
    def buckets_are_whole(self) -> None:
        for gid, n in NUM_BUCKETS.items():
            nh = self.state.rb_root.get(gid)
            if nh is None:
                continue
            table = nh.grp().res()
            entries = nh.grp().nh_entries
            assert table.num_nh_buckets == n and len(table.nh_buckets) == n
            assert all(b.occupied and b.nh_entry in entries for b in table.nh_buckets)
            for e in entries:
                assert e.count_buckets == sum(b.nh_entry is e for b in table.nh_buckets)
            # the underweight members, last first (list_add in nh_res_group_rebalance)
            assert table.uw_nh_entries == [e for e in reversed(entries)
                                           if e.count_buckets < e.wants_buckets]
            assert ktimer.timer_pending(table.upkeep_dw) == bool(table.uw_nh_entries)
            if gid == 10:  # idle_timer 0: balanced after every change
                self._assert_balanced(nh)


def test_res_group_state_machine() -> None:
    run_state_machine_as_test(ResGroup, settings=settings(
        max_examples=40, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow]))

"""Invariants of the NUD machine under random traffic (Hypothesis), and a table flood.

Kernel: net/core/neighbour.c. Invariants checked after every step: the timer is pending iff
the state is in NUD_IN_TIMER; queued bytes match the queue and stay <= unres_qlen_bytes;
FAILED/NONE entries hold no queue; no IP frame leaves without the peer's MAC; every skb is
queued, transmitted or freed (no leak).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule
from tests.net.core.test_neighbour_testbed import NeighBed, arp, nb, stat

from skbuff.kernel import timer as ktimer
from skbuff.net.core import neigh_transitions
from skbuff.net.core.dropreason import SKB_DROP_REASON
from skbuff.uapi.if_arp import ARPOP_REPLY, ARPOP_REQUEST
from skbuff.uapi.if_ether import ETH_P_IP
from skbuff.uapi.if_packet import PACKET_BROADCAST, PACKET_HOST
from skbuff.uapi.inet import in_aton

US = "02:00:00:00:00:01"
PEERS = {"10.0.0.2": "02:00:00:00:00:02", "10.0.0.3": "02:00:00:00:00:03"}
MACS = {bytes.fromhex(m.replace(":", "")) for m in PEERS.values()}


def record_transitions(mp: pytest.MonkeyPatch, log: list[tuple[int, str, int]]) -> None:
    """Wrap the three NUD handlers to log (old state, event, new state) of each call."""

    def wrap(name: str, event: str) -> None:
        inner = getattr(nb, name)

        def wrapper(neigh: Any, *args: Any) -> Any:
            old = neigh.nud_state
            ret = inner(neigh, *args)
            log.append((old, event, neigh.nud_state))
            return ret

        mp.setattr(nb, name, wrapper)

    wrap("__neigh_event_send", "send")
    wrap("neigh_timer_handler", "timer")
    wrap("__neigh_update", "update")


class NudMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.mp = pytest.MonkeyPatch()
        self.bed = NeighBed(self.mp, seed=1)
        self.transitions: list[tuple[int, str, int]] = []
        record_transitions(self.mp, self.transitions)
        self.dev = self.bed.add_dev("eth0", US, "10.0.0.1")
        self.dev.ip_ptr.arp_parms.queue_len_bytes = 3 * 1024

    def teardown(self) -> None:
        self.mp.undo()

    def _entries(self) -> list[Any]:
        return list(self.bed.tbl.hash_buckets.values())

    @rule(peer=st.sampled_from(sorted(PEERS)), size=st.integers(60, 1400))
    def send(self, peer: str, size: int) -> None:
        skb = self.bed.ip_skb(self.dev, "10.0.0.1", peer, size)

        def out() -> None:
            n = arp.ip_neigh_gw4(self.dev, in_aton(peer))
            assert isinstance(n, nb.neighbour)
            nb.neigh_output(n, skb, False)

        self.bed.call(out)

    @rule(peer=st.sampled_from(sorted(PEERS)), unicast=st.booleans(), request=st.booleans())
    def receive(self, peer: str, unicast: bool, request: bool) -> None:
        op = ARPOP_REQUEST if request else ARPOP_REPLY
        skb = self.bed.arp_frame(self.dev, op, PEERS[peer], peer, US, "10.0.0.1",
                                 pkt_type=PACKET_HOST if unicast else PACKET_BROADCAST)
        self.bed.rx(self.dev, skb)

    @rule(peer=st.sampled_from(sorted(PEERS)))
    def confirm(self, peer: str) -> None:
        n = self.bed.neigh(self.dev, peer)
        if n is not None:
            self.bed.call(nb.neigh_confirm, n)

    @rule()
    def carrier_down(self) -> None:
        self.bed.call(nb.neigh_carrier_down, self.bed.tbl, self.dev)

    @rule(ms=st.integers(1, 7000))
    def advance(self, ms: int) -> None:
        self.bed.run_ms(ms)

    @invariant()
    def timer_iff_in_timer_state(self) -> None:
        for n in self._entries():
            assert ktimer.timer_pending(n.timer) == bool(n.nud_state & nb.NUD_IN_TIMER), n

    @invariant()
    def queue_accounting(self) -> None:
        for n in self._entries():
            q = n.arp_queue.q
            assert n.arp_queue_len_bytes == sum(s.truesize for s in q)
            assert n.arp_queue_len_bytes <= n.parms.queue_len_bytes
            if n.nud_state in (nb.NUD_FAILED, nb.NUD_NONE) or n.nud_state & nb.NUD_VALID:
                assert not q, n

    @invariant()
    def no_frame_without_mac(self) -> None:
        for f in self.bed.frames(self.dev):
            if f.proto == ETH_P_IP:
                assert f.eth_dst in MACS

    @invariant()
    def transitions_are_in_the_table(self) -> None:
        for old, event, new in self.transitions:
            assert neigh_transitions.nud_allowed(old, event, new), (
                neigh_transitions.NUD_NAMES[old], event, neigh_transitions.NUD_NAMES[new])

    @invariant()
    def no_skb_leak(self) -> None:
        cache = self.bed.k.skbuff_head_cache
        queued = sum(n.arp_queue.qlen for n in self._entries())
        assert cache.alloc_count - cache.free_count == queued


NudMachine.TestCase.settings = settings(
    max_examples=60, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestNudMachine = NudMachine.TestCase


def test_table_flood_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thousands of destinations: the table never passes gc_thresh3, overflows are reported
    (ratelimited) and counted, creation failures drop with NEIGH_CREATEFAIL semantics, and
    after resolution fails forced gc makes room again."""
    bed = NeighBed(monkeypatch)
    dev = bed.add_dev("eth0", US, "10.0.0.1", prefixlen=16)
    tbl = bed.tbl
    errors: list[int] = []
    sizes: list[int] = []

    def flood(start: int, count: int) -> None:
        for i in range(start, start + count):
            daddr = in_aton("10.0.0.0") + 2 + i
            n = arp.ip_neigh_gw4(dev, daddr)
            if isinstance(n, int):
                errors.append(n)
            else:
                skb = bed.ip_skb(dev, "10.0.0.1", "10.0.0.2")
                nb.neigh_output(n, skb, False)
            sizes.append(tbl.entries)

    bed.call(flood, 0, 3000)
    assert max(sizes) == tbl.gc_thresh3 == 1024
    assert errors and set(errors) == {-105}  # -ENOBUFS
    assert stat(tbl, "table_fulls") == len(errors)
    overflow = [r for r in bed.k.dmesg if r.text == "arp_cache: neighbor table overflow!"]
    assert 1 <= len(overflow) <= 10  # net_ratelimit: burst 10 per 5 s
    bed.run_ms(4000)  # every INCOMPLETE entry fails
    assert {n.nud_state for n in tbl.hash_buckets.values()} == {nb.NUD_FAILED}
    errors.clear()
    bed.call(flood, 3000, 600)
    assert not errors
    assert stat(tbl, "forced_gc_runs") >= 1
    assert max(sizes) <= 1024 and tbl.entries <= 1024
    assert stat(bed.tbl, "allocs") - stat(bed.tbl, "destroys") == tbl.entries


def test_periodic_gc_removes_stale_unused_entries(monkeypatch: pytest.MonkeyPatch) -> None:
    bed = NeighBed(monkeypatch)
    dev = bed.add_dev("eth0", US, "10.0.0.1", prefixlen=16)
    bed.tbl.gc_thresh1 = 4
    for i in range(8):
        sip = f"10.0.1.{i + 1}"
        bed.rx(dev, bed.arp_frame(dev, ARPOP_REQUEST, "02:00:00:00:01:00", sip,
                                  "00:00:00:00:00:00", "10.0.0.1"))
    assert len(bed.tbl.hash_buckets) == 8
    runs = stat(bed.tbl, "periodic_gc_runs")
    bed.run_ms(50_000)
    assert len(bed.tbl.hash_buckets) == 8  # unused for less than gc_stale_time (60 s)
    bed.run_ms(40_000)
    assert bed.tbl.hash_buckets == {}
    assert stat(bed.tbl, "periodic_gc_runs") - runs >= 4  # first at reachable_time, then each 15 s


def test_reachable_time_recomputed_every_300s(monkeypatch: pytest.MonkeyPatch) -> None:
    bed = NeighBed(monkeypatch)
    dev = bed.add_dev("eth0", US, "10.0.0.1")
    p = dev.ip_ptr.arp_parms
    seen = {p.reachable_time}
    for _ in range(4):
        bed.run_ms(301_000)
        seen.add(p.reachable_time)
        assert 15_000 <= p.reachable_time < 45_000
    assert len(seen) > 1


def test_dead_entry_drops(monkeypatch: pytest.MonkeyPatch) -> None:
    bed = NeighBed(monkeypatch)
    dev = bed.add_dev("eth0", US, "10.0.0.1")
    reasons: list[Any] = []
    bed.k.trace.attach("kfree_skb", lambda skb, loc, reason: reasons.append(reason))

    def held() -> Any:
        n = nb.neigh_create(bed.tbl, in_aton("10.0.0.2"), dev)
        nb.neigh_ifdown(bed.tbl, dev)
        return n

    n = bed.call(held)
    assert n.dead and n.output is nb.neigh_blackhole
    skb = bed.ip_skb(dev, "10.0.0.1", "10.0.0.2")
    assert bed.call(nb.neigh_event_send, n, skb) == 1
    assert reasons == [SKB_DROP_REASON.NEIGH_DEAD]
    bed.call(nb.neigh_release, n)
    assert bed.tbl.entries == 0


def test_state_diagram_is_drawn_from_the_table() -> None:
    dot = neigh_transitions.nud_dot()
    assert dot.startswith("digraph nud {")
    assert '  INCOMPLETE -> FAILED [label="timer"];' in dot
    assert '  STALE -> DELAY [label="send"];' in dot
    assert '  PROBE -> PROBE [label="timer"];' in dot
    assert not neigh_transitions.nud_allowed(nb.NUD_STALE, "timer", nb.NUD_REACHABLE)

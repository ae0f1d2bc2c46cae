"""Receive core: backlog limits, NAPI scheduling and budgets, contract checks, protocol
dispatch with taps, unknown protocols (net/core/dev.c)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from tests.net.core.test_dev import dev_boot

from skbuff.drivers.net import dummy
from skbuff.kernel import procfs, softirq
from skbuff.kernel.bug import NapiContractViolation
from skbuff.kernel.kernel import Kernel
from skbuff.net.core import dev as D
from skbuff.net.core import skbuff as S
from skbuff.net.core.dropreason import SKB_DROP_REASON
from skbuff.net.ethernet import eth
from skbuff.uapi.if_ether import build_eth
from skbuff.uapi.if_link import IFF_NOARP
from skbuff.uapi.if_packet import PACKET_HOST, PACKET_OTHERHOST

ETH_P_TEST = 0x88B5  # ETH_P_802_EX1: local experimental, no kernel handler
ETH_P_UNKNOWN = 0x88B6


@pytest.fixture
def k() -> Iterator[Kernel]:
    k = dev_boot()
    with k:
        yield k


def up_dummy(k: Kernel) -> D.net_device:
    dev = D.alloc_netdev(None, "rx%d", D.NET_NAME_USER, dummy.dummy_setup)
    assert dev is not None
    assert k.run_task(D.register_netdevice, dev) == 0
    assert k.run_task(D.dev_open, dev, None) == 0
    return dev


def frame_skb(dev: D.net_device, proto: int = ETH_P_TEST, seq: int = 0,
              dest: bytes | None = None) -> S.sk_buff:
    """A received frame for `dev` (eth_type_trans done), payload tagged with `seq`."""
    data = build_eth(dest or dev.dev_addr, b"\x02\x00\x00\x00\x00\x09", proto,
                     seq.to_bytes(4, "big") + bytes(42))
    skb = S.netdev_alloc_skb(dev, len(data))
    S.skb_put_data(skb, data)
    skb.protocol = eth.eth_type_trans(skb, dev)
    return skb


class Sink:
    """A protocol handler recording what it gets."""

    def __init__(self, proto: int = ETH_P_TEST) -> None:
        self.got: list[S.sk_buff] = []
        self.seqs: list[int] = []
        self.pt = D.packet_type(proto, None, self.func)

    def func(self, skb: S.sk_buff, dev: D.net_device, pt: D.packet_type,
             orig_dev: D.net_device) -> int:
        self.got.append(skb)
        if skb.len >= 4:
            self.seqs.append(int.from_bytes(S.skb_copy_bits(skb, 0, 4) or b"", "big"))
        S.consume_skb(skb)
        return D.NET_RX_SUCCESS


def drops(k: Kernel) -> list[SKB_DROP_REASON]:
    reasons: list[SKB_DROP_REASON] = []
    k.trace.attach("kfree_skb", lambda skb, loc, reason: reasons.append(reason))
    return reasons


def test_netif_rx_delivers_and_counts(k: Kernel) -> None:
    dev = up_dummy(k)
    sink = Sink()
    D.dev_add_pack(sink.pt)
    assert k.run_task(D.netif_rx, frame_skb(dev)) == D.NET_RX_SUCCESS
    assert len(sink.got) == 1
    sd = k.cpus[0].softnet_data
    assert sd.processed == 1 and sd.dropped == 0 and not sd.input_pkt_queue


def test_backlog_limit_is_qlen_le_max(k: Kernel) -> None:
    dev = up_dummy(k)
    sink = Sink()
    D.dev_add_pack(sink.pt)
    reasons = drops(k)
    k.sysctl.write(k.init_net, "net.core.netdev_max_backlog", "5")

    def burst() -> list[int]:
        softirq.local_bh_disable(k)
        rets = [D.netif_rx(frame_skb(dev, seq=i)) for i in range(10)]
        assert len(k.cpus[0].softnet_data.input_pkt_queue) == 6
        softirq.local_bh_enable(k)
        return rets

    rets = k.run_task(burst)
    assert rets == [D.NET_RX_SUCCESS] * 6 + [D.NET_RX_DROP] * 4
    sd = k.cpus[0].softnet_data
    assert sd.dropped == 4 and sd.processed == 6
    assert dev.core_stats.rx_dropped == 4 and D.dev_get_stats(dev).rx_dropped == 4
    assert reasons == [SKB_DROP_REASON.CPU_BACKLOG] * 4
    assert sink.seqs == [0, 1, 2, 3, 4, 5]
    text = k.run_task(procfs.read_proc, k.init_net, "/proc/net/softnet_stat")
    line = text.splitlines()[0].split()
    assert len(line) == 15 and line[:3] == ["00000006", "00000004", "00000000"]


def test_not_running_device_drops_dev_ready(k: Kernel) -> None:
    dev = up_dummy(k)
    k.run_task(D.dev_close, dev)
    reasons = drops(k)
    assert k.run_task(D.netif_rx, frame_skb(dev)) == D.NET_RX_DROP
    assert reasons == [SKB_DROP_REASON.DEV_READY] and dev.core_stats.rx_dropped == 1
    assert k.cpus[0].softnet_data.dropped == 0


def test_unknown_protocol_drop(k: Kernel) -> None:
    dev = up_dummy(k)
    reasons = drops(k)
    k.run_task(D.netif_rx, frame_skb(dev, proto=ETH_P_UNKNOWN))
    assert reasons == [SKB_DROP_REASON.UNHANDLED_PROTO]
    assert dev.core_stats.rx_dropped == 1 and dev.core_stats.rx_nohandler == 0


def test_taps_get_the_same_skb_with_a_reference(k: Kernel) -> None:
    dev = up_dummy(k)
    sink = Sink()
    seen: list[tuple[S.sk_buff, int]] = []

    def tap(skb: S.sk_buff, d: D.net_device, pt: D.packet_type, orig: D.net_device) -> int:
        seen.append((skb, skb.users))
        S.kfree_skb(skb)
        return 0

    D.dev_add_pack(sink.pt)
    D.dev_add_pack(D.packet_type(D.ETH_P_ALL, None, tap))
    skb = frame_skb(dev)
    k.run_task(D.netif_rx, skb)
    assert seen == [(skb, 2)] and sink.got == [skb]
    # per-device tap sees only its device; outgoing frames reach taps as OUTGOING clones
    seen.clear()
    other = up_dummy(k)
    D.dev_remove_pack(sink.pt)
    k.run_task(D.netif_rx, frame_skb(other, proto=ETH_P_UNKNOWN))
    assert len(seen) == 1


def test_tap_sees_outgoing_clone(k: Kernel) -> None:
    from skbuff.uapi.if_packet import PACKET_OUTGOING

    dev = up_dummy(k)
    seen: list[tuple[S.sk_buff, int]] = []

    def tap(skb: S.sk_buff, d: D.net_device, pt: D.packet_type, orig: D.net_device) -> int:
        seen.append((skb, skb.pkt_type))
        S.consume_skb(skb)
        return 0

    D.dev_add_pack(D.packet_type(D.ETH_P_ALL, dev, tap))
    skb = S.alloc_skb(128, 0)
    S.skb_reserve(skb, 16)
    S.skb_put_data(skb, bytes(20))
    skb.dev = dev
    assert D.dev_hard_header(skb, dev, ETH_P_TEST, b"\x02" * 6, None, 20) == 14
    assert k.run_task(D.dev_queue_xmit, skb) == D.NET_XMIT_SUCCESS
    assert len(seen) == 1 and seen[0][0] is not skb and seen[0][1] == PACKET_OUTGOING
    assert D.dev_get_stats(dev).tx_packets == 1


def test_eth_type_trans_pkt_type(k: Kernel) -> None:
    dev = up_dummy(k)
    assert frame_skb(dev).pkt_type == PACKET_HOST
    assert frame_skb(dev, dest=b"\x02\x00\x00\x00\x00\x77").pkt_type == PACKET_OTHERHOST
    skb = frame_skb(dev, proto=64)  # an 802.3 length field
    assert skb.protocol == 0x0004  # ETH_P_802_2


class FakeNic:
    """A software NIC for NAPI tests: frames wait in a ring; poll() takes up to budget."""

    def __init__(self, k: Kernel, weight: int = 64, misbehave: str = "") -> None:
        self.k = k
        self.dev = up_dummy(k)
        self.ring: deque[int] = deque()
        self.napi = D.napi_struct()
        self.misbehave = misbehave
        self.works: list[int] = []
        self.injected = 0
        D.netif_napi_add_weight(self.dev, self.napi, self.poll, weight)
        D.napi_enable(self.napi)

    def poll(self, napi: D.napi_struct, budget: int) -> int:
        work = 0
        while self.ring and work < budget:
            D.napi_gro_receive(napi, frame_skb(self.dev, seq=self.ring.popleft()))
            work += 1
        if self.misbehave == "overrun":
            work = budget + 1
        elif self.misbehave == "complete_full":
            D.napi_complete_done(napi, work)
            work = budget
        elif work < budget and self.misbehave != "never_complete":
            D.napi_complete_done(napi, work)
        self.works.append(work)
        return work

    def irq(self, frames: int) -> None:
        self.ring.extend(range(self.injected, self.injected + frames))
        self.injected += frames
        softirq.local_bh_disable(self.k)
        D.napi_schedule(self.napi)
        softirq.local_bh_enable(self.k)


def test_napi_burst_spreads_over_polls_and_squeezes(k: Kernel) -> None:
    nics = [FakeNic(k) for _ in range(6)]
    sink = Sink()
    D.dev_add_pack(sink.pt)
    polls: list[int] = []
    k.trace.attach("napi_poll", lambda n, work, budget: polls.append(work))

    def irqs() -> None:
        softirq.local_bh_disable(k)
        for nic in nics:
            nic.irq(200)
        softirq.local_bh_enable(k)

    k.run_task(irqs)
    k.run_for(50_000_000)
    assert len(sink.seqs) == 1200
    for nic in nics:
        assert sorted(nic.works) == sorted([64, 64, 64, 8])  # one poll per instance per round
        assert not nic.napi.state & D.NAPIF_STATE_SCHED
    assert all(w <= 64 for w in polls) and len(polls) == 24
    # 6 instances x 64 > netdev_budget (300): every full round is cut short
    assert k.cpus[0].softnet_data.time_squeeze >= 3


def test_single_napi_gets_one_poll_per_softirq_round(k: Kernel) -> None:
    nic = FakeNic(k)
    sink = Sink()
    D.dev_add_pack(sink.pt)
    rounds: list[int] = []
    k.trace.attach("softirq_entry", lambda vec: rounds.append(vec))
    k.run_task(nic.irq, 1000)
    k.run_for(50_000_000)
    assert sink.seqs == list(range(1000))
    assert nic.works == [64] * 15 + [40]
    assert rounds.count(softirq.NET_RX_SOFTIRQ) >= 16
    assert k.cpus[0].softnet_data.time_squeeze == 0
    k.sysctl.write(k.init_net, "net.core.netdev_budget", "50")  # budget below the weight
    k.run_task(nic.irq, 100)
    k.run_for(50_000_000)
    assert k.cpus[0].softnet_data.time_squeeze == 1


def test_napi_schedule_while_scheduled_sets_missed(k: Kernel) -> None:
    nic = FakeNic(k)
    n = nic.napi

    def twice() -> None:
        softirq.local_bh_disable(k)
        assert D.napi_schedule_prep(n)
        assert not D.napi_schedule_prep(n)
        assert n.state & D.NAPIF_STATE_MISSED
        D.__napi_schedule(n)
        softirq.local_bh_enable(k)

    k.run_task(twice)
    assert nic.works[:2] == [0, 0]  # MISSED → complete_done returned False → polled again
    assert not n.state & (D.NAPIF_STATE_SCHED | D.NAPIF_STATE_MISSED)


def test_napi_disable_blocks_schedule(k: Kernel) -> None:
    nic = FakeNic(k)
    k.run_task(D.napi_disable, nic.napi)
    assert not D.napi_schedule_prep(nic.napi) or nic.napi.state & D.NAPIF_STATE_SCHED
    D.napi_enable(nic.napi)
    assert D.napi_schedule_prep(nic.napi)


@pytest.mark.parametrize(("misbehave", "text"), [
    ("overrun", "returned 65, exceeding its budget of 64"),
    ("complete_full", "completed after consuming its whole budget of 64"),
    ("never_complete", "without napi_complete_done()"),
])
def test_napi_contract_violations(k: Kernel, misbehave: str, text: str) -> None:
    nic = FakeNic(k, misbehave=misbehave)
    D.dev_add_pack(Sink().pt)
    frames = 100 if misbehave != "never_complete" else 3
    with pytest.raises(NapiContractViolation, match=text) as exc:
        k.run_task(nic.irq, frames)
    assert "FakeNic.poll" in str(exc.value) and nic.dev.name in str(exc.value)


def test_napi_weight_above_64_is_logged(k: Kernel) -> None:
    nic = FakeNic(k, weight=128)
    assert any("netif_napi_add_weight() called with weight 128" in r.text for r in k.dmesg)
    assert nic.napi.weight == 128


@settings(max_examples=25, deadline=None)
@given(bursts=st.lists(st.integers(1, 400), min_size=1, max_size=4),
       budget=st.integers(1, 400), weight=st.integers(1, 64))
def test_napi_delivers_everything_in_order(bursts: list[int], budget: int, weight: int) -> None:
    k = dev_boot()
    with k:
        k.sysctl.write(k.init_net, "net.core.netdev_budget", str(budget))
        nic = FakeNic(k, weight=weight)
        sink = Sink()
        D.dev_add_pack(sink.pt)
        polls: list[int] = []
        k.trace.attach("napi_poll", lambda n, work, b: polls.append(work))
        for burst in bursts:
            k.run_task(nic.irq, burst)
        k.run_for(100_000_000)
        total = sum(bursts)
        assert sink.seqs == list(range(total))
        assert all(w <= weight for w in polls)
        assert not nic.napi.state & D.NAPIF_STATE_SCHED and not nic.napi.on_poll_list
        assert k.cpus[0].softnet_data.processed == total


class NapiStateMachine(RuleBasedStateMachine):
    """napi_schedule_prep / napi_complete_done against a two-bit model (SCHED, MISSED):
    prep claims SCHED or records MISSED; complete releases SCHED unless MISSED, which
    reschedules (SCHED stays, the instance is back on the poll list)."""

    def __init__(self) -> None:
        super().__init__()
        self.k = dev_boot(ncpus=1)
        self.k.__enter__()
        self.nic = FakeNic(self.k)
        self.sched = False
        self.missed = False

    @rule()
    def prep(self) -> None:
        got = D.napi_schedule_prep(self.nic.napi)
        assert got == (not self.sched)
        self.missed = self.missed or self.sched
        self.sched = True

    @precondition(lambda self: self.sched)
    @rule()
    def complete(self) -> None:
        def run() -> bool:
            return D.napi_complete_done(self.nic.napi, 0)

        done = self.k.run_task(run)
        assert done == (not self.missed)
        self.sched = self.missed
        self.missed = False
        if self.sched:  # rescheduled onto this CPU's poll list; take it off again
            sd = self.k.cpus[0].softnet_data
            assert sd.poll_list[-1] is self.nic.napi
            sd.poll_list.pop()
            self.nic.napi.on_poll_list = False

    @invariant()
    def bits_match(self) -> None:
        state = self.nic.napi.state
        assert bool(state & D.NAPIF_STATE_SCHED) == self.sched
        assert bool(state & D.NAPIF_STATE_MISSED) == self.missed

    def teardown(self) -> None:
        self.k.__exit__(None, None, None)


TestNapiStateMachine = NapiStateMachine.TestCase
TestNapiStateMachine.settings = settings(max_examples=30, stateful_step_count=20, deadline=None)


def test_eth_header_build_and_cache(k: Kernel) -> None:
    from types import SimpleNamespace

    from skbuff.net.core.neighbour import hh_cache

    dev = up_dummy(k)
    skb = S.alloc_skb(64, 0)
    S.skb_reserve(skb, 32)
    assert eth.eth_header(skb, dev, ETH_P_TEST, None, None, 0) == 14  # NOARP: zero dest
    assert bytes(skb.buf[skb.data : skb.data + 14]) == bytes(6) + dev.dev_addr + b"\x88\xb5"
    dev.flags &= ~IFF_NOARP
    assert eth.eth_header(skb, dev, ETH_P_TEST, None, None, 0) == -14  # to be resolved
    S.consume_skb(skb)
    hh = hh_cache()
    peer = b"\x02\x00\x00\x00\x00\x42"
    assert eth.eth_header_cache(SimpleNamespace(dev=dev, ha=peer), hh, 0x0800) == 0
    assert (hh.hh_len, hh.hh_data) == (14, peer + dev.dev_addr + b"\x08\x00")
    eth.eth_header_cache_update(hh, dev, b"\x02" * 6)
    assert hh.hh_data[:6] == b"\x02" * 6 and hh.hh_data[6:] == dev.dev_addr + b"\x08\x00"
    assert eth.eth_header_cache(SimpleNamespace(dev=dev, ha=peer), hh, 0x0001) == -1
    addr = eth.eth_random_addr(k)
    assert addr[0] & 0x03 == 0x02  # unicast, locally administered

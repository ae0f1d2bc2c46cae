"""Building datagrams as the kernel does: ip_append_data pieces (MSG_MORE, UDP_CORK), the
frag_list skb __ip_make_skb makes of them, ip_do_fragment's fast path over it (and its fall
back to the slow path), send-buffer accounting, ip_build_and_send_pkt. Frame geometry is the
real kernel's (tests/conformance/ipv4_tx.py compares the same sends on both)."""

from __future__ import annotations

import errno
import socket
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from tests.net.ipv4.pair import H1, H2, Pair

from skbuff.net import flow
from skbuff.net.core import skbuff
from skbuff.net.core import sock as core_sock
from skbuff.net.ipv4 import ip_options, ip_output, route, udp
from skbuff.uapi import snmp
from skbuff.uapi.inet import in_aton
from skbuff.uapi.ip import IP_DF, IP_MF, IPOPT_RR
from skbuff.uapi.socket import MSG_MORE


def geometry(frames: list[bytes]) -> list[tuple[int, int, int, int]]:
    """(tot_len, offset, MF, DF) per IPv4 packet."""
    out = []
    for f in frames:
        frag = int.from_bytes(f[6:8], "big")
        out.append((int.from_bytes(f[2:4], "big"), (frag & 0x1FFF) * 8, int(bool(frag & IP_MF)),
                    int(bool(frag & IP_DF))))
    return out


def udp_pair(mtu: int) -> tuple[Pair, Any, Any]:
    p = Pair(mtu)
    rx = p.socket(p.h2)
    p.call(rx.bind, (H2, 6000))
    tx = p.socket(p.h1)
    p.call(tx.bind, (H1, 5000))
    return p, tx, rx


def test_msg_more_pieces_make_one_datagram_sent_by_the_fast_path() -> None:
    """Captured from Linux 6.18 over veth at MTU 1000: 700 + 700 (MSG_MORE) + 1000 bytes."""
    p, tx, rx = udp_pair(1000)
    assert p.call(tx.sendto, b"a" * 700, MSG_MORE, (H2, 6000)) == 700
    assert p.call(tx.sendto, b"b" * 700, MSG_MORE, (H2, 6000)) == 700
    assert Pair.ip_frames(p.tap2) == []
    mib0 = list(p.h1.mib.ip_statistics)
    assert p.call(tx.sendto, b"c" * 1000, (H2, 6000)) == 1000
    p.settle()
    frames = Pair.ip_frames(p.tap2)
    assert geometry(frames) == [(996, 0, 1, 0), (996, 976, 1, 0), (476, 1952, 0, 0)]
    assert len({f[4:6] for f in frames}) == 1
    assert p.call(rx.recv, 65535) == b"a" * 700 + b"b" * 700 + b"c" * 1000
    moved = {i: v - mib0[i] for i, v in enumerate(p.h1.mib.ip_statistics) if v != mib0[i]}
    assert moved[snmp.IPSTATS_MIB_FRAGOKS] == 1 and moved[snmp.IPSTATS_MIB_FRAGCREATES] == 3
    assert moved[snmp.IPSTATS_MIB_OUTREQUESTS] == 1
    assert core_sock.sk_wmem_alloc_get(tx.sk) == 0  # every fragment gave its memory back


def test_udp_cork_holds_until_cleared() -> None:
    p, tx, rx = udp_pair(1500)
    p.call(tx.setsockopt, socket.SOL_UDP, udp.UDP_CORK, 1)
    assert p.call(tx.getsockopt, socket.SOL_UDP, udp.UDP_CORK) == 1
    for piece in (b"x" * 10, b"y" * 10, b""):
        p.call(tx.sendto, piece, (H2, 6000))
    p.settle()
    assert Pair.ip_frames(p.tap2) == [] and tx.sk.pending
    assert core_sock.sk_wmem_alloc_get(tx.sk) > 0
    p.call(tx.setsockopt, socket.SOL_UDP, udp.UDP_CORK, 0)
    p.settle()
    assert geometry(Pair.ip_frames(p.tap2)) == [(48, 0, 0, 1)]
    assert p.call(rx.recv, 100) == b"x" * 10 + b"y" * 10
    assert not tx.sk.pending and core_sock.sk_wmem_alloc_get(tx.sk) == 0


def test_pending_datagram_keeps_its_destination_and_send_needs_none() -> None:
    p, tx, rx = udp_pair(1500)
    p.call(tx.sendto, b"1", MSG_MORE, (H2, 6000))
    p.call(tx.sendto, b"2", MSG_MORE, ("10.6.0.99", 1))  # ignored: a datagram is pending
    p.call(tx.send, b"3")
    p.settle()
    data, addr = p.call(rx.recvfrom, 100)
    assert data == b"123" and addr == (H1, 5000)


def test_close_flushes_the_corked_datagram() -> None:
    p, tx, _ = udp_pair(1500)
    p.call(tx.sendto, b"z" * 3000, MSG_MORE, (H2, 6000))
    assert skbuff.skb_queue_len(tx.sk.sk_write_queue) == 3
    p.call(tx.close)
    p.settle()
    assert Pair.ip_frames(p.tap2) == []
    assert skbuff.skb_queue_empty(tx.sk.sk_write_queue) and tx.sk.cork.dst is None
    assert core_sock.sk_wmem_alloc_get(tx.sk) == 0


def test_df_past_the_mtu_fails_the_whole_corked_datagram() -> None:
    """IP_PMTUDISC_DO: the append that would pass the MTU is refused with EMSGSIZE (and an
    IP_RECVERR entry) and udp_sendmsg flushes what was pending."""
    p, tx, _ = udp_pair(1000)
    p.call(tx.setsockopt, socket.IPPROTO_IP, 10, 2)  # IP_MTU_DISCOVER = DO
    p.call(tx.setsockopt, socket.IPPROTO_IP, 11, 1)  # IP_RECVERR
    assert p.call(tx.sendto, b"a" * 900, MSG_MORE, (H2, 6000)) == 900
    with pytest.raises(OSError) as e:
        p.call(tx.sendto, b"b" * 100, (H2, 6000))
    assert e.value.errno == errno.EMSGSIZE
    assert not tx.sk.pending and skbuff.skb_queue_empty(tx.sk.sk_write_queue)
    _, anc, _, _ = p.call(tx.recvmsg, 100, 512, socket.MSG_ERRQUEUE)
    assert int.from_bytes(anc[0][2][:4], "little") == errno.EMSGSIZE
    assert int.from_bytes(anc[0][2][8:12], "little") == 1000  # ee_info: the MTU
    p.settle()
    assert Pair.ip_frames(p.tap2) == []


def test_queue_geometry_is_the_fragment_geometry() -> None:
    """Each queued skb is one future fragment: maxfraglen bytes, the last up to the MTU."""
    p, tx, _ = udp_pair(576)
    p.call(tx.sendto, b"q" * 1200, MSG_MORE, (H2, 6000))
    lens = [s.len for s in tx.sk.sk_write_queue.q]
    assert lens == [572, 572, 124] and tx.sk.cork.length == 1208
    p.call(tx.sendto, b"r" * 50, MSG_MORE, (H2, 6000))
    assert [s.len for s in tx.sk.sk_write_queue.q] == [572, 572, 174]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(st.integers(0, 2500), min_size=1, max_size=4),
       mtu=st.sampled_from([576, 1000, 1280, 1500, 9000]))
def test_fast_path_frames_equal_slow_path_frames(pieces: list[int], mtu: int) -> None:
    """The corked datagram fragmented over its frag_list and the same datagram sent as one
    linear skb (the slow path) give the same frames, byte for byte but the IP ID."""
    out = []
    for linear in (False, True):
        p, tx, rx = udp_pair(mtu)
        if linear:
            p.call(tx.sendto, b"".join(bytes([65 + i]) * n for i, n in enumerate(pieces)),
                   (H2, 6000))
        else:
            for i, n in enumerate(pieces):
                p.call(tx.sendto, bytes([65 + i]) * n, MSG_MORE if i < len(pieces) - 1 else 0,
                       (H2, 6000))
        p.settle()
        out.append([f[:4] + f[6:10] + f[12:] for f in Pair.ip_frames(p.tap2)])
        if not linear:
            assert p.call(rx.recv, 65535) == b"".join(
                bytes([65 + i]) * n for i, n in enumerate(pieces))
    assert out[0] == out[1]


def _frag_list_datagram(p: Pair, sizes: list[int]) -> tuple[Any, skbuff.sk_buff]:
    """A corked UDP datagram of `sizes` pieces built into one frag_list skb (not sent)."""
    tx = p.socket(p.h1)
    p.call(tx.bind, (H1, 5001))
    for n in sizes:
        p.call(tx.sendto, b"d" * n, MSG_MORE, (H2, 6000))
    skb = p.call(ip_output.ip_finish_skb, tx.sk, tx.sk.cork_fl)
    assert skb is not None and skbuff.skb_shinfo(skb).frag_list is not None
    return tx, skb


@pytest.mark.parametrize("lower_to", [1000, 800, 1496])
def test_geometry_that_no_longer_fits_falls_back_to_the_slow_path(lower_to: int) -> None:
    """The path MTU dropped after the pieces were cut for 1500: the frag_list is not used
    (its pieces are too long, or not a multiple of 8), the datagram is copied instead."""
    p = Pair(1500)
    _, skb = _frag_list_datagram(p, [3000])
    sent: list[bytes] = []

    def output(net: Any, sk: Any, s: skbuff.sk_buff) -> int:
        sent.append(skbuff.skb_copy_bits(s, 0, s.len) or b"")
        skbuff.consume_skb(s)
        return 0

    def go() -> int:
        ip_options.IPCB(skb).frag_max_size = lower_to
        return ip_output.ip_do_fragment(p.h1, None, skb, output)

    assert p.call(go) == 0
    step = (lower_to - 20) & ~7
    want = [min(step, 3008 - o) + 20 for o in range(0, 3008, step)]
    assert [len(f) for f in sent] == want
    assert [(int.from_bytes(f[6:8], "big") & 0x1FFF) * 8 for f in sent] == \
        list(range(0, 3008, step))


def test_fast_path_copies_options_only_when_they_say_so() -> None:
    """A datagram sent with options: the first fragment keeps them all, the next ones only
    those with the copy bit (RR has none: it becomes NOOPs, the header keeps its length)."""
    p = Pair(1000)
    tx = p.socket(p.h1)
    p.call(tx.bind, (H1, 5002))
    opt = ip_options.ip_options_data()  # as ip_options_get compiles IP_OPTIONS: pointer moved
    rr = bytes([IPOPT_RR, 7, 8]) + bytes(4) + b"\0"
    opt.buf[ip_options.OPT_DATA:ip_options.OPT_DATA + 8] = rr
    opt.opt.optlen, opt.opt.rr, opt.opt.rr_needaddr = 8, 20, True
    fl4 = flow.flowi4(daddr=in_aton(H2), saddr=in_aton(H1), flowi4_proto=17)

    def send() -> int:
        rt = route.ip_route_output_key(p.h1, fl4)
        assert not isinstance(rt, int)
        ipc = ip_output.ipcm_cookie(tx.sk, fl4.daddr, opt)
        rtp: list[Any] = [rt]
        err = ip_output.ip_append_data(tx.sk, fl4, bytes(8) + b"o" * 2000, 2008, 8, ipc, rtp,
                                       0)
        assert err == 0 and rtp[0] is None
        return ip_output.ip_push_pending_frames(tx.sk, fl4)

    assert p.call(send) == 0
    p.settle()
    frames = Pair.ip_frames(p.tap2)
    assert [len(f) for f in frames] == [996, 996, 100]
    assert all(f[0] == 0x47 for f in frames)
    assert frames[0][20:23] == bytes([IPOPT_RR, 7, 8]) and frames[0][27] == 0
    assert frames[0][23:27] == bytes.fromhex("0a060001")  # our source, filled on output
    assert frames[1][20:27] == frames[2][20:27] == b"\x01" * 7


def test_ip_build_and_send_pkt_small_segment_gets_df_and_id_zero() -> None:
    p = Pair(1500)
    tx = p.socket(p.h1)
    p.call(tx.bind, (H1, 5003))
    fl4 = flow.flowi4(daddr=in_aton(H2), saddr=in_aton(H1), flowi4_proto=17)
    opt = ip_options.ip_options_data()
    opt.buf[ip_options.OPT_DATA:ip_options.OPT_DATA + 8] = bytes([IPOPT_RR, 7, 8]) + bytes(5)
    opt.opt.optlen, opt.opt.rr, opt.opt.rr_needaddr = 8, 20, True

    def send(payload: bytes, o: ip_options.ip_options_data | None) -> int:
        rt = route.ip_route_output_key(p.h1, fl4)
        assert not isinstance(rt, int)
        skb = skbuff.alloc_skb(len(payload) + 128, skbuff.GFP_ATOMIC)
        skbuff.skb_reserve(skb, 128)
        skbuff.skb_put_data(skb, payload)
        skbuff.skb_reset_transport_header(skb)
        skbuff.skb_dst_set(skb, rt)
        return ip_output.ip_build_and_send_pkt(skb, tx.sk, fl4.saddr, fl4.daddr, o, 0x10)

    udp_hdr = (5003).to_bytes(2, "big") + (9).to_bytes(2, "big")
    assert p.call(send, udp_hdr + (12).to_bytes(2, "big") + bytes(6), opt) == 0
    tx.sk.pmtudisc = 0  # IP_PMTUDISC_DONT: a big one is fragmentable and gets an ID
    assert p.call(send, udp_hdr + (1008).to_bytes(2, "big") + bytes(1002), None) == 0
    p.settle()
    small, big = [f for f in Pair.ip_frames(p.tap2) if f[9] == 17]
    assert small[0] == 0x47 and small[1] == 0x10 and small[4:8] == b"\0\0\x40\0"
    assert small[20:23] == bytes([IPOPT_RR, 7, 8]) and small[23:27] == bytes.fromhex("0a060001")
    assert big[0] == 0x45 and big[6:8] == b"\0\0" and len(big) == 1028


class CorkMachine(RuleBasedStateMachine):
    """UDP corking as a state machine: sends with or without MSG_MORE, UDP_CORK on and off.
    Invariants: a datagram is pending exactly while pieces are queued (or corked empty),
    the send buffer holds exactly the queued skbs, and h2 receives exactly the datagrams
    that were completed, in order."""

    @initialize()
    def setup(self) -> None:
        self.p, self.tx, self.rx = udp_pair(1000)
        self.building: bytes | None = None  # the pending datagram, None when none is
        self.expected: list[bytes] = []
        self.corked = False
        self.seq = 0

    def _sent(self) -> None:
        assert self.building is not None
        self.expected.append(self.building)
        self.building = None

    @rule(size=st.integers(0, 2200), more=st.booleans())
    def send(self, size: int, more: bool) -> None:
        self.seq += 1
        data = bytes([self.seq & 0xFF]) * size
        assert self.p.call(self.tx.sendto, data, MSG_MORE if more else 0, (H2, 6000)) == size
        self.building = (self.building or b"") + data
        if not (more or self.corked):
            self._sent()

    @rule(on=st.booleans())
    def cork(self, on: bool) -> None:
        """Clearing UDP_CORK sends whatever is pending, MSG_MORE-built or corked."""
        self.p.call(self.tx.setsockopt, socket.SOL_UDP, udp.UDP_CORK, int(on))
        if not on and self.building is not None:
            self._sent()
        self.corked = on

    @invariant()
    def accounting(self) -> None:
        sk = self.tx.sk
        queued = sk.sk_write_queue.q
        assert bool(queued) == bool(sk.pending) == (self.building is not None)
        self.p.settle(0.05)
        assert core_sock.sk_wmem_alloc_get(sk) == sum(s.truesize for s in queued)
        got = []
        while True:
            try:
                got.append(self.p.call(self.rx.recv, 65535, socket.MSG_DONTWAIT))
            except OSError:
                break
        want, self.expected = self.expected, []
        assert got == want


CorkMachine.TestCase.settings = settings(max_examples=15, stateful_step_count=12,
                                         deadline=None)
TestCork = CorkMachine.TestCase

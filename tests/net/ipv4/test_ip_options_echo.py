"""IP options sent back: __ip_options_echo (what a reply carries), ip_options_build (what
the sender fills in), and the whole path — echo requests and ICMP errors arriving with record
route, timestamps or a source route get them echoed, as the real kernel does (the same cases
run against the real kernel in tests/conformance/ipv4_tx.py)."""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.net.ipv4.ip_testbed import A, B, Bed
from tests.net.ipv4.pair import H1, H1B, H2, Pair

from skbuff.net.core import skbuff
from skbuff.net.ipv4 import ip_options
from skbuff.uapi.checksum import ip_fast_csum
from skbuff.uapi.icmp import ICMP_DEST_UNREACH, ICMP_ECHOREPLY, build_icmp_echo
from skbuff.uapi.inet import in_aton
from skbuff.uapi.ip import (
    IPOPT_END,
    IPOPT_LSRR,
    IPOPT_NOOP,
    IPOPT_RR,
    IPOPT_SSRR,
    IPOPT_TIMESTAMP,
    IPOPT_TS_PRESPEC,
    IPOPT_TS_TSANDADDR,
    IPOPT_TS_TSONLY,
    build_ipv4,
)
from skbuff.uapi.rtnetlink import RTN_LOCAL, RTN_UNICAST


@pytest.fixture
def bed() -> Iterator[Bed]:
    b = Bed()
    yield b
    b.close()


def a(addr: str) -> bytes:
    return socket.inet_aton(addr)


def received(bed: Bed, opts: bytes, saddr: int = A, **flags: int) -> skbuff.sk_buff:
    """An skb whose options were compiled on receipt: `flags` are the ip_options fields
    __ip_options_compile would have set (offsets from the IP header)."""
    skb = bed.frame(build_ipv4(saddr, B, 1, b"x" * 8, options=opts))
    skbuff.skb_dst_set(skb, bed.rt(RTN_LOCAL))
    opt = ip_options.IPCB(skb).opt
    opt.optlen = len(opts) + (-len(opts) % 4)
    for name, value in flags.items():
        setattr(opt, name, value)
    return skb


def echo(bed: Bed, skb: skbuff.sk_buff) -> tuple[int, ip_options.ip_options_data]:
    dopt = ip_options.ip_options_data()
    err = ip_options.ip_options_echo(bed.net, dopt, skb)
    skbuff.kfree_skb(skb)
    return err, dopt


def test_no_options_no_echo(bed: Bed) -> None:
    err, dopt = echo(bed, received(bed, b""))
    assert err == 0 and dopt.opt.optlen == 0 and dopt.options() == b""


def test_record_route_pointer_moves_past_our_slot(bed: Bed) -> None:
    # As received: our address already recorded in slot 1 (pointer 8); the reply records
    # ours again in slot 2, so the echoed pointer is 12 and rr_needaddr is set.
    rr = bytes([IPOPT_RR, 11, 8]) + a("10.0.0.9") + bytes(4)
    err, dopt = echo(bed, received(bed, rr, rr=20, rr_needaddr=1))
    o = dopt.opt
    assert err == 0 and o.rr == 20 and o.rr_needaddr and o.optlen == 12
    assert dopt.options() == bytes([IPOPT_RR, 11, 12]) + a("10.0.0.9") + bytes(4) + b"\0"


def test_full_record_route_is_echoed_as_is(bed: Bed) -> None:
    rr = bytes([IPOPT_RR, 7, 8]) + a("10.0.0.9")
    err, dopt = echo(bed, received(bed, rr, rr=20))
    assert err == 0 and not dopt.opt.rr_needaddr
    assert dopt.options() == rr + bytes([IPOPT_END])


def test_record_route_without_room_for_the_reply_is_einval(bed: Bed) -> None:
    rr = bytes([IPOPT_RR, 9, 8]) + a("10.0.0.9") + bytes(2)  # pointer 8, only 2 bytes left
    err, _ = echo(bed, received(bed, rr, rr=20, rr_needaddr=1))
    assert err == -22


@pytest.mark.parametrize(("flag", "needaddr", "ptr", "want_ptr"), [
    (IPOPT_TS_TSONLY, 0, 9, 13),
    (IPOPT_TS_TSANDADDR, 1, 13, 21),
])
def test_timestamp_pointer_moves_past_the_reply_slot(bed: Bed, flag: int, needaddr: int,
                                                     ptr: int, want_ptr: int) -> None:
    ts = bytes([IPOPT_TIMESTAMP, 20, ptr, flag]) + bytes(16)
    err, dopt = echo(bed, received(bed, ts, ts=20, ts_needtime=1, ts_needaddr=needaddr))
    o = dopt.opt
    assert err == 0 and o.ts == 20 and o.ts_needtime and o.ts_needaddr == bool(needaddr)
    assert dopt.options()[2] == want_ptr


def test_prespecified_timestamp_only_for_a_non_unicast_next_address(
        bed: Bed, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("skbuff.net.ipv4.fib_frontend.inet_addr_type",
                        lambda net, addr: RTN_LOCAL if addr >> 24 == 127 else RTN_UNICAST)
    # The next prespecified address is ours (local, not unicast): the reply stamps it too.
    ts = bytes([IPOPT_TIMESTAMP, 20, 13, IPOPT_TS_PRESPEC]) + a("1.1.1.1") + bytes(4) \
        + a("127.0.0.1") + bytes(4)
    err, dopt = echo(bed, received(bed, ts, ts=20, ts_needtime=1))
    assert err == 0 and dopt.opt.ts_needtime and dopt.options()[2] == 21
    # A unicast (foreign) next address: nothing to stamp, pointer unchanged.
    ts2 = ts[:12] + a("192.0.2.77") + bytes(4)
    err, dopt = echo(bed, received(bed, ts2, ts=20, ts_needtime=1))
    assert err == 0 and not dopt.opt.ts_needtime and dopt.options()[2] == 13


@pytest.mark.parametrize("kind", [IPOPT_LSRR, IPOPT_SSRR])
def test_source_route_reversed_first_hop_in_faddr(bed: Bed, kind: int) -> None:
    hops = [a("10.1.0.1"), a("10.2.0.1"), a("10.3.0.1")]
    srr = bytes([kind, 15, 16]) + b"".join(hops)
    err, dopt = echo(bed, received(bed, srr, srr=20, is_strictroute=kind == IPOPT_SSRR))
    o = dopt.opt
    assert err == 0 and o.faddr == in_aton("10.3.0.1") and o.srr == 20
    assert o.is_strictroute == (kind == IPOPT_SSRR)
    # 10.2.0.1, 10.1.0.1, then the slot ip_options_build fills with the original sender.
    assert dopt.options() == bytes([kind, 15, 4]) + a("10.2.0.1") + a("10.1.0.1") + bytes(4) \
        + bytes([IPOPT_END])


def test_source_route_naming_the_sender_loses_that_hop(bed: Bed) -> None:
    """RFC 1812: a route whose first hop is the sender itself is fixed by dropping it: only
    the slot for the final destination is left."""
    srr = bytes([IPOPT_LSRR, 11, 12]) + struct.pack("!I", A) + a("10.3.0.1")
    err, dopt = echo(bed, received(bed, srr, srr=20))
    assert err == 0 and dopt.opt.srr == 20 and dopt.opt.faddr == in_aton("10.3.0.1")
    assert dopt.options()[:3] == bytes([IPOPT_LSRR, 7, 4]) and dopt.opt.optlen == 8


def test_rr_then_ts_offsets_and_padding(bed: Bed) -> None:
    opts = bytes([IPOPT_RR, 7, 4]) + bytes(4) + bytes([IPOPT_NOOP]) \
        + bytes([IPOPT_TIMESTAMP, 8, 5, IPOPT_TS_TSONLY]) + bytes(4)
    err, dopt = echo(bed, received(bed, opts, rr=20, rr_needaddr=1, ts=28, ts_needtime=1))
    o = dopt.opt
    assert err == 0 and o.rr == 20 and o.ts == 27 and o.optlen == 16
    assert dopt.options()[-1] == IPOPT_END


@settings(max_examples=60, deadline=None)
@given(slots=st.integers(1, 9), filled=st.integers(0, 9))
def test_echoed_record_route_property(slots: int, filled: int) -> None:
    """Whatever the fill, the echo is the option with the pointer moved one slot when there
    is room, a multiple of 4 long."""
    filled = min(filled, slots)
    b = Bed()
    try:
        rr = bytes([IPOPT_RR, 3 + 4 * slots, 4 + 4 * filled]) + bytes(4 * slots)
        needaddr = int(filled < slots)
        err, dopt = echo(b, received(b, rr, rr=20, rr_needaddr=needaddr))
        assert err == 0 and dopt.opt.optlen % 4 == 0
        assert dopt.options()[2] == 4 + 4 * filled + 4 * needaddr
    finally:
        b.close()


# --- the whole path: crafted frames in, the replies on the wire --------------------------

@pytest.fixture
def pair() -> Pair:
    return Pair()


def _echo_request(opts: bytes, saddr: str = H1) -> bytes:
    return build_ipv4(in_aton(saddr), in_aton(H2), 1, build_icmp_echo(0x4242, 1, bytes(24)),
                      id=7, frag_off=0, options=opts)


def _reply(pair: Pair) -> bytes:
    frames = [f for f in Pair.ip_frames(pair.tap1) if f[9] == 1]
    assert len(frames) == 1
    f = frames[0]
    assert ip_fast_csum(bytearray(f), 0, f[0] & 0xF) == 0
    return f


def test_ping_record_route_gets_our_address(pair: Pair) -> None:
    """ping -R: nine empty slots; h2 records itself on receipt and again in the reply."""
    rr = bytes([IPOPT_RR, 39, 4]) + bytes(36)
    pair.inject(_echo_request(rr + bytes([IPOPT_NOOP])))
    f = _reply(pair)
    assert f[0] == 0x4F and f[20:60] == bytes([IPOPT_RR, 39, 12]) + a(H2) + a(H2) + bytes(28) \
        + bytes([IPOPT_END])
    assert f[60] == ICMP_ECHOREPLY and len(f) == 60 + 32
    assert f[12:16] == a(H2) and f[16:20] == a(H1)


def test_timestamp_request_stamped_twice(pair: Pair) -> None:
    ts = bytes([IPOPT_TIMESTAMP, 12, 5, IPOPT_TS_TSONLY]) + bytes(8)
    pair.inject(_echo_request(ts))
    f = _reply(pair)
    assert f[20:24] == bytes([IPOPT_TIMESTAMP, 12, 13, 0])
    stamps = struct.unpack("!II", f[24:32])
    assert stamps[0] == stamps[1] != 0  # ms since midnight, on the simulated clock


def test_source_routed_echo_answered_via_the_reversed_route(pair: Pair) -> None:
    """The route h1 recorded ends at its other address: the reply goes there first."""
    pair.w.run("ip netns exec h2 sysctl -qw net.ipv4.conf.all.accept_source_route=1")
    pair.w.run("ip netns exec h2 sysctl -qw net.ipv4.conf.e1.accept_source_route=1")
    srr = bytes([IPOPT_SSRR, 11, 12]) + a("10.9.0.7") + a(H1B)
    pair.inject(_echo_request(srr))
    f = _reply(pair)
    assert f[16:20] == a(H1B)
    assert f[20:32] == bytes([IPOPT_SSRR, 11, 4]) + a("10.9.0.7") + a(H1) + bytes([IPOPT_END])


def test_port_unreachable_echoes_options_and_quotes_less(pair: Pair) -> None:
    rr = bytes([IPOPT_RR, 39, 4]) + bytes(36)
    udp = struct.pack("!HHHH", 7000, 9, 8 + 600, 0) + bytes(600)
    pair.inject(build_ipv4(in_aton(H1), in_aton(H2), 17, udp, frag_off=0, options=rr))
    f = _reply(pair)
    assert f[0] == 0x4F and f[60] == ICMP_DEST_UNREACH
    # 576 - 60 (header with options) - 8: the quoted datagram is cut at 508 bytes.
    assert len(f) == 576 and f[20:23] == bytes([IPOPT_RR, 39, 12])


def test_ip_options_build_fills_source_route_and_record_route(bed: Bed) -> None:
    """What a sender writes: the final source-route slot = the original destination,
    RR/TS slots = our source address / the time."""
    dopt = ip_options.ip_options_data()
    err = ip_options.ip_options_echo(bed.net, dopt, received(
        bed, bytes([IPOPT_RR, 7, 4]) + bytes(4) + bytes([IPOPT_LSRR, 11, 12]) + a("10.1.0.1")
        + a("10.2.0.1"), rr=20, rr_needaddr=1, srr=27))
    assert err == 0
    optlen = dopt.opt.optlen
    skb = skbuff.alloc_skb(128, skbuff.GFP_ATOMIC)
    skbuff.skb_reserve(skb, 32)
    skbuff.skb_put(skb, 20 + optlen)
    skbuff.skb_reset_network_header(skb)
    iph = skbuff.ip_hdr(skb)
    iph.version, iph.ihl, iph.saddr = 4, 5 + optlen // 4, in_aton("10.2.0.9")
    rt = bed.rt(RTN_LOCAL)
    ip_options.ip_options_build(skb, dopt, A, rt)
    nh = skbuff.skb_network_header(skb)
    got = bytes(skb.buf[nh + 20:nh + 20 + optlen])
    assert got[:7] == bytes([IPOPT_RR, 7, 8]) + a("10.2.0.9")  # output route: our saddr
    assert got[7:18] == bytes([IPOPT_LSRR, 11, 4]) + a("10.1.0.1") + struct.pack("!I", A)
    assert ip_options.IPCB(skb).opt.srr == dopt.opt.srr
    skbuff.kfree_skb(skb)


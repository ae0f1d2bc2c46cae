"""ICMP rate limits and never-send rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.net.ipv4.ip_testbed import A, B, Bed

from skbuff.net.core import skbuff
from skbuff.net.ipv4 import icmp, inetpeer, route
from skbuff.uapi import snmp
from skbuff.uapi.icmp import (
    ICMP_DEST_UNREACH,
    ICMP_ECHO,
    ICMP_FRAG_NEEDED,
    ICMP_PORT_UNREACH,
    ICMP_TIME_EXCEEDED,
    build_icmp,
)
from skbuff.uapi.if_packet import PACKET_BROADCAST
from skbuff.uapi.rtnetlink import RTN_LOCAL, RTN_UNICAST


@pytest.fixture
def bed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Bed]:
    """icmp_send's output route is stood in for: every lookup gives a route whose output
    records the ICMP message (or fails, when `bed.route_ok` is False)."""
    b = Bed()
    if b.net.ipv4.peers is None:
        b.net.ipv4.peers = inetpeer.inet_peer_base_init(b.k)

    def output(net: Any, sk: Any, skb: skbuff.sk_buff) -> int:
        b.sent.append(bytes(skbuff.skb_data(skb)))
        skbuff.consume_skb(skb)
        return 0

    def lookup(net: Any, fl4: Any) -> Any:
        b.lookups.append((fl4.daddr, fl4.fl4_icmp_type, fl4.fl4_icmp_code))
        if not b.route_ok:
            return -101
        fl4.saddr = B
        return b.rt(RTN_UNICAST, output=output)

    monkeypatch.setattr(route, "ip_route_output_key", lookup)
    yield b
    b.close()


def test_mask_allow_only_limits_ratemask_types(bed: Bed) -> None:
    net = bed.net
    assert not icmp.icmpv4_mask_allow(net, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH)
    assert icmp.icmpv4_mask_allow(net, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED)
    assert not icmp.icmpv4_mask_allow(net, ICMP_TIME_EXCEEDED, 0)
    assert icmp.icmpv4_mask_allow(net, 0, 0)  # echo reply: not in 0x1818
    assert icmp.icmpv4_mask_allow(net, 40, 0)


def test_global_bucket_burst_then_refill(bed: Bed) -> None:
    net = bed.net
    sent = 0
    for _ in range(200):
        if icmp.icmp_global_allow(net):
            icmp.icmp_global_consume(net)
            sent += 1
    assert 25 <= sent <= 150  # burst 50, each send costs 0-2 credits
    assert not icmp.icmp_global_allow(net)
    bed.k.run_for(10**9)
    assert icmp.icmp_global_allow(net)


def _skb_with_rt(bed: Bed, rt_type: int, flags: int = 0, **kw: Any) -> skbuff.sk_buff:
    skb = bed.frame(bed.packet(**kw))
    rt = bed.rt(rt_type)
    rt.rt_flags = flags
    skbuff.skb_dst_set(skb, rt)
    return skb


def test_never_send_rules(bed: Bed) -> None:
    lookups = bed.lookups
    skb = bed.frame(bed.packet())
    icmp.icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0)  # no dst
    skbuff.kfree_skb(skb)
    skb = _skb_with_rt(bed, RTN_UNICAST)
    skb.pkt_type = PACKET_BROADCAST
    icmp.icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0)
    skbuff.kfree_skb(skb)
    skb = _skb_with_rt(bed, RTN_LOCAL, route.RTCF_BROADCAST)
    icmp.icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0)
    skbuff.kfree_skb(skb)
    skb = _skb_with_rt(bed, RTN_LOCAL, frag_off=0x2001)
    icmp.icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0)  # non-first fragment
    skbuff.kfree_skb(skb)
    err = build_icmp(ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0, b"\0" * 28)
    skb = _skb_with_rt(bed, RTN_LOCAL, payload=err, protocol=1)
    icmp.icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0)  # error about an error
    skbuff.kfree_skb(skb)
    assert lookups == []
    echo = build_icmp(ICMP_ECHO, 0, 0, b"")
    skb = _skb_with_rt(bed, RTN_LOCAL, payload=echo, protocol=1)
    icmp.icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0)  # about an echo: allowed
    skbuff.kfree_skb(skb)
    assert lookups == [(bed.packet()[12:16] and int.from_bytes(bed.packet()[12:16], "big"),
                        ICMP_DEST_UNREACH, ICMP_PORT_UNREACH)]


def test_global_and_host_limits(bed: Bed) -> None:
    bed.route_ok = True
    icmp_mib = bed.net.mib.icmp_statistics
    for i in range(300):
        skb = _skb_with_rt(bed, RTN_LOCAL, saddr=A + i)
        icmp.icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0)
        skbuff.kfree_skb(skb)
    limited = icmp_mib[snmp.ICMP_MIB_RATELIMITGLOBAL]
    sent = bed.sent
    assert limited > 0 and len(sent) + limited == 300
    assert icmp_mib[snmp.ICMP_MIB_OUTMSGS] == len(sent)
    assert bed.net.mib.icmpmsg_statistics[0x100 | ICMP_DEST_UNREACH] == len(sent)
    msg = sent[0]
    assert msg[1] & 0xC0 == 0xC0  # TOS | IPTOS_PREC_INTERNETCONTROL
    assert msg[20] == ICMP_DEST_UNREACH and msg[21] == ICMP_PORT_UNREACH
    assert len(msg) <= 576
    bed.k.run_for(2 * 10**9)
    before = len(sent)
    for _ in range(10):  # one destination: 6 pass the per-host bucket, then OutRateLimitHost
        skb = _skb_with_rt(bed, RTN_LOCAL, saddr=A + 1000)
        icmp.icmp_send(skb, ICMP_DEST_UNREACH, ICMP_PORT_UNREACH, 0)
        skbuff.kfree_skb(skb)
    assert len(sent) - before == 6
    assert icmp_mib[snmp.ICMP_MIB_RATELIMITHOST] == 4


def test_frag_needed_is_never_rate_limited(bed: Bed) -> None:
    bed.route_ok = True
    for _ in range(100):
        skb = _skb_with_rt(bed, RTN_LOCAL)
        icmp.icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, 1400)
        skbuff.kfree_skb(skb)
    assert len(bed.sent) == 100
    assert int.from_bytes(bed.sent[0][26:28], "big") == 1400


def _icmp_in(bed: Bed, message: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    from skbuff.net.ipv4 import fib_frontend, ip_input

    monkeypatch.setattr(fib_frontend, "fib_compute_spec_dst", lambda skb: B)
    skb = bed.frame(bed.packet(message, saddr=A + 5, daddr=B, protocol=1))
    skbuff.skb_dst_set(skb, bed.rt(RTN_LOCAL, input=ip_input.ip_local_deliver))
    ip_input.ip_rcv(skb, bed.dev, None, bed.dev)


def test_echo_request_gets_reply(bed: Bed, monkeypatch: pytest.MonkeyPatch) -> None:
    from skbuff.uapi.icmp import build_icmp_echo

    bed.route_ok = True
    _icmp_in(bed, build_icmp_echo(0x4242, 7, b"ping-data"), monkeypatch)
    (reply,) = bed.sent
    assert reply[20] == 0 and reply[24:28] == bytes.fromhex("42420007")
    assert reply[28:] == b"ping-data"
    assert reply[16:20] == (A + 5).to_bytes(4, "big")
    from skbuff.uapi.checksum import ip_compute_csum
    assert ip_compute_csum(reply, 20, len(reply) - 20) == 0
    mib = bed.net.mib
    assert mib.icmp_statistics[snmp.ICMP_MIB_INMSGS] == 1
    assert mib.icmpmsg_statistics[ICMP_ECHO] == 1 and mib.icmpmsg_statistics[0x100] == 1
    bed.net.ipv4.sysctl_icmp_echo_ignore_all = 1
    _icmp_in(bed, build_icmp_echo(1, 1, b""), monkeypatch)
    assert len(bed.sent) == 1


def test_timestamp_reply(bed: Bed, monkeypatch: pytest.MonkeyPatch) -> None:
    from skbuff.uapi.icmp import ICMP_TIMESTAMP, ICMP_TIMESTAMPREPLY

    bed.route_ok = True
    _icmp_in(bed, build_icmp(ICMP_TIMESTAMP, 0, 0x00010002, bytes(12)), monkeypatch)
    (reply,) = bed.sent
    assert reply[20] == ICMP_TIMESTAMPREPLY and reply[24:28] == bytes.fromhex("00010002")
    assert reply[32:36] == reply[36:40]  # receive == transmit time


def test_bad_checksum_counts_in_errors(bed: Bed, monkeypatch: pytest.MonkeyPatch) -> None:
    from skbuff.uapi.icmp import build_icmp_echo

    msg = bytearray(build_icmp_echo(1, 1, b"x"))
    msg[2] ^= 0xFF
    _icmp_in(bed, bytes(msg), monkeypatch)
    icmp_mib = bed.net.mib.icmp_statistics
    assert icmp_mib[snmp.ICMP_MIB_CSUMERRORS] == 1 and icmp_mib[snmp.ICMP_MIB_INERRORS] == 1
    assert bed.reasons() == ["ICMP_CSUM"]


def test_raw_socket_gets_a_copy(bed: Bed, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket as pysocket

    from skbuff.net import socket as bsd
    from skbuff.uapi.icmp import build_icmp_echo

    raw = bsd.net_socket(bed.net, pysocket.AF_INET, pysocket.SOCK_RAW, pysocket.IPPROTO_ICMP)
    bed.route_ok = True
    _icmp_in(bed, build_icmp_echo(9, 9, b"r"), monkeypatch)
    data, addr = raw.recvfrom(200, pysocket.MSG_DONTWAIT)
    assert addr is not None and addr[0] == "192.0.2.6"
    assert data[0] >> 4 == 4 and data[20] == ICMP_ECHO  # from the IP header on
    assert len(bed.sent) == 1  # the kernel still answers
    raw.close()

"""ip_rcv_core's checks in kernel order, each with its drop reason and its counter only;
local delivery to a protocol handler, and to nobody (InUnknownProtos, IP_NOPROTO)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.net.ipv4.ip_testbed import Bed

from skbuff.net.core import dev as core_dev
from skbuff.net.core import skbuff
from skbuff.net.ipv4 import ip_input, ip_options, protocol
from skbuff.uapi.if_packet import PACKET_HOST, PACKET_OTHERHOST
from skbuff.uapi.rtnetlink import RTN_LOCAL


@pytest.fixture
def bed() -> Iterator[Bed]:
    b = Bed()
    yield b
    b.close()


def test_otherhost_dropped_before_any_ip_counter(bed: Bed) -> None:
    skb = bed.frame(bed.packet(), pkt_type=PACKET_OTHERHOST)
    assert ip_input.ip_rcv_core(skb, bed.net) is None
    assert bed.reasons() == ["OTHERHOST"]
    assert bed.ip_delta() == {}
    assert bed.dev.core_stats.rx_otherhost_dropped == 1


def test_good_packet_counts_receive_octets_and_ecn(bed: Bed) -> None:
    pkt = bed.packet(tos=0x02)
    skb = bed.frame(pkt + b"\0" * 6)  # Ethernet padding is trimmed
    out = ip_input.ip_rcv_core(skb, bed.net)
    assert out is skb and skb.len == len(pkt)
    assert skbuff.skb_transport_header(skb) - skbuff.skb_network_header(skb) == 20
    assert ip_options.IPCB(skb).iif == bed.dev.ifindex
    assert bed.ip_delta() == {"InReceives": 1, "InOctets": len(pkt) + 6, "InECT0Pkts": 1}
    assert bed.drops == []
    skbuff.kfree_skb(skb)


@pytest.mark.parametrize(
    ("mangle", "reason", "counters"),
    [
        (lambda p: p[:19], "IP_INHDR", {"InHdrErrors": 1}),
        (lambda p: bytes([0x65]) + p[1:], "IP_INHDR", {"InHdrErrors": 1}),
        (lambda p: bytes([0x44]) + p[1:], "IP_INHDR", {"InHdrErrors": 1}),
        (lambda p: p[:10] + bytes([p[10] ^ 0xFF]) + p[11:], "IP_CSUM",
         {"InHdrErrors": 1, "InCsumErrors": 1}),
        (lambda p: p[:-4], "PKT_TOO_SMALL", {"InTruncatedPkts": 1}),
    ],
    ids=["short", "ihl4", "version4bad", "csum", "truncated"],
)
def test_header_checks(bed: Bed, mangle, reason: str, counters: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    pkt = mangle(bed.packet())
    skb = bed.frame(pkt)
    assert ip_input.ip_rcv_core(skb, bed.net) is None
    assert bed.reasons() == [reason]
    delta = bed.ip_delta()
    delta.pop("InReceives")
    delta.pop("InOctets")
    delta.pop("InNoECTPkts", None)
    assert delta == counters


def test_tot_len_below_header_is_header_error(bed: Bed) -> None:
    from skbuff.uapi.ip import ip_send_check, iphdr

    raw = bytearray(bed.packet())
    h = iphdr(raw, 0)
    h.tot_len = 16
    ip_send_check(h)
    assert ip_input.ip_rcv_core(bed.frame(bytes(raw)), bed.net) is None
    assert bed.reasons() == ["IP_INHDR"]
    assert bed.ip_delta()["InHdrErrors"] == 1


def _delivered(bed: Bed, proto: int) -> tuple[list[int], int]:
    seen: list[int] = []

    def handler(skb: skbuff.sk_buff) -> int:
        seen.append(skbuff.ip_hdr(skb).protocol)
        skbuff.consume_skb(skb)
        return 0

    prot = protocol.net_protocol(handler)
    assert protocol.inet_add_protocol(bed.net, prot, proto) == 0
    skb = bed.frame(bed.packet(protocol=proto), pkt_type=PACKET_HOST)
    skbuff.skb_dst_set(skb, bed.rt(RTN_LOCAL, input=ip_input.ip_local_deliver))
    ret = ip_input.ip_rcv(skb, bed.dev, None, bed.dev)
    assert protocol.inet_del_protocol(bed.net, prot, proto) == 0
    return seen, ret


def test_local_delivery_reaches_handler(bed: Bed) -> None:
    seen, ret = _delivered(bed, 99)
    assert seen == [99]
    assert ret == core_dev.NET_RX_SUCCESS
    d = bed.ip_delta()
    assert d["InDelivers"] == 1 and "InUnknownProtos" not in d


def test_no_handler_is_unknown_proto(bed: Bed) -> None:
    skb = bed.frame(bed.packet(protocol=253))
    skbuff.skb_dst_set(skb, bed.rt(RTN_LOCAL, input=ip_input.ip_local_deliver))
    ip_input.ip_rcv(skb, bed.dev, None, bed.dev)
    assert bed.reasons() == ["IP_NOPROTO"]
    d = bed.ip_delta()
    assert d["InUnknownProtos"] == 1 and "InDelivers" not in d


def test_negative_handler_return_resubmits(bed: Bed) -> None:
    order: list[str] = []

    def first(skb: skbuff.sk_buff) -> int:
        order.append("first")
        return -98

    def second(skb: skbuff.sk_buff) -> int:
        order.append("second")
        skbuff.consume_skb(skb)
        return 0

    protocol.inet_add_protocol(bed.net, protocol.net_protocol(first), 97)
    protocol.inet_add_protocol(bed.net, protocol.net_protocol(second), 98)
    skb = bed.frame(bed.packet(protocol=97))
    skbuff.skb_dst_set(skb, bed.rt(RTN_LOCAL, input=ip_input.ip_local_deliver))
    ip_input.ip_rcv(skb, bed.dev, None, bed.dev)
    assert order == ["first", "second"]
    assert bed.ip_delta()["InDelivers"] == 1

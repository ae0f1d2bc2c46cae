"""ip_forward in kernel order: TTL, MTU/DF, TTL decrement with checksum, priority, output."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.net.ipv4.ip_testbed import Bed

from skbuff.net.core import dev as core_dev
from skbuff.net.core import skbuff
from skbuff.net.ipv4 import ip_forward, ip_options
from skbuff.uapi.checksum import ip_fast_csum
from skbuff.uapi.ip import IP_DF
from skbuff.uapi.rtnetlink import RTN_UNICAST


@pytest.fixture
def bed() -> Iterator[Bed]:
    b = Bed()
    yield b
    b.close()


def _forward(bed: Bed, pkt: bytes, mtu: int = 1500) -> tuple[int, list[skbuff.sk_buff]]:
    sent: list[skbuff.sk_buff] = []

    def output(net: Any, sk: Any, skb: skbuff.sk_buff) -> int:
        sent.append(skb)
        return 0

    skb = bed.frame(pkt)
    skbuff.skb_dst_set(skb, bed.rt(RTN_UNICAST, output=output, mtu=mtu))
    return ip_forward.ip_forward(skb), sent


def test_forward_decrements_ttl_keeps_checksum_valid(bed: Bed) -> None:
    ret, sent = _forward(bed, bed.packet(ttl=17, tos=0x10))
    assert ret == 0 and len(sent) == 1
    skb = sent[0]
    iph = skbuff.ip_hdr(skb)
    assert iph.ttl == 16
    assert ip_fast_csum(skb.buf, skbuff.skb_network_header(skb), 5) == 0
    assert ip_options.IPCB(skb).flags & ip_options.IPSKB_FORWARDED
    assert skb.priority == 6  # rt_tos2priority(IPTOS_LOWDELAY) = TC_PRIO_INTERACTIVE
    assert bed.ip_delta() == {"ForwDatagrams": 1}
    skbuff.kfree_skb(skb)


@pytest.mark.parametrize("ttl", [0, 1])
def test_ttl_exhausted_is_header_error(bed: Bed, ttl: int) -> None:
    ret, sent = _forward(bed, bed.packet(ttl=ttl))
    assert ret == core_dev.NET_RX_DROP and sent == []
    assert bed.reasons() == ["IP_INHDR"]
    assert bed.ip_delta() == {"InHdrErrors": 1}


def test_df_over_mtu_is_frag_fail_after_forwdatagrams(bed: Bed) -> None:
    ret, sent = _forward(bed, bed.packet(b"y" * 1400, frag_off=IP_DF), mtu=1000)
    assert ret == core_dev.NET_RX_DROP and sent == []
    assert bed.reasons() == ["PKT_TOO_BIG"]
    assert bed.ip_delta() == {"ForwDatagrams": 1, "FragFails": 1}


def test_no_df_over_mtu_is_passed_on_for_fragmentation(bed: Bed) -> None:
    ret, sent = _forward(bed, bed.packet(b"y" * 1400, frag_off=0), mtu=1000)
    assert ret == 0 and len(sent) == 1
    skbuff.kfree_skb(sent[0])


def test_otherhost_or_owned_skb_is_dropped(bed: Bed) -> None:
    skb = bed.frame(bed.packet(), pkt_type=3)
    skbuff.skb_dst_set(skb, bed.rt(RTN_UNICAST))
    assert ip_forward.ip_forward(skb) == core_dev.NET_RX_DROP
    assert bed.reasons() == ["NOT_SPECIFIED"]
    assert bed.ip_delta() == {}


def test_ip_decrease_ttl_matches_full_recompute() -> None:
    from skbuff.uapi.ip import build_ipv4, ip_send_check, iphdr

    for ttl in range(2, 256, 7):
        for tos in (0, 0xFF):
            buf = bytearray(build_ipv4(0x0A000001, 0x0A000002, 6, b"", ttl=ttl, tos=tos))
            assert ip_forward.ip_decrease_ttl(buf, 0) == ttl - 1
            ref = bytearray(buf)
            ip_send_check(iphdr(ref, 0))
            assert (buf[10:12] == ref[10:12]) or int.from_bytes(buf[10:12], "big") in (0, 0xFFFF)


@given(st.binary(min_size=20, max_size=20), st.integers(1, 255))
def test_ip_decrease_ttl_keeps_any_header_valid(raw: bytes, ttl: int) -> None:
    """Any header with a correct checksum still verifies after the incremental update, and
    only the TTL and checksum bytes change (include/net/ip.h ip_decrease_ttl)."""
    from skbuff.uapi.ip import ip_send_check, iphdr

    buf = bytearray(raw)
    buf[0] = 0x45
    buf[8] = ttl
    ip_send_check(iphdr(buf, 0))
    before = bytes(buf)
    assert ip_forward.ip_decrease_ttl(buf, 0) == ttl - 1
    assert buf[8] == ttl - 1
    assert ip_fast_csum(buf, 0, 5) == 0
    assert buf[:8] == before[:8] and buf[9:10] == before[9:10] and buf[12:] == before[12:]

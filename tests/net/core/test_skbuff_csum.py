"""Receive checksum validation on sk_buffs (ICMP simple validate, UDP zero check, rcsum)."""

from __future__ import annotations

from skbuff.kernel.kernel import Kernel
from skbuff.net.core import skbuff as S
from skbuff.uapi import checksum, icmp, in_, udp

SADDR, DADDR = 0x0A000001, 0x0A000002


def _skb(payload: bytes) -> S.sk_buff:
    skb = S.alloc_skb(len(payload) + 64, S.GFP_ATOMIC)
    S.skb_reserve(skb, 64)
    S.skb_put_data(skb, payload)
    return skb


def _pseudo(skb: S.sk_buff, proto: int) -> int:
    return checksum.csum_tcpudp_nofold(SADDR, DADDR, skb.len, proto, 0)


def test_icmp_simple_validate(kernel: Kernel) -> None:
    good = _skb(icmp.build_icmp_echo(1, 2, b"data"))
    assert S.skb_checksum_simple_validate(good) == 0
    assert good.ip_summed == checksum.CHECKSUM_COMPLETE and good.csum_valid == 1
    assert S.skb_checksum_complete(good) == 0  # now known good
    bad = bytearray(icmp.build_icmp_echo(1, 2, b"data"))
    bad[-1] ^= 0xFF
    skb = _skb(bytes(bad))
    assert S.skb_checksum_simple_validate(skb) != 0 and skb.csum_valid == 0


def test_hw_unnecessary_consumes_a_level(kernel: Kernel) -> None:
    skb = _skb(b"garbage!")
    skb.ip_summed = checksum.CHECKSUM_UNNECESSARY
    skb.csum_level = 1
    assert S.skb_checksum_simple_validate(skb) == 0
    assert skb.ip_summed == checksum.CHECKSUM_UNNECESSARY and skb.csum_level == 0
    assert S.skb_checksum_simple_validate(skb) == 0
    assert skb.ip_summed == checksum.CHECKSUM_NONE


def test_udp_zero_check_and_pseudo_header(kernel: Kernel) -> None:
    dgram = udp.build_udp(SADDR, DADDR, 1000, 2000, b"x" * 100)
    skb = _skb(dgram)
    check = udp.udphdr(skb.buf, skb.data).check
    # long packet: init only stores the pseudo sum, the full check comes later
    assert S.skb_checksum_init_zero_check(skb, in_.IPPROTO_UDP, check, _pseudo) == 0
    assert skb.csum == _pseudo(skb, in_.IPPROTO_UDP)
    assert S.skb_checksum_complete(skb) == 0
    nocheck = _skb(dgram[:6] + b"\0\0" + dgram[8:])
    assert S.skb_checksum_init_zero_check(nocheck, in_.IPPROTO_UDP, 0, _pseudo) == 0
    assert nocheck.csum_valid == 1


def test_hw_complete_wrong_sum_is_reported(kernel: Kernel) -> None:
    msg = icmp.build_icmp_echo(1, 2, b"data")
    skb = _skb(msg)
    skb.ip_summed = checksum.CHECKSUM_COMPLETE
    skb.csum = 0x1234  # hardware lied
    assert S.skb_checksum_simple_validate(skb) == 0
    assert kernel.dmesg[-1].text == "<unknown>: hw csum failure"


def test_pull_rcsum_keeps_complete_sum(kernel: Kernel) -> None:
    data = bytes(range(1, 61))
    skb = _skb(data)
    skb.ip_summed = checksum.CHECKSUM_COMPLETE
    skb.csum = checksum.csum_partial(data, 0, len(data))
    S.skb_pull_rcsum(skb, 14)
    assert checksum.csum_fold(skb.csum) == checksum.csum_fold(
        checksum.csum_partial(data, 14, len(data) - 14))

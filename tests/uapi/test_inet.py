"""Address helpers and ipv4_is_* predicates."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from skbuff.uapi import in_, inet


@given(st.integers(0, 0xFFFFFFFF))
def test_aton_ntoa_roundtrip(addr: int) -> None:
    assert inet.in_aton(inet.ntoa(addr)) == addr


def test_in_aton_like_kernel() -> None:
    assert inet.in_aton("10.1.2.3") == 0x0A010203
    assert inet.in_aton("10.1") == 0x0A010000  # missing parts are 0
    assert inet.in_aton("255.255.255.255") == in_.INADDR_BROADCAST


def test_mac_helpers() -> None:
    assert inet.mac_pton("02:00:5e:10:00:ff") == bytes.fromhex("02005e1000ff")
    assert inet.mac_pton("02:00:5e:10:00") is None
    assert inet.mac_pton("02-00-5e-10-00-ff") is None
    assert inet.mac_pton("0g:00:5e:10:00:ff") is None
    assert inet.mac_pton(" 0:00:5e:10:00:ff") is None
    assert inet.format_mac(bytes.fromhex("02005e1000ff")) == "02:00:5e:10:00:ff"


def test_ipv4_predicates() -> None:
    a = inet.in_aton
    assert in_.ipv4_is_loopback(a("127.1.2.3")) and not in_.ipv4_is_loopback(a("128.0.0.1"))
    assert in_.ipv4_is_multicast(a("239.1.1.1")) and not in_.ipv4_is_multicast(a("240.0.0.1"))
    assert in_.ipv4_is_local_multicast(a("224.0.0.251"))
    assert in_.ipv4_is_lbcast(a("255.255.255.255"))
    assert in_.ipv4_is_zeronet(a("0.1.2.3")) and not in_.ipv4_is_zeronet(a("1.0.0.0"))
    assert in_.ipv4_is_private_10(a("10.200.0.1"))
    assert in_.ipv4_is_private_172(a("172.31.255.255"))
    assert not in_.ipv4_is_private_172(a("172.32.0.0"))
    assert in_.ipv4_is_private_192(a("192.168.7.7"))
    assert in_.ipv4_is_linklocal_169(a("169.254.1.1"))
    assert in_.ipv4_is_anycast_6to4(a("192.88.99.1"))
    assert in_.ipv4_is_test_192(a("192.0.2.55")) and in_.ipv4_is_test_198(a("198.19.0.1"))
    assert in_.ipv4_is_all_snoopers(a("224.0.0.106"))
    assert in_.IPPROTO_ICMP == 1 and in_.IPPROTO_UDP == 17 and in_.IPPROTO_RAW == 255

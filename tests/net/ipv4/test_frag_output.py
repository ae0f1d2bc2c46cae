"""ip_fragment / ip_do_fragment geometry: sizes, offsets, MF, IDs, checksums, options, counters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.net.ipv4.ip_testbed import Bed

from skbuff.net.core import skbuff
from skbuff.net.ipv4 import ip_options, ip_output
from skbuff.uapi.checksum import ip_fast_csum
from skbuff.uapi.ip import IP_DF, IP_MF, IP_OFFSET, IPOPT_LSRR, IPOPT_NOOP, IPOPT_RR
from skbuff.uapi.rtnetlink import RTN_UNICAST


@pytest.fixture
def bed() -> Iterator[Bed]:
    b = Bed()
    yield b
    b.close()


def _fragment(bed: Bed, pkt: bytes, mtu: int, optlen: int = 0) -> tuple[int, list[bytes]]:
    frames: list[bytes] = []

    def output(net: Any, sk: Any, skb: skbuff.sk_buff) -> int:
        nh = skbuff.skb_network_header(skb)
        assert ip_fast_csum(skb.buf, nh, skb.buf[nh] & 0xF) == 0
        frames.append(bytes(skb.buf[nh:nh + skb.len]))
        skbuff.consume_skb(skb)
        return 0

    skb = bed.frame(pkt)
    ip_options.IPCB(skb).opt.optlen = optlen
    skbuff.skb_dst_set(skb, bed.rt(RTN_UNICAST, mtu=mtu))
    return ip_output.ip_fragment(bed.net, None, skb, mtu, output), frames


def _check(frames: list[bytes], payload: bytes, mtu: int, hlen: int) -> None:
    got = bytearray()
    ids = set()
    for i, f in enumerate(frames):
        assert len(f) <= mtu
        frag_off = int.from_bytes(f[6:8], "big")
        ids.add(f[4:6])
        assert (frag_off & IP_OFFSET) * 8 == len(got)
        last = i == len(frames) - 1
        assert bool(frag_off & IP_MF) == (not last)
        data = f[(f[0] & 0xF) * 4:]
        assert int.from_bytes(f[2:4], "big") == len(f)
        if not last:
            assert len(data) % 8 == 0
            assert len(data) == (mtu - hlen) & ~7
        got += data
    assert bytes(got) == payload
    assert len(ids) == 1


@pytest.mark.parametrize(("size", "mtu", "n"), [(1480, 576, 3), (4000, 1500, 3), (1481, 1500, 2),
                                                 (100, 68, 3)])
def test_geometry(bed: Bed, size: int, mtu: int, n: int) -> None:
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    err, frames = _fragment(bed, bed.packet(payload, frag_off=0, id=0x1234), mtu)
    assert err == 0 and len(frames) == n
    _check(frames, payload, mtu, 20)
    assert bed.ip_delta() == {"FragOKs": 1, "FragCreates": n}


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(1, 9000), mtu=st.integers(68, 9000))
def test_geometry_property(bed: Bed, size: int, mtu: int) -> None:
    payload = bytes(i & 0xFF for i in range(size))
    bed.dev.mtu = mtu
    err, frames = _fragment(bed, bed.packet(payload, frag_off=0), mtu)
    assert err == 0
    _check(frames, payload, mtu, 20)


def test_df_without_ignore_df_fails_with_emsgsize(bed: Bed) -> None:
    err, frames = _fragment(bed, bed.packet(b"z" * 2000, frag_off=IP_DF), 1500)
    assert err == -90 and frames == []
    assert bed.ip_delta() == {"FragFails": 1}


def test_options_copy_bit(bed: Bed) -> None:
    rr = bytes([IPOPT_RR, 7, 4, 0, 0, 0, 0])
    lsrr = bytes([IPOPT_LSRR, 7, 8, 10, 0, 0, 1])
    opts = rr + lsrr + bytes([0, 0])
    payload = b"q" * 200
    err, frames = _fragment(bed, bed.packet(payload, frag_off=0, options=opts), 120, 16)
    assert err == 0 and len(frames) >= 2
    assert frames[0][20:34] == rr + lsrr
    for f in frames[1:]:
        assert f[0] & 0xF == 9
        assert f[20:27] == bytes([IPOPT_NOOP]) * 7
        assert f[27:34] == lsrr
    _check(frames, payload, 120, 36)

"""Checksums against scapy and against the RFC 1624 identities."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from scapy.utils import checksum as scapy_checksum

from skbuff.uapi import checksum as C

u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)


def _same(a: int, b: int) -> bool:
    """Equal folded sums; one's complement has two zeros (0x0000 and 0xffff)."""
    return C.csum_fold(a) == C.csum_fold(b) or {C.csum_fold(a), C.csum_fold(b)} == {0, 0xFFFF}


@given(st.binary(max_size=1600))
def test_ip_compute_csum_matches_scapy(data: bytes) -> None:
    assert C.ip_compute_csum(data, 0, len(data)) == scapy_checksum(data)


@given(st.binary(min_size=1, max_size=300), st.integers(0, 300))
def test_block_add_is_position_aware(data: bytes, cut: int) -> None:
    cut = min(cut, len(data))
    head = C.csum_partial(data, 0, cut)
    tail = C.csum_partial(data, cut, len(data) - cut)
    whole = C.csum_partial(data, 0, len(data))
    assert _same(C.csum_block_add(head, tail, cut), whole)
    assert _same(C.csum_block_sub(whole, tail, cut), head)


@given(st.binary(min_size=20, max_size=20).map(bytearray), st.integers(0, 9), u16)
def test_csum_replace2_equals_recompute(hdr: bytearray, word: int, new: int) -> None:
    if word in (0, 5):
        return
    hdr[0] = 0x45  # a real header is never all zero (RFC 1624 +-0 caveat)
    hdr[10:12] = b"\0\0"
    hdr[10:12] = C.ip_fast_csum(hdr, 0, 5).to_bytes(2, "big")
    old = int.from_bytes(hdr[2 * word : 2 * word + 2], "big")
    check = int.from_bytes(hdr[10:12], "big")
    hdr[2 * word : 2 * word + 2] = new.to_bytes(2, "big")
    patched = C.csum_replace2(check, old, new)
    hdr[10:12] = patched.to_bytes(2, "big")
    assert C.ip_fast_csum(hdr, 0, 5) == 0


@given(st.binary(min_size=20, max_size=20).map(bytearray), u32)
def test_csum_replace4_equals_recompute(hdr: bytearray, new: int) -> None:
    hdr[0] = 0x45
    hdr[10:12] = b"\0\0"
    hdr[10:12] = C.ip_fast_csum(hdr, 0, 5).to_bytes(2, "big")
    old = int.from_bytes(hdr[12:16], "big")
    hdr[12:16] = new.to_bytes(4, "big")
    patched = C.csum_replace4(int.from_bytes(hdr[10:12], "big"), old, new)
    hdr[10:12] = patched.to_bytes(2, "big")
    assert C.ip_fast_csum(hdr, 0, 5) == 0


def test_known_vectors() -> None:
    # RFC 1071 example words 0001 f203 f4f5 f6f7 -> sum ddf2, checksum 220d
    data = bytes.fromhex("0001f203f4f5f6f7")
    assert C.csum_fold(C.csum_partial(data, 0, 8)) == 0x220D
    assert C.csum_fold(0) == 0xFFFF and C.csum_fold(0xFFFF) == 0
    assert C.csum_partial(b"\0\0", 0, 2) == 0
    assert C.csum_partial(b"\xff\xff", 0, 2) == 0xFFFF
    assert C.csum_add(0xFFFFFFFF, 1) == 1 and C.csum_sub(5, 5) == 0xFFFFFFFF
    assert C.csum_unfold(0x1234) == 0x1234
    assert C.csum16_add(0xFFFF, 1) == 1 and C.csum16_sub(1, 1) == 0xFFFF
    assert C.csum_shift(0x11223344, 1) == 0x44112233 and C.csum_shift(7, 2) == 7


@given(u32, u32, u16, st.integers(0, 255), st.binary(max_size=64))
def test_tcpudp_magic_is_pseudo_header_sum(saddr: int, daddr: int, length: int, proto: int,
                                          data: bytes) -> None:
    pseudo = (saddr.to_bytes(4, "big") + daddr.to_bytes(4, "big") + bytes([0, proto])
              + length.to_bytes(2, "big"))
    wsum = C.csum_partial(data, 0, len(data))
    want = scapy_checksum(pseudo + data + (b"\0" if len(data) & 1 else b""))
    assert C.csum_tcpudp_magic(saddr, daddr, length, proto, wsum) == want


@given(st.binary(min_size=60, max_size=64), st.integers(0, 4), st.sampled_from([5, 6, 15]))
def test_ip_fast_csum_is_folded_csum_partial(data: bytes, off: int, ihl: int) -> None:
    # ip_fast_csum folds the sum in one step (a per-packet fast path); it must equal the
    # generic csum_fold(csum_partial(...)), including all-zero and all-0xff headers.
    for buf in (bytearray(data), bytearray(64), bytearray(b"\xff" * 64)):
        assert C.ip_fast_csum(buf, off, ihl) == C.csum_fold(C.csum_partial(buf, off, ihl * 4))

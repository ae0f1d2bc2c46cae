"""Paged sk_buffs (frags, frag_list): pulling, linearizing, trimming, copying bits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skbuff.kernel.bug import KernelBug
from skbuff.kernel.kernel import Kernel
from skbuff.net.core import skbuff as S
from skbuff.uapi import checksum

PAGE_A = bytearray(bytes(range(100, 160)))
PAGE_B = bytearray(bytes(range(200, 250)))


def _paged(linear: int = 14) -> tuple[S.sk_buff, bytes]:
    """linear bytes 0..linear-1, then 30 bytes of page A (from 10), 50 of page B."""
    skb = S.netdev_alloc_skb(None, 64)
    S.skb_put_data(skb, bytes(range(linear)))
    S.skb_add_rx_frag(skb, 0, bytearray(PAGE_A), 10, 30, 4096)
    S.skb_add_rx_frag(skb, 1, bytearray(PAGE_B), 0, 50, 4096)
    return skb, bytes(range(linear)) + bytes(PAGE_A[10:40]) + bytes(PAGE_B)


def test_add_rx_frag_accounts(kernel: Kernel) -> None:
    skb, content = _paged()
    assert skb.len == 94 and skb.data_len == 80 and S.skb_headlen(skb) == 14
    assert S.skb_is_nonlinear(skb) and S.skb_tailroom(skb) == 0
    assert S.skb_shinfo(skb).nr_frags == 2
    assert skb.truesize == 320 + 256 + 320 + 2 * 4096
    assert S.skb_copy_bits(skb, 0, skb.len) == content
    assert S.skb_copy_bits(skb, 90, 5) is None  # -EFAULT
    with pytest.raises(KernelBug):
        S.skb_add_rx_frag(skb, S.MAX_SKB_FRAGS, bytearray(1), 0, 1, 1)


def test_pskb_may_pull_moves_bytes_from_frags(kernel: Kernel) -> None:
    skb, content = _paged()
    assert S.pskb_may_pull(skb, 10) and S.skb_headlen(skb) == 14
    assert S.pskb_may_pull(skb, 40)  # 26 bytes from page A
    assert S.skb_headlen(skb) == 40 and skb.data_len == 54
    frags = S.skb_shinfo(skb).frags
    assert [(f.offset, f.size) for f in frags] == [(36, 4), (0, 50)]
    assert bytes(S.skb_data(skb)) == content[:40]
    assert S.skb_copy_bits(skb, 0, skb.len) == content
    assert S.pskb_may_pull(skb, 50)  # eats page A entirely
    assert S.skb_shinfo(skb).nr_frags == 1 and bytes(S.skb_data(skb)) == content[:50]
    assert not S.pskb_may_pull(skb, 95)
    assert S.skb_copy_bits(skb, 0, skb.len) == content


def test_pskb_may_pull_on_clone_keeps_original(kernel: Kernel) -> None:
    skb, content = _paged()
    c = S.skb_clone(skb, S.GFP_ATOMIC)
    assert S.pskb_may_pull(c, 60)
    assert c.buf is not skb.buf and S.skb_headlen(skb) == 14
    assert S.skb_copy_bits(skb, 0, skb.len) == content
    assert S.skb_copy_bits(c, 0, c.len) == content
    S.kfree_skb(c)
    S.kfree_skb(skb)
    assert kernel.skbuff_head_cache.live == {}


def test_linearize(kernel: Kernel) -> None:
    skb, content = _paged()
    assert S.skb_linearize(skb) == 0
    assert skb.data_len == 0 and S.skb_shinfo(skb).nr_frags == 0
    assert bytes(S.skb_data(skb)) == content
    assert S.skb_linearize(skb) == 0


def test_pull_through_frag_list(kernel: Kernel) -> None:
    skb = S.alloc_skb(64, S.GFP_ATOMIC)
    S.skb_put_data(skb, b"head")
    seg = S.alloc_skb(64, S.GFP_ATOMIC)
    S.skb_put_data(seg, b"fraglist-bytes")
    S.skb_shinfo(skb).frag_list = seg
    skb.len += seg.len
    skb.data_len += seg.len
    assert S.pskb_pull(skb, 6) is not None
    # 2 bytes came over from the frag_list skb, then all 6 linear bytes were pulled off
    assert S.skb_headlen(skb) == 0 and seg.data == 2 and seg.len == 12
    assert S.skb_copy_bits(skb, 0, skb.len) == b"aglist-bytes"
    assert S.skb_linearize(skb) == 0 and S.skb_shinfo(skb).frag_list is None
    assert kernel.skbuff_head_cache.live.keys() == {skb.id}


@pytest.mark.parametrize("length", [0, 5, 14, 20, 44, 60, 93, 94, 200])
def test_pskb_trim(kernel: Kernel, length: int) -> None:
    skb, content = _paged()
    assert S.pskb_trim(skb, length) == 0
    want = content[:length]
    assert skb.len == len(want) and S.skb_copy_bits(skb, 0, skb.len) == want
    assert skb.data_len == max(0, len(want) - 14)
    assert sum(f.size for f in S.skb_shinfo(skb).frags) == skb.data_len


def test_pskb_trim_frag_list(kernel: Kernel) -> None:
    skb = S.alloc_skb(64, S.GFP_ATOMIC)
    S.skb_put_data(skb, b"0123")
    segs = []
    for part in (b"abcdef", b"ghijkl"):
        seg = S.alloc_skb(64, S.GFP_ATOMIC)
        S.skb_put_data(seg, part)
        segs.append(seg)
        skb.len += seg.len
        skb.data_len += seg.len
    S.skb_shinfo(skb).frag_list = segs[0]
    segs[0].next = segs[1]
    S.pskb_trim(skb, 7)
    assert S.skb_copy_bits(skb, 0, skb.len) == b"0123abc"
    assert kernel.skbuff_head_cache.live.keys() == {skb.id, segs[0].id}


def test_pskb_trim_rcsum_complete(kernel: Kernel) -> None:
    skb, content = _paged()
    skb.ip_summed = checksum.CHECKSUM_COMPLETE
    skb.csum = checksum.csum_partial(content, 0, len(content))
    for length in (81, 50, 13):
        assert S.pskb_trim_rcsum(skb, length) == 0
        want = checksum.csum_fold(checksum.csum_partial(content, 0, length))
        assert checksum.csum_fold(skb.csum) == want
    assert S.pskb_trim_rcsum(skb, 100) == 0 and skb.len == 13


def test_pskb_trim_rcsum_partial_guard(kernel: Kernel) -> None:
    skb, _ = _paged()
    skb.ip_summed = checksum.CHECKSUM_PARTIAL
    skb.csum_start = skb.data + 8
    skb.csum_offset = 6
    assert S.pskb_trim_rcsum(skb, 10) == -22  # the checksum field would be cut
    assert S.pskb_trim_rcsum(skb, 16) == 0 and skb.len == 16


def test_store_bits_across_frags(kernel: Kernel) -> None:
    skb, content = _paged()
    patch = bytes(range(50, 90))
    assert S.skb_store_bits(skb, 10, patch) == 0
    want = content[:10] + patch + content[50:]
    assert S.skb_copy_bits(skb, 0, skb.len) == want
    assert S.skb_store_bits(skb, 90, b"12345") == -14


def test_skb_checksum_matches_flat(kernel: Kernel) -> None:
    skb, content = _paged()
    for off, n in ((0, 94), (3, 40), (13, 2), (41, 53)):
        assert S.skb_checksum(skb, off, n, 0) == checksum.csum_partial(content, off, n)


ops = st.lists(st.tuples(st.sampled_from(["may_pull", "trim", "pull", "linearize", "clone"]),
                         st.integers(0, 200)), max_size=12)


@settings(max_examples=80, deadline=None)
@given(linear=st.binary(max_size=40), pages=st.lists(st.binary(min_size=1, max_size=60),
                                                      max_size=5), steps=ops)
def test_paged_ops_keep_content(linear: bytes, pages: list[bytes],
                                steps: list[tuple[str, int]]) -> None:
    with Kernel(seed=0, hz=1000, ncpus=1, skb_debug=True) as k:
        S.skb_init(k)
        skb = S.netdev_alloc_skb(None, len(linear))
        S.skb_put_data(skb, linear)
        for i, page in enumerate(pages):
            S.skb_add_rx_frag(skb, i, bytearray(b"?" + page + b"?"), 1, len(page), 4096)
        model = linear + b"".join(pages)
        keep: list[S.sk_buff] = []
        for op, n in steps:
            if op == "may_pull":
                assert S.pskb_may_pull(skb, n) == (n <= len(model))
                if n <= len(model):
                    assert bytes(S.skb_data(skb))[:n] == model[:n]
            elif op == "trim":
                assert S.pskb_trim(skb, n) == 0
                model = model[:n]
            elif op == "pull":
                assert (S.pskb_pull(skb, n) is None) == (n > len(model))
                model = model if n > len(model) else model[n:]
            elif op == "linearize":
                assert S.skb_linearize(skb) == 0 and skb.data_len == 0
            else:
                keep.append(S.skb_clone(skb, S.GFP_ATOMIC))
            assert skb.len == len(model) and S.skb_copy_bits(skb, 0, skb.len) == model
            assert skb.data_len == sum(f.size for f in S.skb_shinfo(skb).frags)
            assert 0 <= skb.data <= skb.tail <= skb.end
        for c in keep:
            S.kfree_skb(c)
        S.kfree_skb(skb)
        assert k.skbuff_head_cache.live == {}


def test_shared_frag_list_member_is_replaced_not_modified(kernel: Kernel) -> None:
    skb = S.alloc_skb(64, S.GFP_ATOMIC)
    S.skb_put_data(skb, b"hd")
    seg = S.alloc_skb(64, S.GFP_ATOMIC)
    S.skb_put_data(seg, b"0123456789")
    S.skb_get(seg)  # someone else holds the segment too
    S.skb_shinfo(skb).frag_list = seg
    skb.len += 10
    skb.data_len += 10
    assert S.pskb_may_pull(skb, 5)
    member = S.skb_shinfo(skb).frag_list
    assert member is not None and member is not seg and member.parent_id == seg.id
    assert seg.users == 1 and seg.len == 10 and member.len == 7
    assert S.pskb_trim(skb, 7) == 0
    assert S.skb_copy_bits(skb, 0, skb.len) == b"hd01234"
    assert bytes(S.skb_data(seg)) == b"0123456789"
    S.kfree_skb(skb)
    S.kfree_skb(seg)
    assert kernel.skbuff_head_cache.live == {}

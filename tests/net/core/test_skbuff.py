"""sk_buff primitives, refcounts, clones/copies, freeing, tracepoints and the debug checker."""

from __future__ import annotations

from typing import Any

import pytest

from skbuff.kernel.bug import KernelBug, SkbPanic, SkbUseAfterFree
from skbuff.kernel.kernel import Kernel
from skbuff.net.core import skbuff as S
from skbuff.net.core.dropreason import SKB_DROP_REASON
from skbuff.uapi import checksum, if_ether, ip


def _frame(n: int = 100, headroom: int = 64) -> S.sk_buff:
    skb = S.alloc_skb(headroom + n, S.GFP_ATOMIC)
    S.skb_reserve(skb, headroom)
    S.skb_put_data(skb, bytes(range(256))[:n] if n <= 256 else bytes(n))
    return skb


class _Dev:
    name = "eth0"


class _Napi:
    dev = _Dev()


def test_alloc_skb_layout_and_truesize(kernel: Kernel) -> None:
    skb = S.alloc_skb(100, S.GFP_KERNEL)
    # small-head cache: 640-byte object, 320 of it skb_shared_info
    assert (skb.head, skb.data, skb.tail, skb.end) == (0, 0, 0, 320)
    assert skb.len == skb.data_len == 0
    assert skb.users == 1 and skb.shinfo.dataref == 1
    assert skb.truesize == 320 + 256 + 320
    assert skb.mac_header == S.HEADER_UNSET and skb.transport_header == S.HEADER_UNSET
    assert skb.network_header == 0
    big = S.alloc_skb(1000, S.GFP_KERNEL)  # 1024 + 320 -> kmalloc-2048
    assert big.end == 2048 - 320
    assert big.id == skb.id + 1


def test_netdev_and_napi_alloc(kernel: Kernel) -> None:
    dev = _Dev()
    skb = S.netdev_alloc_skb(dev, 1500)  # page frag of SKB_HEAD_ALIGN(1564)
    assert skb.dev is dev
    assert S.skb_headroom(skb) == kernel.arch.NET_SKB_PAD
    assert skb.end == 1600 and skb.truesize == 1600 + 256 + 320
    assert S.dev_alloc_skb(10).dev is None
    aligned = S.netdev_alloc_skb_ip_align(dev, 100)
    assert S.skb_headroom(aligned) == kernel.arch.NET_SKB_PAD + kernel.arch.NET_IP_ALIGN
    n = S.napi_alloc_skb(_Napi(), 200)  # 1K page fragment
    assert n.dev is _Napi.dev and n.end == 1024 - 320
    assert S.skb_headroom(n) == kernel.arch.NET_SKB_PAD + kernel.arch.NET_IP_ALIGN


def test_reserve_put_push_pull_trim(kernel: Kernel) -> None:
    skb = S.alloc_skb(200, S.GFP_ATOMIC)
    S.skb_reserve(skb, 32)
    assert S.skb_headroom(skb) == 32 and S.skb_tailroom(skb) == 320 - 32
    off = S.skb_put(skb, 10)
    assert off == 32 and skb.len == 10 and skb.tail == 42
    assert S.skb_put_zero(skb, 4) == 42 and bytes(skb.buf[42:46]) == bytes(4)
    assert S.skb_push(skb, 14) == 18 and skb.len == 28
    assert S.skb_pull(skb, 100) is None and skb.len == 28
    assert S.skb_pull(skb, 14) == 32 and skb.len == 14
    S.skb_trim(skb, 20)  # longer than len: no change
    assert skb.len == 14
    S.skb_trim(skb, 5)
    assert skb.len == 5 and skb.tail == 37
    assert bytes(S.skb_data(skb)) == bytes(skb.buf[32:37])


OVER_PICTURE = """\
  before put: head=0 data=64 tail=164 end=320
  buffer |[..........#################____________________________]
  put    |                            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  put 200: extent [164,364) passes end (320) by 44
  legend: [ head  . headroom  # data  _ tailroom  ] end  ^ put"""

UNDER_PICTURE = """\
  before push: head=0 data=8 tail=8 end=320
  buffer | [______________________________________________________________]
  push   |^^
  push 14: extent [-6,8) passes head (0) by 6
  legend: [ head  . headroom  # data  _ tailroom  ] end  ^ push"""


def test_copy_and_store_bits_reach_into_headroom(kernel: Kernel) -> None:
    skb = _frame(10, headroom=16)
    assert S.skb_store_bits(skb, -4, b"hdr!") == 0
    assert S.skb_copy_bits(skb, -4, 6) == b"hdr!" + bytes(range(2))
    assert S.skb_copy_bits(skb, -17, 1) is None
    assert S.skb_copy_bits(skb, 5, 6) is None
    assert S.skb_store_bits(skb, 8, b"abc") == -14


def test_trim_nonlinear_warns_and_keeps_length(kernel: Kernel) -> None:
    skb = _frame(10)
    S.skb_add_rx_frag(skb, 0, bytearray(20), 0, 20, 20)
    S.skb_trim(skb, 5)
    assert skb.len == 30 and "__skb_trim on nonlinear" in kernel.dmesg[-1].text


def test_over_panic_message_and_picture(kernel: Kernel) -> None:
    skb = S.alloc_skb(100, S.GFP_ATOMIC)
    S.skb_reserve(skb, 64)
    S.skb_put(skb, 100)
    with pytest.raises(SkbPanic) as ei:
        S.skb_put(skb, 200)
    first, picture = str(ei.value).split("\n", 1)
    # the kernel's fields after the op: len and tail already moved
    assert first == (
        "skb_over_panic: text:test_over_panic_message_and_picture len:300 put:200 "
        "head:ffff888100000000 data:ffff888100000040 tail:0x16c end:0x140 dev:<NULL>")
    assert picture == OVER_PICTURE
    assert kernel.dmesg[-1].text == first


def test_under_panic_message_and_picture(kernel: Kernel) -> None:
    skb = S.alloc_skb(100, S.GFP_ATOMIC)
    S.skb_reserve(skb, 8)
    skb.dev = _Dev()
    with pytest.raises(SkbPanic) as ei:
        S.skb_push(skb, 14)
    first, picture = str(ei.value).split("\n", 1)
    assert first == ("skb_under_panic: text:test_under_panic_message_and_picture len:14 put:14 "
                     "head:ffff888100000000 data:ffff8880fffffffa tail:0x8 end:0x140 dev:eth0")
    assert picture == UNDER_PICTURE


def test_panic_from_put_data_names_the_caller(kernel: Kernel) -> None:
    def driver_rx_fill() -> None:
        skb = S.alloc_skb(10, S.GFP_ATOMIC)
        S.skb_put_data(skb, bytes(400))

    with pytest.raises(SkbPanic, match=r"^skb_over_panic: text:driver_rx_fill len:400 put:400"):
        driver_rx_fill()


def test_pull_past_linear_part_is_a_bug(kernel: Kernel) -> None:
    skb = _frame(20)
    S.skb_add_rx_frag(skb, 0, bytearray(100), 0, 100, 100)
    with pytest.raises(KernelBug):
        S.__skb_pull(skb, 30)
    assert skb.len == 120 and skb.data == 64


def test_header_offsets(kernel: Kernel) -> None:
    skb = _frame(60)
    assert not S.skb_mac_header_was_set(skb)
    S.skb_reset_mac_header(skb)
    S.skb_pull(skb, if_ether.ETH_HLEN)
    S.skb_reset_network_header(skb)
    S.skb_set_transport_header(skb, 20)
    S.skb_reset_mac_len(skb)
    assert S.skb_mac_header(skb) == 64 and S.skb_network_header(skb) == 78
    assert S.skb_transport_header(skb) == 98 and S.skb_transport_header_was_set(skb)
    assert skb.mac_len == S.skb_mac_header_len(skb) == 14
    assert S.skb_network_offset(skb) == 0 and S.skb_transport_offset(skb) == 20
    assert S.skb_network_header_len(skb) == 20
    S.skb_pull(skb, 20)
    assert S.skb_network_offset(skb) == -20
    S.skb_unset_mac_header(skb)
    assert not S.skb_mac_header_was_set(skb)


def test_clone_shares_data_and_counts_dataref(kernel: Kernel) -> None:
    skb = _frame()
    skb.mark = 7
    skb.cb[0] = 9
    c = S.skb_clone(skb, S.GFP_ATOMIC)
    assert c.buf is skb.buf and c.shinfo is skb.shinfo
    assert skb.cloned == c.cloned == 1 and skb.shinfo.dataref == 2
    assert c.users == 1 and c.sk is None and c.destructor is None
    assert c.parent_id == skb.id and c.id != skb.id
    assert (c.data, c.tail, c.len, c.mark, c.cb[0]) == (skb.data, skb.tail, skb.len, 7, 9)
    assert S.skb_cloned(skb) and S.skb_header_cloned(c)
    S.kfree_skb(c)
    assert skb.shinfo.dataref == 1 and not S.skb_cloned(skb)


def test_header_release_keeps_header_private(kernel: Kernel) -> None:
    skb = _frame()
    c = S.skb_clone(skb, S.GFP_ATOMIC)
    S.skb_header_release(c)  # c only touches payload (TCP-style)
    assert skb.shinfo.dataref == (1 << 16) + 2
    assert S.skb_cloned(skb) and not S.skb_header_cloned(skb)
    cc = S.skb_clone(c, S.GFP_ATOMIC)  # a clone of a nohdr skb is a full reference again
    assert cc.nohdr == 0 and cc.hdr_len == S.skb_headroom(c)
    assert S.skb_header_cloned(skb)
    S.kfree_skb(cc)
    S.consume_skb(c)
    assert skb.shinfo.dataref == 1


def test_skb_get_shared_and_users(kernel: Kernel) -> None:
    skb = _frame()
    assert not S.skb_shared(skb)
    S.skb_get(skb)
    assert S.skb_shared(skb) and skb.users == 2
    S.kfree_skb(skb)
    assert skb.users == 1 and skb.len == 100  # still alive
    with pytest.raises(KernelBug):
        S.skb_get(skb)
        S.pskb_expand_head(skb, 0, 0, S.GFP_ATOMIC)


def test_skb_cow_makes_header_private(kernel: Kernel) -> None:
    skb = _frame(40, headroom=16)
    S.skb_reset_network_header(skb)
    orig = bytes(S.skb_data(skb))
    c = S.skb_clone(skb, S.GFP_ATOMIC)
    assert S.skb_cow(c, 20) == 0  # cloned and short of headroom
    assert c.buf is not skb.buf and c.cloned == 0
    assert S.skb_headroom(c) == 16 + 64  # delta 4 rounded up to NET_SKB_PAD
    assert c.network_header == c.data
    assert bytes(S.skb_data(c)) == orig
    assert skb.shinfo.dataref == 1 and not S.skb_cloned(skb)
    assert S.skb_cow(skb, 8) == 0 and skb.buf is not c.buf  # nothing to do
    assert S.skb_cow_head(skb, 8) == 0


def test_pskb_expand_head_rebases(kernel: Kernel) -> None:
    skb = _frame(30, headroom=20)
    S.skb_reset_mac_header(skb)
    S.skb_set_network_header(skb, 14)
    skb.ip_summed = checksum.CHECKSUM_PARTIAL
    skb.csum_start = 54
    before = bytes(S.skb_data(skb))
    truesize = skb.truesize
    assert S.pskb_expand_head(skb, 64, 0, S.GFP_ATOMIC) == 0
    assert (skb.data, skb.mac_header, skb.network_header, skb.csum_start) == (84, 84, 98, 118)
    assert skb.transport_header == S.HEADER_UNSET
    assert bytes(S.skb_data(skb)) == before
    assert skb.truesize == truesize + skb.end - 320


def test_skb_copy_linearizes_and_keeps_headroom(kernel: Kernel) -> None:
    skb = _frame(10, headroom=40)
    S.skb_add_rx_frag(skb, 0, bytearray(b"abcdef"), 1, 4, 4)
    S.skb_reset_network_header(skb)
    n = S.skb_copy(skb, S.GFP_ATOMIC)
    assert n.data == 40 and n.len == 14 and n.data_len == 0
    assert bytes(S.skb_data(n)) == bytes(range(10)) + b"bcde"
    assert n.network_header == skb.network_header
    assert not n.cloned and n.buf is not skb.buf


def test_pskb_copy_shares_frags(kernel: Kernel) -> None:
    page = bytearray(b"0123456789")
    skb = _frame(10)
    S.skb_add_rx_frag(skb, 0, page, 2, 5, 5)
    n = S.pskb_copy(skb, S.GFP_ATOMIC)
    assert n.buf is not skb.buf and n.shinfo.frags[0].page is page
    assert n.end == 320 and n.truesize == 896 + 5  # sized for headroom + headlen only
    assert S.skb_copy_bits(n, 0, 15) == bytes(range(10)) + b"23456"


def test_share_check_and_unshare(kernel: Kernel) -> None:
    skb = _frame()
    assert S.skb_share_check(skb, S.GFP_ATOMIC) is skb
    S.skb_get(skb)
    n = S.skb_share_check(skb, S.GFP_ATOMIC)
    assert n is not skb and skb.users == 1 and n.buf is skb.buf
    u = S.skb_unshare(n, S.GFP_ATOMIC)
    assert u.buf is not skb.buf and bytes(S.skb_data(u)) == bytes(S.skb_data(skb))
    assert skb.shinfo.dataref == 1


def test_realloc_and_expand_head(kernel: Kernel) -> None:
    skb = _frame(20, headroom=16)
    n = S.skb_realloc_headroom(skb, 100)
    assert S.skb_headroom(n) >= 100 and bytes(S.skb_data(n)) == bytes(S.skb_data(skb))
    assert skb.shinfo.dataref == 1  # n got its own head
    same = S.skb_realloc_headroom(skb, 8)
    assert same.buf is not skb.buf and S.skb_headroom(same) == 16
    S.skb_get(skb)
    e = S.skb_expand_head(skb, 128)
    assert e is not skb and S.skb_headroom(e) >= 128 and skb.users == 1
    assert e.buf is not skb.buf and bytes(S.skb_data(e)) == bytes(S.skb_data(skb))
    assert S.skb_expand_head(e, 8) is e
    assert "expecting an increase" in kernel.dmesg[-1].text


def test_orphan_runs_destructor(kernel: Kernel) -> None:
    seen: list[int] = []
    skb = _frame()
    skb.sk = object()
    skb.destructor = lambda s: seen.append(s.id)
    S.skb_orphan(skb)
    assert seen == [skb.id] and skb.sk is None and skb.destructor is None
    skb.sk = object()
    with pytest.raises(KernelBug):
        S.skb_orphan(skb)


class _Dst:
    def __init__(self) -> None:
        self.refs = 1


def test_dst_references(kernel: Kernel, monkeypatch: pytest.MonkeyPatch) -> None:
    def hold(d: Any) -> None:
        d.refs += 1

    def release(d: Any) -> None:
        d.refs -= 1

    monkeypatch.setattr(S.core_dst, "dst_hold", hold)
    monkeypatch.setattr(S.core_dst, "dst_release", release)
    d = _Dst()
    skb = _frame()
    S.skb_dst_set(skb, d)
    c = S.skb_clone(skb, S.GFP_ATOMIC)
    assert S.skb_dst(c) is d and d.refs == 2
    S.kfree_skb(c)
    assert d.refs == 1
    S.skb_dst_drop(skb)
    assert S.skb_dst(skb) is None and d.refs == 0
    S.skb_dst_set_noref(skb, d)
    assert S.skb_dst_is_noref(skb)
    c = S.skb_clone(skb, S.GFP_ATOMIC)
    assert d.refs == 0  # noref dsts are not held by copies
    assert S.skb_dst_force(skb) and d.refs == 1 and not S.skb_dst_is_noref(skb)
    S.consume_skb(skb)
    assert d.refs == 0


def _callsite_free(skb: S.sk_buff) -> None:
    S.kfree_skb_reason(skb, SKB_DROP_REASON.IP_INHDR)


def test_kfree_skb_tracepoint_location_and_reason(kernel: Kernel) -> None:
    drops: list[tuple[int, str, SKB_DROP_REASON]] = []
    consumed: list[tuple[int, str]] = []
    kernel.trace.attach("kfree_skb", lambda s, loc, r: drops.append((s.id, loc, r)))
    kernel.trace.attach("consume_skb", lambda s, loc: consumed.append((s.id, loc)))
    a, b, c = _frame(), _frame(), _frame()
    S.skb_get(a)
    _callsite_free(a)
    assert drops == []  # only the last reference frees
    _callsite_free(a)
    assert drops == [(a.id, "_callsite_free", SKB_DROP_REASON.IP_INHDR)]
    S.consume_skb(b)
    S.dev_kfree_skb_any(c)
    me = "test_kfree_skb_tracepoint_location_and_reason"
    assert consumed == [(b.id, me), (c.id, me)]
    S.kfree_skb(None)
    cache = kernel.skbuff_head_cache
    assert (cache.drop_count, cache.consume_count) == (1, 2)


def test_kfree_skb_list_and_frag_list(kernel: Kernel) -> None:
    head, seg1, seg2 = _frame(10), _frame(10), _frame(10)
    head.shinfo.frag_list = seg1
    seg1.next = seg2
    head.len += 20
    head.data_len += 20
    assert S.skb_copy_bits(head, 5, 10) == bytes(range(5, 10)) + bytes(range(5))
    drops: list[int] = []
    consumed: list[int] = []
    kernel.trace.attach("kfree_skb", lambda s, loc, r: drops.append(s.id))
    kernel.trace.attach("consume_skb", lambda s, loc: consumed.append(s.id))
    S.consume_skb(head)  # the frag_list goes with the parent's reason
    assert drops == [] and consumed == [head.id, seg1.id, seg2.id]
    assert kernel.skbuff_head_cache.live == {}
    a, b = _frame(), _frame()
    a.next = b
    S.kfree_skb_list(a)
    assert drops == [a.id, b.id]


def test_queue(kernel: Kernel) -> None:
    q = S.sk_buff_head()
    S.skb_queue_head_init(q)
    a, b, c = _frame(), _frame(), _frame()
    S.__skb_queue_tail(q, a)
    S.__skb_queue_tail(q, b)
    S.__skb_queue_head(q, c)
    assert S.skb_queue_len(q) == q.qlen == 3 and S.skb_peek(q) is c
    assert S.skb_peek_tail(q) is b
    assert S.__skb_dequeue(q) is c
    reasons: list[SKB_DROP_REASON] = []
    kernel.trace.attach("kfree_skb", lambda s, loc, r: reasons.append(r))
    S.skb_queue_purge(q)
    assert S.skb_queue_empty(q) and S.__skb_dequeue(q) is None and S.skb_peek(q) is None
    assert reasons == [SKB_DROP_REASON.QUEUE_PURGE] * 2
    S.consume_skb(c)


def test_use_after_free_and_double_free(kernel: Kernel) -> None:
    skb = _frame()

    def dropper() -> None:
        S.kfree_skb(skb)

    dropper()
    with pytest.raises(SkbUseAfterFree, match=r"use after free: skb id \d+ \.len .*dropper"):
        _ = skb.len
    with pytest.raises(SkbUseAfterFree, match=r"double free.*dropper"):
        S.kfree_skb(skb)
    with pytest.raises(SkbUseAfterFree):
        S.skb_put(skb, 1)


def test_write_to_cloned_header_is_reported(kernel: Kernel) -> None:
    skb = _frame(40)
    S.skb_reset_network_header(skb)
    c = S.skb_clone(skb, S.GFP_ATOMIC)
    assert ip.iphdr(skb.buf, skb.data).ttl == ip_ttl_before(skb)  # reading is fine
    with pytest.raises(KernelBug, match=r"iphdr\.ttl.*skb_cow"):
        S.ip_hdr(c).ttl = 1
    with pytest.raises(KernelBug, match=r"skb_store_bits.*skb_cow"):
        S.skb_store_bits(c, 0, b"\x45")
    assert S.skb_cow(c, 0) == 0
    S.ip_hdr(c).ttl = 1
    assert S.ip_hdr(c).ttl == 1 and S.ip_hdr(skb).ttl == ip_ttl_before(skb)
    assert S.skb_store_bits(c, 0, b"\x45") == 0


def ip_ttl_before(skb: S.sk_buff) -> int:
    return skb.buf[skb.network_header + 8]


def test_leak_report_names_allocation_site(kernel: Kernel) -> None:
    def leaky_driver_rx() -> S.sk_buff:
        return S.netdev_alloc_skb(None, 60)

    kept = leaky_driver_rx()
    freed = _frame()
    S.consume_skb(freed)
    report = S.skb_leak_report(kernel)
    assert report.startswith("1 live skb(s)\n")
    assert f"skb id {kept.id} " in report and "leaky_driver_rx" in report
    assert "test_skbuff.py:" in report


def test_debug_off_has_no_registry() -> None:
    k = Kernel(seed=0, hz=1000, ncpus=1, skb_debug=False)
    with k:
        S.skb_init(k)
        skb = S.alloc_skb(10, S.GFP_ATOMIC)
        S.kfree_skb(skb)
        assert skb.users == 0  # no poisoning without debug
        assert "off" in S.skb_leak_report(k)


def test_skb_dump(kernel: Kernel) -> None:
    skb = _frame(20, headroom=16)
    S.skb_reset_network_header(skb)
    S.skb_add_rx_frag(skb, 0, bytearray(b"PAGE"), 0, 4, 4)
    skb.protocol = if_ether.ETH_P_IP
    skb.dev = _Dev()
    start = len(kernel.dmesg)
    S.skb_dump(7, skb, False)
    lines = [r.text for r in kernel.dmesg[start:]]
    assert lines[0] == "skb len=24 headroom=16 headlen=20 tailroom=0"
    assert lines[1] == "mac=(-1,-1) mac_len=0 net=(16,-1) trans=-1"
    assert lines[2] == "shinfo(txflags=0 nr_frags=1 gso(size=0 type=0 segs=0))"
    assert lines[4] == "hash(0x0 sw=0 l4=0) proto=0x0800 pkttype=0 iif=0"
    assert lines[7] == "dev name=eth0 feat=0x0000000000000000"
    assert lines[8] == "skb linear:   00000000: 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f"
    assert lines[9] == "skb linear:   00000010: 10 11 12 13"
    assert lines[10] == "skb frag:     00000000: 50 41 47 45"
    assert all(r.level == 7 for r in kernel.dmesg[start:])

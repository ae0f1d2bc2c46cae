"""The socket buffer: `struct sk_buff`, its shared data and every primitive the stack uses on it.

Kernel: include/linux/skbuff.h, net/core/skbuff.c.

Model. The data area is one `bytearray` (`skb.buf`) shared by clones; `head` is always 0 in it
and `data`/`tail`/`end` are offsets (the kernel's 64-bit layout keeps tail/end as offsets too).
`skb_shared_info` (`skb.shinfo`, `skb_shinfo(skb)`) is a separate object shared the same way: it
holds the paged fragments, the frag_list and `dataref` (low 16 bits: all data references, high
16 bits: payload-only references). Sizes follow x86-64: heads come from the small-head cache
(640 bytes) or kmalloc buckets, so `skb_tailroom(alloc_skb(100))` is 320 as on a real machine.

Ownership. Whoever holds an skb owns one `users` reference; passing an skb to a function that
"consumes" it hands that reference over. The last `kfree_skb_reason`/`consume_skb` frees it,
the data goes when `dataref` reaches zero. With `k.skb_debug` every live skb is registered with
its allocation site (`skb_leak_report`), a freed skb raises `SkbUseAfterFree` on any use, and a
write through a header view or `skb_store_bits` into a cloned header raises `KernelBug`.
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from skbuff.kernel import current, printk
from skbuff.kernel.bug import KernelBug, SkbPanic, SkbUseAfterFree
from skbuff.net.core import dst as core_dst
from skbuff.net.core.dropreason import SKB_DROP_REASON
from skbuff.trace.tracepoint import TRACEPOINT_OFF
from skbuff.uapi import checksum, icmp, if_arp, if_ether, if_packet, ip, udp

if TYPE_CHECKING:
    from skbuff.kernel.kernel import Kernel

GFP_ATOMIC = 0x820  # __GFP_HIGH | __GFP_KSWAPD_RECLAIM (include/linux/gfp_types.h)
GFP_KERNEL = 0xCC0  # __GFP_RECLAIM | __GFP_IO | __GFP_FS

SKB_ALLOC_FCLONE = 0x01
SKB_ALLOC_RX = 0x02
SKB_ALLOC_NAPI = 0x04
NUMA_NO_NODE = -1

MAX_SKB_FRAGS = 17
SKB_DATAREF_SHIFT = 16
SKB_DATAREF_MASK = (1 << SKB_DATAREF_SHIFT) - 1
HEADER_UNSET = 0xFFFF  # (u16)~0U: mac/transport header not set
PAGE_SIZE = 4096
SKB_SIZEOF = 232  # sizeof(struct sk_buff), x86-64
SKB_SHINFO_SIZEOF = 320  # sizeof(struct skb_shared_info), x86-64, MAX_SKB_FRAGS = 17
MAX_TCP_HEADER = 320  # L1_CACHE_ALIGN(128 + MAX_HEADER), MAX_HEADER = 176 on x86-64
_KMALLOC_SIZES = (8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096, 8192)
_KADDR_BASE = 0xFFFF888100000000  # simulated direct-map address of the first skb head

class skb_frag:
    """One paged fragment: `size` bytes of `page` from `offset`. Kernel: include/linux/skbuff.h."""

    __slots__ = ("offset", "page", "size")

    def __init__(self, page: bytearray | bytes, offset: int, size: int) -> None:
        self.page = page
        self.offset = offset
        self.size = size

    def __repr__(self) -> str:
        return f"skb_frag(offset={self.offset}, size={self.size})"


class skb_shared_info:
    """Data shared by an skb and its clones. Kernel: include/linux/skbuff.h skb_shared_info.

    `kaddr` is the simulated kernel address of the head (printed by the panics as `%px`).
    """

    __slots__ = ("dataref", "frag_list", "frags", "gso_segs", "gso_size", "gso_type", "kaddr")

    def __init__(self, kaddr: int) -> None:
        self.frags: list[skb_frag] = []
        self.frag_list: sk_buff | None = None
        self.dataref = 1
        self.gso_size = 0
        self.gso_segs = 0
        self.gso_type = 0
        self.kaddr = kaddr

    @property
    def nr_frags(self) -> int:
        """Number of paged fragments."""
        return len(self.frags)


class skb_track:
    """Debug record of where a live skb was allocated (kmemleak style)."""

    __slots__ = ("file", "function", "line", "ns", "skb")

    def __init__(self, skb: sk_buff, function: str, file: str, line: int, ns: int) -> None:
        self.skb = skb
        self.function = function
        self.file = file
        self.line = line
        self.ns = ns

    def site(self) -> str:
        """`function file:line`."""
        return f"{self.function} {self.file}:{self.line}"


class skbuff_head_cache:
    """Per-kernel sk_buff state set up by `skb_init`: ids, addresses, counters, debug registry.

    Kernel: net/core/skbuff.c skb_init (the skbuff_head_cache / skb_small_head_cache slabs).
    """

    __slots__ = ("NET_IP_ALIGN", "NET_SKB_PAD", "SKB_SMALL_HEAD_CACHE_SIZE", "alloc_count",
                 "consume_count", "debug", "drop_count", "free_count", "l1", "live",
                 "next_addr", "next_id", "shinfo_aligned", "skb_aligned")

    def __init__(self, net_skb_pad: int, net_ip_align: int, l1: int, debug: bool) -> None:
        self.NET_SKB_PAD = net_skb_pad
        self.NET_IP_ALIGN = net_ip_align
        self.l1 = l1
        self.debug = debug
        self.shinfo_aligned = _align(SKB_SHINFO_SIZEOF, l1)
        self.skb_aligned = _align(SKB_SIZEOF, l1)
        small = _align(MAX_TCP_HEADER, l1) + self.shinfo_aligned
        self.SKB_SMALL_HEAD_CACHE_SIZE = small + l1 if small & (small - 1) == 0 else small
        self.next_id = 1
        self.next_addr = _KADDR_BASE
        self.live: dict[int, skb_track] = {}
        self.alloc_count = 0
        self.free_count = 0
        self.drop_count = 0
        self.consume_count = 0


class sk_buff:
    """A packet. Kernel: include/linux/skbuff.h struct sk_buff (fields keep the kernel names).

    `buf`/`shinfo` are shared with clones; `id` is unique per kernel run and clones record the
    id they were cloned from in `parent_id`. Create with `alloc_skb` and friends, never directly:
    the constructor takes the next id from the head cache, counts the allocation and, under
    debug, records the allocating kernel function.
    """

    __slots__ = ("__weakref__", "_skb_dst_noref", "_skb_refdst", "buf", "cb", "cloned", "csum",
                 "csum_complete_sw", "csum_level", "csum_offset", "csum_start", "csum_valid",
                 "data", "data_len", "destructor", "dev", "end", "free_site", "hash", "hdr_len",
                 "head", "id", "ignore_df", "ip_summed", "len", "mac_header",
                 "mac_len", "mark", "network_header", "next", "nohdr", "parent_id", "pkt_type",
                 "prev", "priority", "protocol", "queue_mapping", "shinfo", "sk", "skb_iif",
                 "tail", "transport_header", "truesize", "tstamp", "users")

    def __init__(self, cache: skbuff_head_cache, buf: bytearray, shinfo: skb_shared_info,
                 end: int, truesize: int) -> None:
        skb_id = cache.next_id
        cache.next_id = skb_id + 1
        cache.alloc_count += 1
        self.next: sk_buff | None = None
        self.prev: sk_buff | None = None
        self.sk: Any = None
        self.dev: Any = None
        self._skb_refdst: Any = None
        self._skb_dst_noref = False
        self.cb = bytearray(48)
        self.len = 0
        self.data_len = 0
        self.mac_len = 0
        self.hdr_len = 0
        self.priority = 0
        self.pkt_type = 0
        self.ip_summed = 0
        self.csum = 0
        self.csum_start = 0
        self.csum_offset = 0
        self.csum_valid = 0
        self.csum_complete_sw = 0
        self.csum_level = 0
        self.ignore_df = 0
        self.protocol = 0
        self.transport_header = HEADER_UNSET
        self.network_header = 0
        self.mac_header = HEADER_UNSET
        self.head = 0
        self.data = 0
        self.tail = 0
        self.end = end
        self.truesize = truesize
        self.users = 1
        self.cloned = 0
        self.nohdr = 0
        self.mark = 0
        self.tstamp = 0
        self.skb_iif = 0
        self.queue_mapping = 0
        self.hash = 0
        self.destructor: Callable[[sk_buff], None] | None = None
        self.buf = buf
        self.shinfo = shinfo
        self.id = skb_id
        self.parent_id = 0
        self.free_site = ""
        if cache.debug:
            fn, file, line = _caller()
            cache.live[skb_id] = skb_track(self, fn, file, line,
                                           current.current_kernel().now_ns)

    def __repr__(self) -> str:
        return (f"<sk_buff id={self.id} len={self.len} data_len={self.data_len} "
                f"data={self.data} tail={self.tail} end={self.end} users={self.users}>")


class _freed_sk_buff(sk_buff):
    """What a freed skb turns into under `k.skb_debug`: any access but `id`/`parent_id` raises."""

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        if name in ("id", "parent_id"):
            return object.__getattribute__(self, name)
        skb_id = object.__getattribute__(self, "id")
        site = object.__getattribute__(self, "free_site")
        raise SkbUseAfterFree(f"use after free: skb id {skb_id} .{name} (freed by {site})")

    def __repr__(self) -> str:
        return f"<freed sk_buff id={object.__getattribute__(self, 'id')}>"


def _align(x: int, a: int) -> int:
    return (x + a - 1) & ~(a - 1)


def _caller() -> tuple[str, str, int]:
    """(function, file, line) of the first frame outside this module: the kernel caller."""
    f = sys._getframe(2)
    here = __file__
    while f.f_back is not None and f.f_code.co_filename == here:
        f = f.f_back
    return f.f_code.co_name, f.f_code.co_filename, f.f_lineno


def skb_init(k: Kernel) -> skbuff_head_cache:
    """Create the per-kernel sk_buff state in `k.skbuff_head_cache`.

    Kernel: net/core/skbuff.c skb_init.
    """
    arch = k.arch
    cache = skbuff_head_cache(arch.NET_SKB_PAD, arch.NET_IP_ALIGN, arch.L1_CACHE_BYTES,
                              bool(k.skb_debug))
    k.skbuff_head_cache = cache
    return cache


def _head_cache(k: Kernel) -> skbuff_head_cache:
    cache: skbuff_head_cache | None = k.skbuff_head_cache
    return cache if cache is not None else skb_init(k)


def _kmalloc_size_roundup(size: int) -> int:
    """Kernel: mm/slab_common.c kmalloc_size_roundup (page order above 8 KiB)."""
    for bucket in _KMALLOC_SIZES:
        if size <= bucket:
            return bucket
    order_size = PAGE_SIZE
    while order_size < size:
        order_size <<= 1
    return order_size


def _head_kaddr(cache: skbuff_head_cache, objsize: int) -> int:
    """Simulated kernel address for a new head of `objsize` bytes."""
    kaddr = cache.next_addr
    cache.next_addr = kaddr + objsize
    return kaddr


def _build(cache: skbuff_head_cache, objsize: int) -> sk_buff:
    """An skb around a fresh head of `objsize` bytes (shinfo included). __finalize_skb_around."""
    end = objsize - cache.shinfo_aligned
    kaddr = cache.next_addr  # _head_kaddr, in line: once per packet
    cache.next_addr = kaddr + objsize
    return sk_buff(cache, bytearray(end), skb_shared_info(kaddr), end,
                   end + cache.skb_aligned + cache.shinfo_aligned)


def _kmalloc_reserve(cache: skbuff_head_cache, size: int) -> int:
    """Object size the head gets for `size` bytes of data.

    Kernel: net/core/skbuff.c kmalloc_reserve.
    """
    if size <= cache.SKB_SMALL_HEAD_CACHE_SIZE - cache.shinfo_aligned:
        return cache.SKB_SMALL_HEAD_CACHE_SIZE
    return _kmalloc_size_roundup(_align(size, cache.l1) + cache.shinfo_aligned)


def __alloc_skb(size: int, gfp_mask: int, flags: int = 0,
                node: int = NUMA_NO_NODE) -> sk_buff:
    """A linear skb with at least `size` bytes of tailroom; caller owns it.

    Kernel: net/core/skbuff.c __alloc_skb.
    """
    k = current.current_kernel()
    cache = _head_cache(k)
    return _build(cache, _kmalloc_reserve(cache, size))


def alloc_skb(size: int, priority: int) -> sk_buff:
    """Kernel: include/linux/skbuff.h alloc_skb. `data == tail == head`, len 0, users 1."""
    return __alloc_skb(size, priority, 0, NUMA_NO_NODE)


def __netdev_alloc_skb(dev: Any, length: int, gfp_mask: int) -> sk_buff:
    """RX skb with NET_SKB_PAD headroom, `skb.dev = dev`.
    Kernel: net/core/skbuff.c __netdev_alloc_skb.

    Small sizes come from the small-head cache, mid sizes from a page fragment of exactly
    SKB_HEAD_ALIGN(len), big ones from kmalloc; tailroom and truesize follow.
    """
    k = current.current_kernel()
    cache: skbuff_head_cache | None = k.skbuff_head_cache
    if cache is None:
        cache = skb_init(k)
    pad = cache.NET_SKB_PAD
    size = length + pad
    shinfo_aligned = cache.shinfo_aligned
    if size <= cache.SKB_SMALL_HEAD_CACHE_SIZE - shinfo_aligned:
        skb = _build(cache, cache.SKB_SMALL_HEAD_CACHE_SIZE)
    elif size > PAGE_SIZE - shinfo_aligned:
        skb = _build(cache, _kmalloc_reserve(cache, size))
    else:
        skb = _build(cache, _align(size, cache.l1) + shinfo_aligned)
    skb.data = skb.tail = pad
    skb.dev = dev
    return skb


def netdev_alloc_skb(dev: Any, length: int) -> sk_buff:
    """`__netdev_alloc_skb(dev, length, GFP_ATOMIC)`. Kernel: include/linux/skbuff.h."""
    return __netdev_alloc_skb(dev, length, GFP_ATOMIC)


def dev_alloc_skb(length: int) -> sk_buff:
    """`netdev_alloc_skb(NULL, length)`. Kernel: include/linux/skbuff.h dev_alloc_skb."""
    return __netdev_alloc_skb(None, length, GFP_ATOMIC)


def netdev_alloc_skb_ip_align(dev: Any, length: int) -> sk_buff:
    """netdev_alloc_skb of length + NET_IP_ALIGN, reserving NET_IP_ALIGN more.

    Kernel: include/linux/skbuff.h.
    """
    align = _head_cache(current.current_kernel()).NET_IP_ALIGN
    skb = __netdev_alloc_skb(dev, length + align, GFP_ATOMIC)
    skb.data += align
    skb.tail += align
    return skb


def napi_alloc_skb(napi: Any, length: int) -> sk_buff:
    """RX skb for a NAPI poll: NET_SKB_PAD + NET_IP_ALIGN headroom, `dev = napi.dev`.

    Softirq context. Sizes up to 1 KiB come from the 1K page-fragment cache (4 KiB pages).
    Kernel: net/core/skbuff.c napi_alloc_skb.
    """
    k = current.current_kernel()
    cache = _head_cache(k)
    reserve = cache.NET_SKB_PAD + cache.NET_IP_ALIGN
    size = length + reserve
    if size > PAGE_SIZE - cache.shinfo_aligned:
        skb = _build(cache, _kmalloc_reserve(cache, size))
    elif size <= 1024 - cache.shinfo_aligned:
        skb = _build(cache, 1024)
    else:
        skb = _build(cache, _align(size, cache.l1) + cache.shinfo_aligned)
    skb.data = skb.tail = reserve
    skb.dev = napi.dev
    return skb


# --- panics -------------------------------------------------------------------------------


def _picture(data: int, tail: int, end: int, start: int, stop: int, op: str) -> str:
    """ASCII picture of head/data/tail/end before `op`, with its extent [start, stop) marked."""
    lo = min(0, start)
    hi = max(end, stop)
    width = 64
    span = hi - lo

    def col(x: int) -> int:
        return (x - lo) * width // span

    row = [" "] * (width + 1)
    for a, b, ch in ((0, data, "."), (data, tail, "#"), (tail, end, "_")):
        for c in range(col(a), col(b)):
            row[c] = ch
    row[col(0)] = "["
    row[col(end)] = "]"
    mark = [" "] * (width + 1)
    for c in range(col(start), max(col(stop), col(start) + 1)):
        mark[c] = "^"
    if op == "put":
        what = f"passes end ({end}) by {stop - end}"
    else:
        what = f"passes head (0) by {-start}"
    return (f"  before {op}: head=0 data={data} tail={tail} end={end}\n"
            f"  buffer |{''.join(row).rstrip()}\n"
            f"  {op:<7}|{''.join(mark).rstrip()}\n"
            f"  {op} {stop - start}: extent [{start},{stop}) {what}\n"
            f"  legend: [ head  . headroom  # data  _ tailroom  ] end  ^ {op}")


def skb_panic(skb: sk_buff, sz: int, addr: str, msg: str) -> NoReturn:
    """Log the kernel's panic line and BUG() with it plus a picture of the buffer.

    Called after the op moved tail/data (as in the kernel); the picture shows the state before
    it. Kernel: net/core/skbuff.c skb_panic.
    """
    kaddr = skb.shinfo.kaddr
    dev = skb.dev.name if skb.dev is not None else "<NULL>"
    line = (f"{msg}: text:{addr} len:{skb.len} put:{sz} head:{kaddr:016x} "
            f"data:{(kaddr + skb.data) & 0xFFFFFFFFFFFFFFFF:016x} tail:{skb.tail:#x} "
            f"end:{skb.end:#x} dev:{dev}")
    printk.printk(current.current_kernel(), printk.KERN_EMERG, line)
    if msg == "skb_over_panic":
        picture = _picture(skb.data, skb.tail - sz, skb.end, skb.tail - sz, skb.tail, "put")
    else:
        picture = _picture(skb.data + sz, skb.tail, skb.end, skb.data, skb.data + sz, "push")
    raise SkbPanic(line + "\n" + picture)


def skb_over_panic(skb: sk_buff, sz: int, addr: str) -> NoReturn:
    """skb_put/__skb_put went past `end`. Kernel: net/core/skbuff.c skb_over_panic."""
    skb_panic(skb, sz, addr, "skb_over_panic")


def skb_under_panic(skb: sk_buff, sz: int, addr: str) -> NoReturn:
    """skb_push went below `head`. Kernel: net/core/skbuff.c skb_under_panic."""
    skb_panic(skb, sz, addr, "skb_under_panic")


# --- linear primitives --------------------------------------------------------------------


def skb_headroom(skb: sk_buff) -> int:
    """`data - head`. Kernel: include/linux/skbuff.h skb_headroom."""
    return skb.data


def skb_tailroom(skb: sk_buff) -> int:
    """`end - tail`, 0 if nonlinear. Kernel: include/linux/skbuff.h skb_tailroom."""
    return 0 if skb.data_len else skb.end - skb.tail


def skb_headlen(skb: sk_buff) -> int:
    """Bytes in the linear part, `len - data_len`. Kernel: include/linux/skbuff.h."""
    return skb.len - skb.data_len


def skb_is_nonlinear(skb: sk_buff) -> bool:
    """True if some data lives in frags/frag_list. Kernel: include/linux/skbuff.h."""
    return skb.data_len != 0


def skb_end_offset(skb: sk_buff) -> int:
    """Kernel: include/linux/skbuff.h skb_end_offset."""
    return skb.end


def skb_shinfo(skb: sk_buff) -> skb_shared_info:
    """The shared info of `skb` (shared with its clones).

    Kernel: include/linux/skbuff.h skb_shinfo.
    """
    return skb.shinfo


def skb_reserve(skb: sk_buff, length: int) -> None:
    """Grow headroom of an empty skb: `data += len; tail += len`. No checks.

    Kernel: include/linux/skbuff.h.
    """
    skb.data += length
    skb.tail += length


def __skb_put(skb: sk_buff, length: int) -> int:
    """skb_put without the end check. Returns the old tail offset.

    Kernel: include/linux/skbuff.h __skb_put.
    """
    tmp = skb.tail
    skb.tail = tmp + length
    skb.len += length
    return tmp


def skb_put(skb: sk_buff, length: int) -> int:
    """Extend the data at the tail; returns the old tail offset to write at.

    Linear skbs only. `skb_over_panic` (SkbPanic) if tail passes end.
    Kernel: net/core/skbuff.c skb_put (which updates tail and len itself, as here).
    """
    tmp = skb.tail
    tail = tmp + length
    skb.tail = tail
    skb.len += length
    if tail > skb.end:
        skb_over_panic(skb, length, _caller()[0])
    return tmp


def skb_put_data(skb: sk_buff, data: bytes | bytearray | memoryview) -> int:
    """skb_put then copy `data` there; returns its offset.

    Kernel: include/linux/skbuff.h skb_put_data.
    """
    tmp = skb_put(skb, len(data))
    skb.buf[tmp : skb.tail] = data
    return tmp


def skb_put_zero(skb: sk_buff, length: int) -> int:
    """skb_put then zero the new bytes; returns their offset.

    Kernel: include/linux/skbuff.h skb_put_zero.
    """
    tmp = skb_put(skb, length)
    skb.buf[tmp : skb.tail] = bytes(length)
    return tmp


def __skb_push(skb: sk_buff, length: int) -> int:
    """skb_push without the head check. Kernel: include/linux/skbuff.h __skb_push."""
    skb.data -= length
    skb.len += length
    return skb.data


def skb_push(skb: sk_buff, length: int) -> int:
    """Prepend `length` bytes; returns the new data offset.

    `skb_under_panic` (SkbPanic) if data passes below head. Kernel: net/core/skbuff.c skb_push
    (which updates data and len itself, as here).
    """
    data = skb.data - length
    skb.data = data
    skb.len += length
    if data < 0:
        skb_under_panic(skb, length, _caller()[0])
    return data


def __skb_pull(skb: sk_buff, length: int) -> int:
    """Remove `length` bytes from the front. BUG if that pulls past the linear part.

    Kernel: include/linux/skbuff.h __skb_pull.
    """
    rest = skb.len - length
    if rest < skb.data_len:
        raise KernelBug(f"__skb_pull: pulling {length} past the linear part of skb {skb.id}")
    skb.len = rest
    data = skb.data + length
    skb.data = data
    return data


def skb_pull(skb: sk_buff, length: int) -> int | None:
    """Remove `length` bytes from the front; None and no change if `length > len`.

    Returns the new data offset. Kernel: net/core/skbuff.c skb_pull.
    """
    if length > skb.len:
        return None
    return __skb_pull(skb, length)


skb_pull_inline = skb_pull
"""Kernel: include/linux/skbuff.h skb_pull_inline (same as skb_pull; an alias saves a call
on every received frame)."""


def __skb_trim(skb: sk_buff, length: int) -> None:
    """Set len to `length` on a linear skb. WARNs (dmesg) and does nothing if nonlinear.

    Kernel: include/linux/skbuff.h __skb_trim.
    """
    if skb.data_len:
        printk.printk(current.current_kernel(), printk.KERN_WARNING,
                      f"WARNING: __skb_trim on nonlinear skb {skb.id}")
        return
    skb.len = length
    skb.tail = skb.data + length


def skb_trim(skb: sk_buff, length: int) -> None:
    """Shrink a linear skb to `length` if longer. Kernel: net/core/skbuff.c skb_trim."""
    if skb.len > length:
        __skb_trim(skb, length)


def skb_data(skb: sk_buff) -> memoryview:
    """The linear data `[data, tail)` as a memoryview (read-only on a cloned header in debug)."""
    return memoryview(_hdr_buf(skb))[skb.data : skb.tail]


# --- header offsets -----------------------------------------------------------------------


def skb_reset_mac_header(skb: sk_buff) -> None:
    """mac header = data. Kernel: include/linux/skbuff.h."""
    skb.mac_header = skb.data


def skb_set_mac_header(skb: sk_buff, offset: int) -> None:
    """mac header = data + offset. Kernel: include/linux/skbuff.h."""
    skb.mac_header = skb.data + offset


def skb_unset_mac_header(skb: sk_buff) -> None:
    """Kernel: include/linux/skbuff.h skb_unset_mac_header."""
    skb.mac_header = HEADER_UNSET


def skb_mac_header(skb: sk_buff) -> int:
    """Offset of the link-layer header. Kernel: include/linux/skbuff.h."""
    return skb.mac_header


def skb_mac_header_was_set(skb: sk_buff) -> bool:
    """Kernel: include/linux/skbuff.h skb_mac_header_was_set."""
    return skb.mac_header != HEADER_UNSET


def skb_mac_header_len(skb: sk_buff) -> int:
    """network header - mac header. Kernel: include/linux/skbuff.h."""
    return skb.network_header - skb.mac_header


def skb_reset_mac_len(skb: sk_buff) -> None:
    """mac_len = network - mac (0 if mac unset). Kernel: include/linux/skbuff.h."""
    skb.mac_len = (skb.network_header - skb.mac_header
                   if skb.mac_header != HEADER_UNSET else 0)


def skb_reset_network_header(skb: sk_buff) -> None:
    """network header = data. Kernel: include/linux/skbuff.h."""
    skb.network_header = skb.data


def skb_set_network_header(skb: sk_buff, offset: int) -> None:
    """network header = data + offset. Kernel: include/linux/skbuff.h."""
    skb.network_header = skb.data + offset


def skb_network_header(skb: sk_buff) -> int:
    """Offset of the network header. Kernel: include/linux/skbuff.h."""
    return skb.network_header


def skb_network_offset(skb: sk_buff) -> int:
    """network header - data (negative once pulled). Kernel: include/linux/skbuff.h."""
    return skb.network_header - skb.data


def skb_network_header_len(skb: sk_buff) -> int:
    """transport - network. Kernel: include/linux/skbuff.h."""
    return skb.transport_header - skb.network_header


def skb_reset_transport_header(skb: sk_buff) -> None:
    """transport header = data. Kernel: include/linux/skbuff.h."""
    skb.transport_header = skb.data


def skb_set_transport_header(skb: sk_buff, offset: int) -> None:
    """transport header = data + offset. Kernel: include/linux/skbuff.h."""
    skb.transport_header = skb.data + offset


def skb_transport_header(skb: sk_buff) -> int:
    """Offset of the transport header. Kernel: include/linux/skbuff.h."""
    return skb.transport_header


def skb_transport_header_was_set(skb: sk_buff) -> bool:
    """Kernel: include/linux/skbuff.h skb_transport_header_was_set."""
    return skb.transport_header != HEADER_UNSET


def skb_transport_offset(skb: sk_buff) -> int:
    """transport header - data. Kernel: include/linux/skbuff.h."""
    return skb.transport_header - skb.data


def _hdr_buf(skb: sk_buff) -> bytearray | memoryview:
    """The buffer header views write into: read-only when debug finds the header cloned.
    Callers test `skb.cloned` first and use `skb.buf` directly otherwise (saves a call on
    every header access of an unshared skb)."""
    if _head_cache(current.current_kernel()).debug and skb_header_cloned(skb):
        return memoryview(skb.buf).toreadonly()
    return skb.buf


def eth_hdr(skb: sk_buff) -> if_ether.ethhdr:
    """Ethernet header view at the mac header. Kernel: include/linux/if_ether.h eth_hdr."""
    return if_ether.ethhdr(_hdr_buf(skb) if skb.cloned else skb.buf, skb.mac_header)


def ip_hdr(skb: sk_buff) -> ip.iphdr:
    """IPv4 header view at the network header. Kernel: include/linux/ip.h ip_hdr."""
    return ip.iphdr(_hdr_buf(skb) if skb.cloned else skb.buf, skb.network_header)


def icmp_hdr(skb: sk_buff) -> icmp.icmphdr:
    """ICMP header view at the transport header. Kernel: include/linux/icmp.h icmp_hdr."""
    return icmp.icmphdr(_hdr_buf(skb) if skb.cloned else skb.buf, skb.transport_header)


def udp_hdr(skb: sk_buff) -> udp.udphdr:
    """UDP header view at the transport header. Kernel: include/linux/udp.h udp_hdr."""
    return udp.udphdr(_hdr_buf(skb) if skb.cloned else skb.buf, skb.transport_header)


def arp_hdr(skb: sk_buff) -> if_arp.arphdr:
    """ARP header view at the network header. Kernel: include/linux/if_arp.h arp_hdr."""
    return if_arp.arphdr(_hdr_buf(skb) if skb.cloned else skb.buf, skb.network_header)


# --- refcounts, clones, copies ------------------------------------------------------------


def skb_get(skb: sk_buff) -> sk_buff:
    """Take another `users` reference. Kernel: include/linux/skbuff.h skb_get."""
    skb.users += 1
    return skb


def skb_shared(skb: sk_buff) -> bool:
    """`users != 1`. Kernel: include/linux/skbuff.h skb_shared."""
    return skb.users != 1


def skb_cloned(skb: sk_buff) -> bool:
    """Data shared with a clone: `cloned && (dataref & 0xffff) != 1`.

    Kernel: include/linux/skbuff.h.
    """
    return bool(skb.cloned) and (skb.shinfo.dataref & SKB_DATAREF_MASK) != 1


def skb_header_cloned(skb: sk_buff) -> bool:
    """Header shared: `(all refs - payload-only refs) != 1`.

    Kernel: include/linux/skbuff.h skb_header_cloned.
    """
    if not skb.cloned:
        return False
    dataref = skb.shinfo.dataref
    return (dataref & SKB_DATAREF_MASK) - (dataref >> SKB_DATAREF_SHIFT) != 1


def skb_header_release(skb: sk_buff) -> None:
    """This reference only touches payload: `nohdr = 1`, dataref += 1<<16.

    Kernel: include/linux/skbuff.h.
    """
    skb.nohdr = 1
    skb.shinfo.dataref += 1 << SKB_DATAREF_SHIFT


def _copy_skb_header(new: sk_buff, old: sk_buff) -> None:
    """Kernel: net/core/skbuff.c __copy_skb_header (metadata, dst reference, cb)."""
    new.tstamp = old.tstamp
    new.dev = old.dev
    refdst = old._skb_refdst
    new._skb_refdst = refdst
    new._skb_dst_noref = old._skb_dst_noref
    if refdst is not None and not old._skb_dst_noref:
        core_dst.dst_hold(refdst)
    new.cb[:] = old.cb
    new.pkt_type = old.pkt_type
    new.ip_summed = old.ip_summed
    new.priority = old.priority
    new.protocol = old.protocol
    new.csum = old.csum
    new.csum_start = old.csum_start
    new.csum_offset = old.csum_offset
    new.csum_valid = old.csum_valid
    new.csum_complete_sw = old.csum_complete_sw
    new.csum_level = old.csum_level
    new.ignore_df = old.ignore_df
    new.mark = old.mark
    new.queue_mapping = old.queue_mapping
    new.hash = old.hash
    new.skb_iif = old.skb_iif
    new.transport_header = old.transport_header
    new.network_header = old.network_header
    new.mac_header = old.mac_header


def skb_clone(skb: sk_buff, gfp_mask: int) -> sk_buff:
    """A new sk_buff sharing `skb`'s data: both get `cloned = 1`, dataref += 1.

    The clone has users 1, no socket and no destructor; the caller owns it.
    Kernel: net/core/skbuff.c skb_clone / __skb_clone.
    """
    k = current.current_kernel()
    cache = _head_cache(k)
    n = sk_buff(cache, skb.buf, skb.shinfo, skb.end, skb.truesize)
    n.parent_id = skb.id
    _copy_skb_header(n, skb)
    n.len = skb.len
    n.data_len = skb.data_len
    n.mac_len = skb.mac_len
    n.hdr_len = skb.data if skb.nohdr else skb.hdr_len
    n.data = skb.data
    n.tail = skb.tail
    n.cloned = 1
    skb.cloned = 1
    skb.shinfo.dataref += 1
    return n


def skb_copy_header(new: sk_buff, old: sk_buff) -> None:
    """Copy metadata and gso state. Kernel: net/core/skbuff.c skb_copy_header."""
    _copy_skb_header(new, old)
    new.shinfo.gso_size = old.shinfo.gso_size
    new.shinfo.gso_segs = old.shinfo.gso_segs
    new.shinfo.gso_type = old.shinfo.gso_type


def skb_copy(skb: sk_buff, gfp_mask: int) -> sk_buff:
    """A private, fully linear copy (headroom kept); caller owns it.

    Kernel: net/core/skbuff.c skb_copy.
    """
    headerlen = skb.data
    n = __alloc_skb(skb.end + skb.data_len, gfp_mask)
    n.data = n.tail = headerlen
    __skb_put(n, skb.len)
    n.buf[:headerlen] = skb.buf[:headerlen]
    n.buf[headerlen : headerlen + skb.len] = _copy_all(skb, 0, skb.len)
    skb_copy_header(n, skb)
    return n


def __pskb_copy_fclone(skb: sk_buff, headroom: int, gfp_mask: int, fclone: bool) -> sk_buff:
    """Private copy of the linear part with `headroom`; frags and frag_list are shared.

    Kernel: net/core/skbuff.c __pskb_copy_fclone.
    """
    hl = skb.len - skb.data_len
    n = __alloc_skb(hl + headroom, gfp_mask)
    n.data = n.tail = headroom
    __skb_put(n, hl)
    n.buf[headroom : headroom + hl] = skb.buf[skb.data : skb.tail]
    n.truesize += skb.data_len
    n.len = skb.len
    n.data_len = skb.data_len
    n.shinfo.frags = [skb_frag(f.page, f.offset, f.size) for f in skb.shinfo.frags]
    frag = skb.shinfo.frag_list
    n.shinfo.frag_list = frag
    while frag is not None:
        frag.users += 1
        frag = frag.next
    skb_copy_header(n, skb)
    off = headroom - skb.data
    _headers_offset_update(n, off)
    return n


def pskb_copy(skb: sk_buff, gfp_mask: int) -> sk_buff:
    """Kernel: include/linux/skbuff.h pskb_copy (headroom kept)."""
    return __pskb_copy_fclone(skb, skb.data, gfp_mask, False)


def _headers_offset_update(skb: sk_buff, off: int) -> None:
    """Kernel: net/core/skbuff.c skb_headers_offset_update."""
    if skb.ip_summed == checksum.CHECKSUM_PARTIAL:
        skb.csum_start += off
    if skb.transport_header != HEADER_UNSET:
        skb.transport_header += off
    skb.network_header += off
    if skb.mac_header != HEADER_UNSET:
        skb.mac_header += off


def pskb_expand_head(skb: sk_buff, nhead: int, ntail: int, gfp_mask: int) -> int:
    """Reallocate the head with `nhead`/`ntail` more room; the header becomes private.

    The skb must not be shared (BUG). Header offsets are re-based; returns 0 (no ENOMEM in the
    model). Kernel: net/core/skbuff.c pskb_expand_head.
    """
    if skb.users != 1:
        raise KernelBug(f"pskb_expand_head: skb {skb.id} is shared (users {skb.users})")
    k = current.current_kernel()
    cache = _head_cache(k)
    objsize = _kmalloc_reserve(cache, nhead + skb.end + ntail)
    size = objsize - cache.shinfo_aligned
    old = skb.shinfo
    buf = bytearray(size)
    buf[nhead : nhead + skb.tail] = skb.buf[: skb.tail]
    shinfo = skb_shared_info(_head_kaddr(cache, objsize))
    shinfo.frags = [skb_frag(f.page, f.offset, f.size) for f in old.frags]
    shinfo.frag_list = old.frag_list
    shinfo.gso_size = old.gso_size
    shinfo.gso_segs = old.gso_segs
    shinfo.gso_type = old.gso_type
    if skb_cloned(skb):
        frag = old.frag_list
        while frag is not None:
            frag.users += 1
            frag = frag.next
        old.dataref -= (1 << SKB_DATAREF_SHIFT) + 1 if skb.nohdr else 1
    skb.buf = buf
    skb.shinfo = shinfo
    if skb.sk is None:
        skb.truesize += size - skb.end
    skb.end = size
    skb.data += nhead
    skb.tail += nhead
    _headers_offset_update(skb, nhead)
    skb.cloned = 0
    skb.hdr_len = 0
    skb.nohdr = 0
    return 0


def __skb_cow(skb: sk_buff, headroom: int, cloned: bool) -> int:
    """Kernel: include/linux/skbuff.h __skb_cow."""
    delta = headroom - skb.data if headroom > skb.data else 0
    if delta or cloned:
        pad = _head_cache(current.current_kernel()).NET_SKB_PAD
        return pskb_expand_head(skb, _align(delta, pad), 0, GFP_ATOMIC)
    return 0


def skb_cow(skb: sk_buff, headroom: int) -> int:
    """Make the data private and give at least `headroom`.

    Kernel: include/linux/skbuff.h skb_cow.
    """
    return __skb_cow(skb, headroom, skb_cloned(skb))


def skb_cow_head(skb: sk_buff, headroom: int) -> int:
    """Like skb_cow but only the header must be private.

    Kernel: include/linux/skbuff.h skb_cow_head.
    """
    return __skb_cow(skb, headroom, skb_header_cloned(skb))


def skb_share_check(skb: sk_buff, pri: int) -> sk_buff:
    """If shared, return a clone and drop our reference on the original (consume_skb).

    Kernel: include/linux/skbuff.h skb_share_check.
    """
    if skb.users != 1:
        nskb = skb_clone(skb, pri)
        consume_skb(skb)
        return nskb
    return skb


def skb_unshare(skb: sk_buff, pri: int) -> sk_buff:
    """If cloned, replace by a private copy (the old reference is consumed).

    Kernel: include/linux/skbuff.h skb_unshare.
    """
    if skb_cloned(skb):
        nskb = skb_copy(skb, pri)
        consume_skb(skb)
        return nskb
    return skb


def skb_realloc_headroom(skb: sk_buff, headroom: int) -> sk_buff:
    """A new skb (copy or clone+expand) with at least `headroom`; `skb` is untouched.

    Kernel: net/core/skbuff.c skb_realloc_headroom.
    """
    delta = headroom - skb.data
    if delta <= 0:
        return pskb_copy(skb, GFP_ATOMIC)
    n = skb_clone(skb, GFP_ATOMIC)
    pskb_expand_head(n, _align(delta, _head_cache(current.current_kernel()).l1), 0, GFP_ATOMIC)
    return n


def skb_expand_head(skb: sk_buff, headroom: int) -> sk_buff:
    """Ensure `headroom`; consumes `skb` and returns the skb to use from now on.

    WARNs and returns `skb` unchanged if no increase is needed. A shared skb, or one not
    charged to a socket (`is_skb_wmem`), is cloned first. Kernel: net/core/skbuff.c skb_expand_head.
    """
    delta = headroom - skb.data
    k = current.current_kernel()
    if delta <= 0:
        printk.printk(k, printk.KERN_WARNING,
                      "skb_expand_head is expecting an increase in the headroom")
        return skb
    if skb.users != 1 or skb.sk is None:
        nskb = skb_clone(skb, GFP_ATOMIC)
        consume_skb(skb)
        skb = nskb
    pskb_expand_head(skb, _align(delta, _head_cache(k).l1), 0, GFP_ATOMIC)
    return skb


# --- paged data ---------------------------------------------------------------------------


def skb_fill_page_desc(skb: sk_buff, i: int, page: bytearray | bytes, off: int,
                       size: int) -> None:
    """Set frag `i`, making nr_frags `i + 1`. Kernel: include/linux/skbuff.h."""
    frags = skb.shinfo.frags
    del frags[i:]
    frags.append(skb_frag(page, off, size))


def skb_add_rx_frag(skb: sk_buff, i: int, page: bytearray | bytes, off: int, size: int,
                    truesize: int) -> None:
    """Attach received page data as frag `i`; len/data_len/truesize grow.

    Kernel: net/core/skbuff.c skb_add_rx_frag.
    """
    if i >= MAX_SKB_FRAGS:
        raise KernelBug(f"skb_add_rx_frag: frag {i} >= MAX_SKB_FRAGS")
    skb_fill_page_desc(skb, i, page, off, size)
    skb.len += size
    skb.data_len += size
    skb.truesize += truesize


def _copy_all(skb: sk_buff, offset: int, length: int) -> bytes:
    """Bytes [offset, offset+length) of the packet across linear part, frags and frag_list."""
    out = bytearray()
    start = skb.len - skb.data_len
    if offset < start:
        take = min(start - offset, length)
        out += skb.buf[skb.data + offset : skb.data + offset + take]
        offset += take
        length -= take
    pos = start
    for f in skb.shinfo.frags:
        if length == 0:
            break
        end = pos + f.size
        if offset < end:
            take = min(end - offset, length)
            a = f.offset + offset - pos
            out += f.page[a : a + take]
            offset += take
            length -= take
        pos = end
    frag = skb.shinfo.frag_list
    while frag is not None and length:
        end = pos + frag.len
        if offset < end:
            take = min(end - offset, length)
            out += _copy_all(frag, offset - pos, take)
            offset += take
            length -= take
        pos = end
        frag = frag.next
    return bytes(out)


def skb_copy_bits(skb: sk_buff, offset: int, length: int) -> bytes | None:
    """Copy `length` bytes from `offset` (relative to data; negative reaches into headroom)
    out of linear and paged data. None where the kernel returns -EFAULT (past the packet).

    Kernel: net/core/skbuff.c skb_copy_bits.
    """
    if length < 0 or offset < -skb.data or offset > skb.len - length:
        return None
    if offset + length <= skb.len - skb.data_len:
        return bytes(skb.buf[skb.data + offset : skb.data + offset + length])
    return _copy_all(skb, offset, length)


def skb_store_bits(skb: sk_buff, offset: int, data: bytes | bytearray | memoryview) -> int:
    """Write `data` at `offset` (relative to data; negative reaches into headroom) into linear
    and paged data. Returns 0 or -EFAULT. Under debug, writing a cloned header is a KernelBug
    (skb_cow first). Kernel: net/core/skbuff.c skb_store_bits.
    """
    length = len(data)
    if offset < -skb.data or offset > skb.len - length:
        return -14
    if skb.cloned and _head_cache(current.current_kernel()).debug and skb_header_cloned(skb):
        raise KernelBug(f"skb_store_bits: write into cloned header of skb {skb.id} "
                        "without skb_cow")
    headlen = skb.len - skb.data_len
    src = memoryview(bytes(data))
    if offset < headlen:
        take = min(headlen - offset, length)
        skb.buf[skb.data + offset : skb.data + offset + take] = src[:take]
        src = src[take:]
        offset += take
    pos = headlen
    for f in skb.shinfo.frags:
        if not len(src):
            break
        end = pos + f.size
        if offset < end:
            take = min(end - offset, len(src))
            a = f.offset + offset - pos
            page = f.page
            if not isinstance(page, bytearray):
                page = f.page = bytearray(page)
            page[a : a + take] = src[:take]
            src = src[take:]
            offset += take
        pos = end
    frag = skb.shinfo.frag_list
    while frag is not None and len(src):
        end = pos + frag.len
        if offset < end:
            take = min(end - offset, len(src))
            skb_store_bits(frag, offset - pos, src[:take])
            src = src[take:]
            offset += take
        pos = end
        frag = frag.next
    return 0


def _unshared_member(frag: sk_buff) -> sk_buff:
    """A frag_list member we may modify: a clone (taking its place in the list) if shared."""
    if frag.users == 1:
        return frag
    clone = skb_clone(frag, GFP_ATOMIC)
    clone.next = frag.next
    frag.next = None
    consume_skb(frag)
    return clone


def __pskb_pull_tail(skb: sk_buff, delta: int) -> int | None:
    """Move `delta` bytes from frags/frag_list into the linear part (may reallocate the head).

    Returns the new tail offset, or None (the kernel's NULL) if the packet is too short.
    Kernel: net/core/skbuff.c __pskb_pull_tail.
    """
    eat = skb.tail + delta - skb.end
    if eat > 0 or skb_cloned(skb):
        pskb_expand_head(skb, 0, eat + 128 if eat > 0 else 0, GFP_ATOMIC)
    headlen = skb.len - skb.data_len
    pulled = skb_copy_bits(skb, headlen, delta)
    if pulled is None:
        return None
    skb.buf[skb.tail : skb.tail + delta] = pulled
    shinfo = skb.shinfo
    eat = delta
    keep: list[skb_frag] = []
    for f in shinfo.frags:
        if eat >= f.size:
            eat -= f.size
        elif eat:
            keep.append(skb_frag(f.page, f.offset + eat, f.size - eat))
            eat = 0
        else:
            keep.append(f)
    shinfo.frags = keep
    while eat:
        frag = shinfo.frag_list
        if frag is None:
            raise KernelBug("__pskb_pull_tail: frag_list shorter than data_len")
        if frag.len <= eat:
            eat -= frag.len
            shinfo.frag_list = frag.next
            frag.next = None
            consume_skb(frag)
        else:
            shinfo.frag_list = frag = _unshared_member(frag)
            _pskb_pull(frag, eat)
            eat = 0
    skb.tail += delta
    skb.data_len -= delta
    return skb.tail


def _pskb_pull(skb: sk_buff, length: int) -> None:
    """Kernel: include/linux/skbuff.h pskb_pull (pulls through paged data)."""
    headlen = skb.len - skb.data_len
    if length > headlen:
        __pskb_pull_tail(skb, length - headlen)
    __skb_pull(skb, length)


def pskb_pull(skb: sk_buff, length: int) -> int | None:
    """skb_pull that may first linearize what it pulls; None if `length > len`.

    Kernel: include/linux/skbuff.h pskb_pull.
    """
    if length > skb.len:
        return None
    _pskb_pull(skb, length)
    return skb.data


def pskb_may_pull(skb: sk_buff, length: int) -> bool:
    """Ensure the first `length` bytes are linear (header views may then be built).

    True if already so; False if the packet is shorter; otherwise pulls from frags (the head
    may be reallocated: re-read header offsets/views). Kernel: include/linux/skbuff.h.
    """
    if length <= skb.len - skb.data_len:
        return True
    if length > skb.len:
        return False
    return __pskb_pull_tail(skb, length - (skb.len - skb.data_len)) is not None


def skb_linearize(skb: sk_buff) -> int:
    """Make all data linear; 0 (or -ENOMEM). Kernel: include/linux/skbuff.h skb_linearize."""
    if skb.data_len and __pskb_pull_tail(skb, skb.data_len) is None:
        return -12
    return 0


def ___pskb_trim(skb: sk_buff, length: int) -> int:
    """Trim a possibly nonlinear skb to `length`; privatizes cloned data. Returns 0.

    Kernel: net/core/skbuff.c ___pskb_trim.
    """
    if skb_cloned(skb):
        pskb_expand_head(skb, 0, 0, GFP_ATOMIC)
    headlen = skb.len - skb.data_len
    shinfo = skb.shinfo
    if length <= headlen:
        shinfo.frags = []
        frag = shinfo.frag_list
        shinfo.frag_list = None
        kfree_skb_list(frag)
        skb.len = length
        skb.data_len = 0
        skb.tail = skb.data + length
        return 0
    pos = headlen
    keep: list[skb_frag] = []
    for f in shinfo.frags:
        if pos >= length:
            break
        keep.append(f if pos + f.size <= length
                    else skb_frag(f.page, f.offset, length - pos))
        pos += f.size
    shinfo.frags = keep
    pos = min(pos, length)
    prev: sk_buff | None = None
    frag = shinfo.frag_list
    while frag is not None:
        if pos >= length:
            if prev is None:
                shinfo.frag_list = None
            else:
                prev.next = None
            kfree_skb_list(frag)
            break
        if pos + frag.len > length:
            frag = _unshared_member(frag)
            if prev is None:
                shinfo.frag_list = frag
            else:
                prev.next = frag
            pskb_trim(frag, length - pos)
        pos += frag.len
        prev = frag
        frag = frag.next
    skb.len = length
    skb.data_len = length - headlen
    return 0


def __pskb_trim(skb: sk_buff, length: int) -> int:
    """Kernel: include/linux/skbuff.h __pskb_trim."""
    if skb.data_len:
        return ___pskb_trim(skb, length)
    __skb_trim(skb, length)
    return 0


def pskb_trim(skb: sk_buff, length: int) -> int:
    """Trim to `length` if longer, linear or not. Kernel: include/linux/skbuff.h pskb_trim."""
    return __pskb_trim(skb, length) if length < skb.len else 0


def skb_checksum(skb: sk_buff, offset: int, length: int, csum: int) -> int:
    """32-bit partial sum of packet bytes [offset, offset+length). Kernel: net/core/skbuff.c."""
    data = skb_copy_bits(skb, offset, length)
    if data is None:
        raise KernelBug(f"skb_checksum: range {offset}+{length} outside skb {skb.id}")
    return checksum.csum_partial(data, 0, length, csum)


def pskb_trim_rcsum(skb: sk_buff, length: int) -> int:
    """pskb_trim that keeps CHECKSUM_COMPLETE's csum right; -EINVAL if a PARTIAL checksum
    would be cut off. Kernel: net/core/skbuff.c pskb_trim_rcsum_slow.
    """
    if length >= skb.len:
        return 0
    if skb.ip_summed == checksum.CHECKSUM_COMPLETE:
        delta = skb.len - length
        skb.csum = checksum.csum_block_sub(skb.csum, skb_checksum(skb, length, delta, 0),
                                           length)
    elif skb.ip_summed == checksum.CHECKSUM_PARTIAL:
        hdlen = 0 if length > skb.len - skb.data_len else length
        offset = skb.csum_start - skb.data + skb.csum_offset + 2
        if offset > (hdlen or length):
            return -22
    return __pskb_trim(skb, length)


CHECKSUM_BREAK = 76


def skb_checksum_start_offset(skb: sk_buff) -> int:
    """csum_start relative to data. Kernel: include/linux/skbuff.h."""
    return skb.csum_start - skb.data


def skb_csum_unnecessary(skb: sk_buff) -> bool:
    """Checksum already known good. Kernel: include/linux/skbuff.h skb_csum_unnecessary."""
    return (skb.ip_summed == checksum.CHECKSUM_UNNECESSARY or bool(skb.csum_valid)
            or (skb.ip_summed == checksum.CHECKSUM_PARTIAL and skb.csum_start >= skb.data))


def netdev_rx_csum_fault(dev: Any, skb: sk_buff) -> None:
    """Hardware claimed a wrong CHECKSUM_COMPLETE sum. Kernel: net/core/dev.c."""
    name = dev.name if dev is not None else "<unknown>"
    printk.printk(current.current_kernel(), printk.KERN_ERR, f"{name}: hw csum failure")


def __skb_checksum_complete(skb: sk_buff) -> int:
    """Checksum the whole packet in software; 0 if it (with `skb.csum` as pseudo-sum) is good.

    Saves the full sum as CHECKSUM_COMPLETE unless shared. Kernel: net/core/skbuff.c.
    """
    csum = skb_checksum(skb, 0, skb.len, 0)
    total = checksum.csum_fold(checksum.csum_add(skb.csum, csum))
    if (not total and skb.ip_summed == checksum.CHECKSUM_COMPLETE
            and not skb.csum_complete_sw):
        netdev_rx_csum_fault(skb.dev, skb)
    if skb.users == 1:
        skb.csum = csum
        skb.ip_summed = checksum.CHECKSUM_COMPLETE
        skb.csum_complete_sw = 1
        skb.csum_valid = int(not total)
    return total


def skb_checksum_complete(skb: sk_buff) -> int:
    """0 if the checksum is good (or already verified). Kernel: include/linux/skbuff.h."""
    return 0 if skb_csum_unnecessary(skb) else __skb_checksum_complete(skb)


def __skb_decr_checksum_unnecessary(skb: sk_buff) -> None:
    """One CHECKSUM_UNNECESSARY level consumed. Kernel: include/linux/skbuff.h."""
    if skb.ip_summed == checksum.CHECKSUM_UNNECESSARY:
        if skb.csum_level == 0:
            skb.ip_summed = checksum.CHECKSUM_NONE
        else:
            skb.csum_level -= 1


def __skb_checksum_validate(skb: sk_buff, proto: int, complete: bool, zero_okay: bool,
                            check: int, compute_pseudo: Callable[[sk_buff, int], int]) -> int:
    """Validate a transport checksum: 0 if good or deferred, else the folded bad sum.

    Kernel: include/linux/skbuff.h __skb_checksum_validate (+ _needed, _complete).
    """
    skb.csum_valid = 0
    if skb_csum_unnecessary(skb) or (zero_okay and not check):
        skb.csum_valid = 1
        __skb_decr_checksum_unnecessary(skb)
        return 0
    psum = compute_pseudo(skb, proto)
    if (skb.ip_summed == checksum.CHECKSUM_COMPLETE
            and not checksum.csum_fold(checksum.csum_add(psum, skb.csum))):
        skb.csum_valid = 1
        return 0
    skb.csum = psum
    if complete or skb.len <= CHECKSUM_BREAK:
        total = __skb_checksum_complete(skb)
        skb.csum_valid = int(not total)
        return total
    return 0


def null_compute_pseudo(skb: sk_buff, proto: int) -> int:
    """No pseudo-header. Kernel: include/linux/skbuff.h null_compute_pseudo."""
    return 0


def skb_checksum_simple_validate(skb: sk_buff) -> int:
    """Full-packet check without pseudo-header (ICMP, IGMP). Kernel: include/linux/skbuff.h."""
    return __skb_checksum_validate(skb, 0, True, False, 0, null_compute_pseudo)


def skb_checksum_init_zero_check(skb: sk_buff, proto: int, check: int,
                                 compute_pseudo: Callable[[sk_buff, int], int]) -> int:
    """UDP's init: check 0 means none; long packets deferred. Kernel: include/linux/skbuff.h."""
    return __skb_checksum_validate(skb, proto, False, True, check, compute_pseudo)


def skb_postpull_rcsum(skb: sk_buff, start: int, length: int) -> None:
    """Keep csum right after pulling `length` bytes that started at offset `start`.

    Kernel: include/linux/skbuff.h skb_postpull_rcsum.
    """
    if skb.ip_summed == checksum.CHECKSUM_COMPLETE:
        skb.csum = checksum.csum_block_sub(
            skb.csum, checksum.csum_partial(skb.buf, start, length, 0), 0)
    elif skb.ip_summed == checksum.CHECKSUM_PARTIAL and skb.csum_start < skb.data:
        skb.ip_summed = checksum.CHECKSUM_NONE


def skb_pull_rcsum(skb: sk_buff, length: int) -> int:
    """Pull `length` linear bytes, fixing CHECKSUM_COMPLETE.

    Kernel: net/core/skbuff.c skb_pull_rcsum.
    """
    start = skb.data
    if length > skb.len - skb.data_len:
        raise KernelBug(f"skb_pull_rcsum: {length} > headlen of skb {skb.id}")
    skb.len -= length
    skb.data += length
    skb_postpull_rcsum(skb, start, length)
    return skb.data


# --- dst, socket ----------------------------------------------------------------------------


def skb_dst(skb: sk_buff) -> Any:
    """The skb's route (a dst_entry) or None. Kernel: include/linux/skbuff.h skb_dst."""
    return skb._skb_refdst


def skb_dst_set(skb: sk_buff, dst: Any) -> None:
    """Attach `dst`, handing our reference to the skb.

    Kernel: include/linux/skbuff.h skb_dst_set.
    """
    skb._skb_refdst = dst
    skb._skb_dst_noref = False


def skb_dst_set_noref(skb: sk_buff, dst: Any) -> None:
    """Attach `dst` without a reference (RCU-protected in the kernel).

    Kernel: include/linux/skbuff.h.
    """
    skb._skb_refdst = dst
    skb._skb_dst_noref = True


def skb_dst_is_noref(skb: sk_buff) -> bool:
    """Kernel: include/linux/skbuff.h skb_dst_is_noref."""
    return skb._skb_refdst is not None and skb._skb_dst_noref


def skb_dst_force(skb: sk_buff) -> bool:
    """Turn a noref dst into a referenced one. Kernel: include/net/dst.h skb_dst_force."""
    if skb._skb_dst_noref and skb._skb_refdst is not None:
        core_dst.dst_hold(skb._skb_refdst)
        skb._skb_dst_noref = False
    return skb._skb_refdst is not None


def skb_dst_drop(skb: sk_buff) -> None:
    """Detach the dst, releasing the reference if we held one. Kernel: include/net/dst.h."""
    dst = skb._skb_refdst
    if dst is not None:
        if not skb._skb_dst_noref:
            core_dst.dst_release(dst)
        skb._skb_refdst = None
        skb._skb_dst_noref = False


def skb_orphan(skb: sk_buff) -> None:
    """Run the destructor and forget the socket. Kernel: include/linux/skbuff.h skb_orphan."""
    if skb.destructor is not None:
        skb.destructor(skb)
        skb.destructor = None
        skb.sk = None
    elif skb.sk is not None:
        raise KernelBug(f"skb_orphan: skb {skb.id} has a socket but no destructor")


def skb_scrub_packet(skb: sk_buff, xnet: bool) -> None:
    """Forget per-path state before a frame enters another device (and, across namespaces,
    its mark). Kernel: net/core/skbuff.c skb_scrub_packet."""
    skb.tstamp = 0
    skb.pkt_type = if_packet.PACKET_HOST
    skb.skb_iif = 0
    skb.ignore_df = False
    if skb._skb_refdst is not None:
        skb_dst_drop(skb)
    if xnet:
        skb_orphan(skb)
        skb.mark = 0


# --- freeing --------------------------------------------------------------------------------


def _release_data(skb: sk_buff, reason: int) -> None:
    """Drop this skb's data reference; at zero free the frag_list with the same reason.

    Kernel: net/core/skbuff.c skb_release_data.
    """
    shinfo = skb.shinfo
    if skb.cloned:
        shinfo.dataref -= (1 << SKB_DATAREF_SHIFT) + 1 if skb.nohdr else 1
        if shinfo.dataref & SKB_DATAREF_MASK:
            return
    frag = shinfo.frag_list
    if frag is not None:
        shinfo.frag_list = None
        kfree_skb_list_reason(frag, reason)
    if shinfo.frags:
        shinfo.frags = []


def _free(k: Kernel, skb: sk_buff, site: str, reason: int) -> None:
    """skb_release_all + kfree_skbmem: dst, destructor, data, struct."""
    if skb._skb_refdst is not None:
        skb_dst_drop(skb)
    if skb.destructor is not None:
        skb.destructor(skb)
        skb.destructor = None
    _release_data(skb, reason)
    skb.users = 0
    cache: skbuff_head_cache = k.skbuff_head_cache
    cache.free_count += 1
    if cache.debug:
        cache.live.pop(skb.id, None)
        skb.free_site = site
        skb.__class__ = _freed_sk_buff


def _check_freed(skb: sk_buff, what: str) -> None:
    if type(skb) is _freed_sk_buff:
        skb_id = object.__getattribute__(skb, "id")
        site = object.__getattribute__(skb, "free_site")
        raise SkbUseAfterFree(f"double free: {what} of skb id {skb_id} already freed by {site}")


# The free path runs once per packet: enum member lookups cost ~0.15 us each on CPython
# 3.11, so the two hot reasons are looked up once here.
_CONSUMED = SKB_DROP_REASON.CONSUMED
_NOT_SPECIFIED = SKB_DROP_REASON.NOT_SPECIFIED


def __kfree_skb(skb: sk_buff) -> None:
    """Free now, ignoring `users` and without a tracepoint.

    Kernel: net/core/skbuff.c __kfree_skb.
    """
    k = current.current_kernel()
    if k.skbuff_head_cache.debug:
        _check_freed(skb, "__kfree_skb")
    _free(k, skb, _caller()[0] if k.skbuff_head_cache.debug else "", _NOT_SPECIFIED)


def kfree_skb_reason(skb: sk_buff | None, reason: int) -> None:
    """Drop one reference; the last one frees the skb and fires tracepoint `kfree_skb`
    (`consume_skb` if reason is SKB_CONSUMED) with location = the calling kernel function.

    Any context. Kernel: net/core/skbuff.c sk_skb_reason_drop / __kfree_skb_reason.
    """
    if skb is None:
        return
    k = current.current_kernel()
    cache: skbuff_head_cache = k.skbuff_head_cache
    if cache.debug:
        _check_freed(skb, "kfree_skb")
    if skb.users != 1:
        skb.users -= 1
        return
    trace = k.trace
    if reason == _CONSUMED:
        cache.consume_count += 1
        if trace.consume_skb is not TRACEPOINT_OFF:
            trace.consume_skb(skb, _caller()[0])
    else:
        cache.drop_count += 1
        if trace.kfree_skb is not TRACEPOINT_OFF:
            trace.kfree_skb(skb, _caller()[0], SKB_DROP_REASON(reason))
    _free(k, skb, _caller()[0] if cache.debug else "", reason)


def kfree_skb(skb: sk_buff | None) -> None:
    """kfree_skb_reason(NOT_SPECIFIED). Kernel: include/linux/skbuff.h kfree_skb."""
    kfree_skb_reason(skb, _NOT_SPECIFIED)


def consume_skb(skb: sk_buff | None) -> None:
    """Free after normal use (not a drop): tracepoint `consume_skb`. Kernel: net/core/skbuff.c."""
    kfree_skb_reason(skb, _CONSUMED)


def dev_kfree_skb(skb: sk_buff | None) -> None:
    """Kernel: include/linux/netdevice.h dev_kfree_skb = consume_skb."""
    kfree_skb_reason(skb, _CONSUMED)


def dev_kfree_skb_any(skb: sk_buff | None) -> None:
    """Free from any context, as a consume. Kernel: net/core/dev.c dev_kfree_skb_any_reason."""
    kfree_skb_reason(skb, _CONSUMED)


def dev_kfree_skb_irq(skb: sk_buff | None) -> None:
    """Free from hard-IRQ context (the kernel defers to NET_TX softirq; here immediate).

    Kernel: net/core/dev.c dev_kfree_skb_irq_reason.
    """
    kfree_skb_reason(skb, _CONSUMED)


def kfree_skb_list_reason(segs: sk_buff | None, reason: int) -> None:
    """Free a `next`-linked list of skbs. Kernel: net/core/skbuff.c kfree_skb_list_reason."""
    while segs is not None:
        nxt = segs.next
        segs.next = None
        kfree_skb_reason(segs, reason)
        segs = nxt


def kfree_skb_list(segs: sk_buff | None) -> None:
    """Kernel: include/linux/skbuff.h kfree_skb_list."""
    kfree_skb_list_reason(segs, SKB_DROP_REASON.NOT_SPECIFIED)


def skb_leak_report(k: Kernel) -> str:
    """kmemleak-style list of live skbs with allocation sites (needs `k.skb_debug`)."""
    cache: skbuff_head_cache | None = k.skbuff_head_cache
    if cache is None or not cache.debug:
        return "skb leak tracking is off (Kernel(skb_debug=True))\n"
    lines = [f"{len(cache.live)} live skb(s)"]
    for t in cache.live.values():
        s = t.skb
        lines.append(f"unreferenced object skb id {s.id} (len {s.len}, truesize {s.truesize}, "
                     f"users {s.users}): allocated at {t.ns} ns by {t.site()}")
    return "\n".join(lines) + "\n"


def print_hex_dump(k: Kernel, level: int, prefix_str: str, data: bytes) -> None:
    """16 bytes a row, offset prefix, no ASCII. Kernel: lib/hexdump.c (DUMP_PREFIX_OFFSET)."""
    for row in range(0, len(data), 16):
        chunk = data[row : row + 16]
        printk.printk(k, level, f"{prefix_str}{row:08x}: {chunk.hex(' ')}")


def skb_dump(level: int, skb: sk_buff, full_pkt: bool) -> None:
    """Print the skb's metadata and bytes to dmesg, as the kernel does for debugging.

    Fields skbuff does not model (tx_flags, sw_hash, vlan, inner headers) print as 0.
    Kernel: net/core/skbuff.c skb_dump.
    """
    k = current.current_kernel()
    sh = skb.shinfo
    length = skb.len if full_pkt else min(skb.len, 176 + 128)  # MAX_HEADER + 128
    headroom = skb.data
    tailroom = skb_tailroom(skb)
    has_mac = skb.mac_header != HEADER_UNSET
    has_trans = skb.transport_header != HEADER_UNSET
    text = (
        f"skb len={skb.len} headroom={headroom} headlen={skb.len - skb.data_len} "
        f"tailroom={tailroom}\n"
        f"mac=({skb.mac_header if has_mac else -1},"
        f"{skb_mac_header_len(skb) if has_mac else -1}) mac_len={skb.mac_len} "
        f"net=({skb.network_header},{skb_network_header_len(skb) if has_trans else -1}) "
        f"trans={skb.transport_header if has_trans else -1}\n"
        f"shinfo(txflags=0 nr_frags={len(sh.frags)} gso(size={sh.gso_size} "
        f"type={sh.gso_type} segs={sh.gso_segs}))\n"
        f"csum(0x{skb.csum:x} start={skb.csum_start} offset={skb.csum_offset} "
        f"ip_summed={skb.ip_summed} complete_sw={skb.csum_complete_sw} "
        f"valid={skb.csum_valid} level={skb.csum_level})\n"
        f"hash(0x{skb.hash:x} sw=0 l4=0) proto=0x{skb.protocol:04x} pkttype={skb.pkt_type} "
        f"iif={skb.skb_iif}\n"
        f"priority=0x{skb.priority:x} mark=0x{skb.mark:x} alloc_cpu=0 vlan_all=0x0\n"
        f"encapsulation=0 inner(proto=0x0000, mac=0, net=0, trans=0)"
    )
    for line in text.split("\n"):
        printk.printk(k, level, line)
    if skb.dev is not None:
        printk.printk(k, level, f"dev name={skb.dev.name} feat=0x{0:016x}")
    if full_pkt and headroom:
        print_hex_dump(k, level, "skb headroom: ", bytes(skb.buf[:headroom]))
    seg_len = min(skb.len - skb.data_len, length)
    if seg_len:
        print_hex_dump(k, level, "skb linear:   ", bytes(skb.buf[skb.data : skb.data + seg_len]))
    length -= seg_len
    if full_pkt and tailroom:
        print_hex_dump(k, level, "skb tailroom: ", bytes(skb.buf[skb.tail : skb.end]))
    for f in sh.frags:
        if not length:
            break
        seg_len = min(f.size, length)
        print_hex_dump(k, level, "skb frag:     ", bytes(f.page[f.offset : f.offset + seg_len]))
        length -= seg_len
    if full_pkt and sh.frag_list is not None:
        printk.printk(k, level, "skb fraglist:")
        frag: sk_buff | None = sh.frag_list
        while frag is not None:
            skb_dump(level, frag, True)
            frag = frag.next


# --- queues ---------------------------------------------------------------------------------


class sk_buff_head:
    """A doubly linked skb queue with a length. Kernel: include/linux/skbuff.h sk_buff_head.

    Python deque-backed: `next`/`prev` of queued skbs are not maintained.
    """

    __slots__ = ("q",)

    def __init__(self) -> None:
        self.q: deque[sk_buff] = deque()

    @property
    def qlen(self) -> int:
        """Number of queued skbs."""
        return len(self.q)


def skb_queue_head_init(list_: sk_buff_head) -> None:
    """Empty the queue head. Kernel: include/linux/skbuff.h skb_queue_head_init."""
    list_.q.clear()


def __skb_queue_tail(list_: sk_buff_head, newsk: sk_buff) -> None:
    """Append; the queue takes the caller's reference. Kernel: include/linux/skbuff.h."""
    list_.q.append(newsk)


def __skb_queue_head(list_: sk_buff_head, newsk: sk_buff) -> None:
    """Prepend; the queue takes the caller's reference. Kernel: include/linux/skbuff.h."""
    list_.q.appendleft(newsk)


def __skb_dequeue(list_: sk_buff_head) -> sk_buff | None:
    """Remove and return the head (the caller now owns it) or None.

    Kernel: include/linux/skbuff.h.
    """
    q = list_.q
    return q.popleft() if q else None


def __skb_dequeue_tail(list_: sk_buff_head) -> sk_buff | None:
    """Remove and return the tail or None. Kernel: include/linux/skbuff.h."""
    q = list_.q
    return q.pop() if q else None


def skb_peek(list_: sk_buff_head) -> sk_buff | None:
    """The head without removing it. Kernel: include/linux/skbuff.h skb_peek."""
    q = list_.q
    return q[0] if q else None


def skb_peek_tail(list_: sk_buff_head) -> sk_buff | None:
    """The tail without removing it. Kernel: include/linux/skbuff.h skb_peek_tail."""
    q = list_.q
    return q[-1] if q else None


def skb_queue_len(list_: sk_buff_head) -> int:
    """Kernel: include/linux/skbuff.h skb_queue_len."""
    return len(list_.q)


def skb_queue_empty(list_: sk_buff_head) -> bool:
    """Kernel: include/linux/skbuff.h skb_queue_empty."""
    return not list_.q


def __skb_unlink(skb: sk_buff, list_: sk_buff_head) -> None:
    """Remove `skb` from the queue. Kernel: include/linux/skbuff.h __skb_unlink."""
    list_.q.remove(skb)


def skb_queue_purge_reason(list_: sk_buff_head, reason: int) -> None:
    """Free every queued skb with `reason`. Kernel: net/core/skbuff.c skb_queue_purge_reason."""
    q = list_.q
    while q:
        kfree_skb_reason(q.popleft(), reason)


def skb_queue_purge(list_: sk_buff_head) -> None:
    """Free every queued skb (QUEUE_PURGE). Kernel: include/linux/skbuff.h skb_queue_purge."""
    skb_queue_purge_reason(list_, SKB_DROP_REASON.QUEUE_PURGE)


skb_queue_tail = __skb_queue_tail
skb_queue_head = __skb_queue_head
skb_dequeue = __skb_dequeue
skb_dequeue_tail = __skb_dequeue_tail
skb_unlink = __skb_unlink

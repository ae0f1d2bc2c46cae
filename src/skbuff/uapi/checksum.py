"""Internet checksums: the kernel's csum_* helpers and the skb `ip_summed` states.

Kernel: include/net/checksum.h, lib/checksum.c, include/asm-generic/checksum.h,
include/linux/skbuff.h (CHECKSUM_*). Convention: sums are over big-endian 16-bit words, so a
folded `__sum16` is stored with the header views' big-endian setters (`iph.check = ...`). A
32-bit `__wsum` is any value congruent to the one's-complement sum; `csum_fold` reduces it.
Summing uses `int.from_bytes` (2**16 = 1 mod 0xffff), not a per-byte loop.
"""

from __future__ import annotations

from typing import Union

CHECKSUM_NONE = 0
CHECKSUM_UNNECESSARY = 1
CHECKSUM_COMPLETE = 2
CHECKSUM_PARTIAL = 3

CSUM_MANGLED_0 = 0xFFFF

Buffer = Union[bytes, bytearray, memoryview]


def csum_partial(buf: Buffer, off: int, length: int, sum: int = 0) -> int:
    """32-bit one's-complement sum of `length` bytes at `off`, added to `sum`.

    Kernel: lib/checksum.c csum_partial (do_csum). An odd length pads a zero byte.
    """
    mv = memoryview(buf)[off : off + length]
    n = int.from_bytes(mv, "big")
    if length & 1:
        n <<= 8
    s = n % 0xFFFF
    if s == 0 and n:
        s = 0xFFFF
    total = sum + s
    return (total & 0xFFFFFFFF) + (total >> 32)


def csum_fold(csum: int) -> int:
    """Fold a 32-bit wsum to 16 bits and complement. Kernel: include/asm-generic/checksum.h."""
    s = (csum & 0xFFFF) + (csum >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def csum_unfold(n: int) -> int:
    """A `__sum16` as a wsum. Kernel: include/net/checksum.h csum_unfold."""
    return n


def csum_add(csum: int, addend: int) -> int:
    """One's-complement 32-bit add. Kernel: include/net/checksum.h csum_add."""
    res = csum + addend
    return (res & 0xFFFFFFFF) + (res >> 32)


def csum_sub(csum: int, addend: int) -> int:
    """One's-complement 32-bit subtract. Kernel: include/net/checksum.h csum_sub."""
    return csum_add(csum, ~addend & 0xFFFFFFFF)


def csum16_add(csum: int, addend: int) -> int:
    """One's-complement 16-bit add. Kernel: include/net/checksum.h csum16_add."""
    res = csum + addend
    return (res & 0xFFFF) + (res >> 16)


def csum16_sub(csum: int, addend: int) -> int:
    """One's-complement 16-bit subtract. Kernel: include/net/checksum.h csum16_sub."""
    return csum16_add(csum, ~addend & 0xFFFF)


def csum_shift(sum: int, offset: int) -> int:
    """A block's sum as seen at `offset` (odd offsets swap bytes: ror32 by 8). Kernel."""
    if offset & 1:
        return ((sum >> 8) | (sum << 24)) & 0xFFFFFFFF
    return sum


def csum_block_add(csum: int, csum2: int, offset: int) -> int:
    """Add the sum of a block that starts at `offset`. Kernel: include/net/checksum.h."""
    return csum_add(csum, csum_shift(csum2, offset))


def csum_block_sub(csum: int, csum2: int, offset: int) -> int:
    """Remove the sum of a block that starts at `offset`. Kernel: include/net/checksum.h."""
    return csum_add(csum, ~csum_shift(csum2, offset) & 0xFFFFFFFF)


def csum_replace4(check: int, old: int, new: int) -> int:
    """New `__sum16` after a 32-bit field changed from `old` to `new` (RFC 1624).

    Kernel: include/net/checksum.h csum_replace4 (returns instead of writing through *sum).
    """
    tmp = csum_sub(~check & 0xFFFF, old)
    return csum_fold(csum_add(tmp, new))


def csum_replace2(check: int, old: int, new: int) -> int:
    """New `__sum16` after a 16-bit field changed from `old` to `new` (RFC 1624 eqn. 3).

    Kernel: include/net/checksum.h csum_replace2 (returns instead of writing through *sum).
    """
    return ~csum16_add(csum16_sub(~check & 0xFFFF, old), new) & 0xFFFF


def csum_tcpudp_nofold(saddr: int, daddr: int, length: int, proto: int, sum: int) -> int:
    """Pseudo-header sum (addresses host-order ints). Kernel: asm-generic/checksum.h."""
    s = (sum + (saddr >> 16) + (saddr & 0xFFFF) + (daddr >> 16) + (daddr & 0xFFFF)
         + proto + length)
    s = (s & 0xFFFFFFFF) + (s >> 32)
    return (s & 0xFFFFFFFF) + (s >> 32)


def csum_tcpudp_magic(saddr: int, daddr: int, length: int, proto: int, sum: int) -> int:
    """Folded pseudo-header checksum. Kernel: include/asm-generic/checksum.h."""
    return csum_fold(csum_tcpudp_nofold(saddr, daddr, length, proto, sum))


def ip_fast_csum(buf: Buffer, off: int, ihl: int) -> int:
    """Checksum of an IPv4 header of `ihl` words: 0 when the stored check is right.

    Kernel: include/asm-generic/checksum.h ip_fast_csum.
    """
    # csum_fold(csum_partial(...)) folded into one step (the per-packet receive check):
    # the sum of 16-bit words is n mod 0xffff, represented as 0xffff when n is non-zero.
    n = int.from_bytes(buf[off : off + ihl * 4], "big")
    s = n % 0xFFFF
    return 0xFFFF - s if s or not n else 0


def ip_compute_csum(buf: Buffer, off: int, length: int) -> int:
    """Folded checksum of a buffer (ICMP). Kernel: lib/checksum.c ip_compute_csum."""
    return csum_fold(csum_partial(buf, off, length, 0))

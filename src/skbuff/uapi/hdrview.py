"""Zero-copy header views: typed fields over a byte buffer at an offset (smoltcp style).

A view is `(buf, off)`; each field is a descriptor with its byte range as a constant that reads
and writes the buffer in network order. Construction checks the buffer is long enough for the
fixed header. A view over a read-only buffer (what `ip_hdr(skb)` hands out for a cloned header
under `k.skb_debug`) raises `KernelBug` on write: the caller forgot `skb_cow`.
"""

from __future__ import annotations

import struct
from typing import Any, ClassVar, Union

from skbuff.kernel.bug import KernelBug

Buffer = Union[bytearray, memoryview]


def _readonly(view: hdrview, field: str) -> KernelBug:
    return KernelBug(f"write to {type(view).__name__}.{field} at offset {view.off}: the skb "
                     "header is cloned (shared); call skb_cow/skb_cow_head before writing")


class hdrview:
    """Base of the header views: `buf`, `off`, a length check against `LEN`."""

    __slots__ = ("buf", "off")
    LEN: ClassVar[int] = 0

    def __init__(self, buf: Buffer, off: int = 0) -> None:
        if off < 0 or len(buf) - off < self.LEN:
            raise ValueError(f"{type(self).__name__}: {len(buf) - off} bytes at offset {off}, "
                             f"need {self.LEN}")
        self.buf = buf
        self.off = off

    def bytes(self) -> bytes:
        """The fixed header's bytes."""
        return bytes(self.buf[self.off : self.off + self.LEN])


class u8:
    """An 8-bit field at a constant offset."""

    __slots__ = ("name", "pos")

    def __init__(self, pos: int) -> None:
        self.pos = pos
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: Any = None) -> int:
        return obj.buf[obj.off + self.pos]

    def __set__(self, obj: Any, value: int) -> None:
        try:
            obj.buf[obj.off + self.pos] = value
        except TypeError:
            raise _readonly(obj, self.name) from None


class _packed:
    __slots__ = ("name", "pack", "pos", "unpack")
    FMT: ClassVar[str] = ""

    def __init__(self, pos: int) -> None:
        s = struct.Struct(self.FMT)
        self.pos = pos
        self.pack = s.pack_into
        self.unpack = s.unpack_from
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: Any = None) -> int:
        return self.unpack(obj.buf, obj.off + self.pos)[0]

    def __set__(self, obj: Any, value: int) -> None:
        try:
            self.pack(obj.buf, obj.off + self.pos, value)
        except TypeError:
            raise _readonly(obj, self.name) from None


class be16(_packed):
    """A 16-bit network-order field, presented as a host int."""

    __slots__ = ()
    FMT = "!H"


class be32(_packed):
    """A 32-bit network-order field (addresses: host-order ints)."""

    __slots__ = ()
    FMT = "!I"


class nibble:
    """High (`shift=4`) or low (`shift=0`) half of a byte."""

    __slots__ = ("name", "pos", "shift")

    def __init__(self, pos: int, shift: int) -> None:
        self.pos = pos
        self.shift = shift
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: Any = None) -> int:
        return (obj.buf[obj.off + self.pos] >> self.shift) & 0xF

    def __set__(self, obj: Any, value: int) -> None:
        i = obj.off + self.pos
        keep = obj.buf[i] & (0x0F if self.shift else 0xF0)
        try:
            obj.buf[i] = keep | ((value & 0xF) << self.shift)
        except TypeError:
            raise _readonly(obj, self.name) from None


class octets:
    """A fixed-length byte string field (MAC addresses)."""

    __slots__ = ("name", "pos", "size")

    def __init__(self, pos: int, size: int) -> None:
        self.pos = pos
        self.size = size
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, objtype: Any = None) -> bytes:
        i = obj.off + self.pos
        return bytes(obj.buf[i : i + self.size])

    def __set__(self, obj: Any, value: bytes | bytearray) -> None:
        if len(value) != self.size:
            raise ValueError(f"{self.name}: need {self.size} bytes, got {len(value)}")
        i = obj.off + self.pos
        try:
            obj.buf[i : i + self.size] = value
        except TypeError:
            raise _readonly(obj, self.name) from None

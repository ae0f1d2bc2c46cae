"""pcapng writer: captured frames to a file Wireshark/tshark/tcpdump read.

Format: draft-ietf-opsawg-pcapng (Section Header Block, Interface Description Block,
Enhanced Packet Block), little-endian. Timestamps are the *simulated* clock (ns since boot,
shown by readers as seconds since the epoch), in ns (`if_tsresol` 9) or µs (6). This is an
edge module: it writes bytes to a file object the caller opened.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from skbuff.net.packet.af_packet import packet_record

LINKTYPE_ETHERNET = 1
BT_SHB = 0x0A0D0D0A
BT_IDB = 0x00000001
BT_EPB = 0x00000006
BYTE_ORDER_MAGIC = 0x1A2B3C4D
OPT_ENDOFOPT = 0
SHB_USERAPPL = 4
IF_NAME = 2
IF_DESCRIPTION = 3
IF_TSRESOL = 9
EPB_FLAGS = 2
EPB_FLAG_INBOUND = 0x1
EPB_FLAG_OUTBOUND = 0x2


def _pad4(b: bytes) -> bytes:
    return b + bytes(-len(b) % 4)


def _options(opts: list[tuple[int, bytes]]) -> bytes:
    if not opts:
        return b""
    out = b"".join(struct.pack("<HH", code, len(v)) + _pad4(v) for code, v in opts)
    return out + struct.pack("<HH", OPT_ENDOFOPT, 0)


def _block(block_type: int, body: bytes) -> bytes:
    total = 12 + len(body)
    return struct.pack("<II", block_type, total) + body + struct.pack("<I", total)


class pcapng_writer:
    """Writes one section: the SHB now, an IDB per `interface()` call, an EPB per `packet()`.

    `tsresol_ns` picks ns (default) or µs timestamps for every interface.
    """

    __slots__ = ("fp", "interfaces", "packets", "tsresol_ns")

    def __init__(self, fp: BinaryIO, tsresol_ns: bool = True,
                 userappl: str = "skbuff (simulated time)") -> None:
        self.fp = fp
        self.tsresol_ns = tsresol_ns
        self.interfaces = 0
        self.packets = 0
        body = struct.pack("<IHHq", BYTE_ORDER_MAGIC, 1, 0, -1)
        fp.write(_block(BT_SHB, body + _options([(SHB_USERAPPL, userappl.encode())])))

    def interface(self, name: str, description: str = "", linktype: int = LINKTYPE_ETHERNET,
                  snaplen: int = 0) -> int:
        """Describe an interface; returns its id for `packet()`."""
        opts = [(IF_NAME, name.encode())]
        if description:
            opts.append((IF_DESCRIPTION, description.encode()))
        opts.append((IF_TSRESOL, bytes([9 if self.tsresol_ns else 6])))
        body = struct.pack("<HHI", linktype, 0, snaplen) + _options(opts)
        self.fp.write(_block(BT_IDB, body))
        self.interfaces += 1
        return self.interfaces - 1

    def packet(self, if_id: int, tstamp_ns: int, data: bytes, orig_len: int,
               outgoing: bool | None = None) -> None:
        """One Enhanced Packet Block; `outgoing` sets the direction flag when known."""
        ts = tstamp_ns if self.tsresol_ns else tstamp_ns // 1000
        opts = []
        if outgoing is not None:
            flags = EPB_FLAG_OUTBOUND if outgoing else EPB_FLAG_INBOUND
            opts.append((EPB_FLAGS, struct.pack("<I", flags)))
        body = struct.pack("<IIIII", if_id, ts >> 32, ts & 0xFFFFFFFF, len(data), orig_len)
        self.fp.write(_block(BT_EPB, body + _pad4(data) + _options(opts)))
        self.packets += 1


def pcapng_write_records(fp: BinaryIO, records: Iterable[packet_record],
                         tsresol_ns: bool = True) -> pcapng_writer:
    """Write captured `records` (af_packet taps): one IDB per device, named as the device
    (with "netns NAME" as its description outside init_net), in order of first appearance."""
    w = pcapng_writer(fp, tsresol_ns)
    ids: dict[tuple[str, int], int] = {}
    for r in records:
        key = (r.netns, r.ifindex)
        if_id = ids.get(key)
        if if_id is None:
            if_id = ids[key] = w.interface(r.ifname, f"netns {r.netns}" if r.netns else "")
        w.packet(if_id, r.tstamp_ns, r.data, r.orig_len, r.outgoing)
    return w

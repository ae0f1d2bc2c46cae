"""Address text helpers: dotted quads and MAC addresses.

Kernel: net/core/utils.c in_aton, lib/vsprintf.c (`%pI4`, `%pM`). IPv4 addresses are host-order
ints throughout skbuff (the header views convert at the wire).
"""

from __future__ import annotations

_HEX = "0123456789abcdefABCDEF"


def in_aton(s: str) -> int:
    """Dotted quad to a host-order int; like the kernel, missing or bad parts count as 0.

    Kernel: net/core/utils.c in_aton (which returns network order; ours is host order).
    """
    value = 0
    parts = s.split(".")
    for i in range(4):
        part = parts[i] if i < len(parts) else ""
        digits = "".join(c for c in part if c.isdigit()) if part else ""
        value = (value << 8) | (int(digits) & 0xFF if digits else 0)
    return value


def ntoa(addr: int) -> str:
    """Host-order int to dotted quad, as `%pI4` prints."""
    return f"{addr >> 24 & 0xFF}.{addr >> 16 & 0xFF}.{addr >> 8 & 0xFF}.{addr & 0xFF}"


def mac_pton(s: str) -> bytes | None:
    """`aa:bb:cc:dd:ee:ff` to 6 bytes, None if malformed. Kernel: lib/net_utils.c mac_pton."""
    if len(s) != 17:
        return None
    out = bytearray()
    for i in range(6):
        chunk = s[3 * i : 3 * i + 2]
        if i < 5 and s[3 * i + 2] != ":":
            return None
        if len(chunk) != 2 or not all(c in _HEX for c in chunk):
            return None
        out.append(int(chunk, 16))
    return bytes(out)


def format_mac(addr: bytes | bytearray) -> str:
    """MAC as `%pM` prints it (lower-case, colon separated)."""
    return ":".join(f"{b:02x}" for b in addr)

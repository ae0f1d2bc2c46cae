"""The pcap-filter(7) subset `tcpdump` takes, compiled to a Python predicate over a frame.

Grammar (libpcap gencode.c/grammar.y semantics): primitives `[src|dst] host ADDR`,
`[src|dst] net ADDR[/LEN]`, `[src|dst] port N`, `[ip|udp|tcp] ...` qualifiers, protocols
`ip`, `arp`, `icmp`, `udp`, `tcp`, `ether host MAC`; `not`/`!`, `and`/`&&`, `or`/`||` (same
precedence, left-associative, as libpcap), parentheses, and a bare ID after and/or reuses the
previous qualifiers (`host 10.0.0.1 or 10.0.0.2`). `host` and `net` match IPv4 and ARP
addresses; `port` matches UDP/TCP first fragments.

Frames are Ethernet (link-type EN10MB) bytes; `compile_filter(text)` returns the predicate or
raises `FilterError` with libpcap's message.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from skbuff.uapi.if_ether import ETH_P_ARP, ETH_P_IP

Predicate = Callable[[bytes], bool]

PROTOS = {"icmp": 1, "tcp": 6, "udp": 17}
_TOKEN = re.compile(r"\s*(&&|\|\||[()!]|[^\s()!]+)")


class FilterError(Exception):
    """A filter libpcap would refuse; str() is the message after "tcpdump: "."""


def _ethertype(f: bytes) -> int:
    return (f[12] << 8 | f[13]) if len(f) >= 14 else -1


def _ip_field(f: bytes, off: int) -> int:
    return int.from_bytes(f[14 + off:18 + off], "big")


def _is_ip(f: bytes) -> bool:
    return _ethertype(f) == ETH_P_IP and len(f) >= 34


def _is_arp(f: bytes) -> bool:
    return _ethertype(f) == ETH_P_ARP and len(f) >= 42


def _addr_pred(dirq: str, match: Callable[[int], bool]) -> Predicate:
    """IPv4 saddr/daddr, ARP spa/tpa (pcap's host/net over ip and arp)."""
    def pred(f: bytes) -> bool:
        if _is_ip(f):
            s, d = _ip_field(f, 12), _ip_field(f, 16)
        elif _is_arp(f):
            s, d = int.from_bytes(f[28:32], "big"), int.from_bytes(f[38:42], "big")
        else:
            return False
        if dirq == "src":
            return match(s)
        if dirq == "dst":
            return match(d)
        if dirq == "src and dst":
            return match(s) and match(d)
        return match(s) or match(d)
    return pred


def _port_pred(dirq: str, proto: int | None, port: int) -> Predicate:
    def pred(f: bytes) -> bool:
        if not _is_ip(f):
            return False
        p = f[23]
        if p not in (6, 17) or (proto is not None and p != proto):
            return False
        if int.from_bytes(f[20:22], "big") & 0x1FFF:
            return False
        th = 14 + (f[14] & 0x0F) * 4
        if len(f) < th + 4:
            return False
        s, d = int.from_bytes(f[th:th + 2], "big"), int.from_bytes(f[th + 2:th + 4], "big")
        if dirq == "src":
            return s == port
        if dirq == "dst":
            return d == port
        if dirq == "src and dst":
            return s == port and d == port
        return port in (s, d)
    return pred


def _proto_pred(name: str) -> Predicate:
    if name == "ip":
        return _is_ip
    if name == "arp":
        return _is_arp
    num = PROTOS[name]
    return lambda f: _is_ip(f) and f[23] == num


def _parse_ipv4(text: str) -> int | None:
    parts = text.split(".")
    if not 1 <= len(parts) <= 4 or not all(p.isdigit() and int(p) < 256 for p in parts):
        return None
    val = 0
    for p in parts:
        val = val << 8 | int(p)
    return val << 8 * (4 - len(parts))


def _parse_mac(text: str) -> bytes | None:
    parts = re.split("[:.-]", text)
    if len(parts) != 6 or not all(re.fullmatch("[0-9a-fA-F]{1,2}", p) for p in parts):
        return None
    return bytes(int(p, 16) for p in parts)


class _Parser:
    """Recursive descent over the token list; `quals` are the last primitive's qualifiers."""

    def __init__(self, text: str) -> None:
        self.toks = [m.group(1) for m in _TOKEN.finditer(text)]
        self.i = 0
        self.quals: tuple[str, str, str] = ("", "", "host")

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise FilterError("can't parse filter expression: syntax error")
        self.i += 1
        return tok

    def expr(self) -> Predicate:
        left = self.unary()
        while self.peek() in ("and", "&&", "or", "||"):
            op = self.take()
            right = self.unary(continuation=True)
            left = _and(left, right) if op in ("and", "&&") else _or(left, right)
        return left

    def unary(self, continuation: bool = False) -> Predicate:
        tok = self.peek()
        if tok in ("not", "!"):
            self.take()
            inner = self.unary(continuation)
            return lambda f: not inner(f)
        if tok == "(":
            self.take()
            inner = self.expr()
            if self.take() != ")":
                raise FilterError("can't parse filter expression: syntax error")
            return inner
        return self.primitive(continuation)

    def primitive(self, continuation: bool) -> Predicate:
        proto = dirq = kind = ""
        tok = self.take()
        if tok in ("ether", "ip", "arp", "icmp", "udp", "tcp"):
            proto = tok
            nxt = self.peek()
            if nxt not in ("src", "dst", "host", "net", "port"):
                if proto == "ether":
                    raise FilterError("can't parse filter expression: syntax error")
                self.quals = (proto, "", "")
                return _proto_pred(proto)
            tok = self.take()
        if tok in ("src", "dst"):
            dirq = tok
            if self.peek() in ("and", "or") and self.i + 1 < len(self.toks) and \
                    self.toks[self.i + 1] == ("dst" if tok == "src" else "src"):
                self.i += 2
                dirq = "src and dst" if self.toks[self.i - 2] == "and" else ""
            tok = self.take()
        if tok in ("host", "net", "port"):
            kind = tok
            tok = self.take()
        elif not (proto or dirq):
            if not continuation or not self.quals[2]:
                raise FilterError("can't parse filter expression: syntax error")
            proto, dirq, kind = self.quals
        kind = kind or "host"
        if tok in ("(", ")", "and", "or", "not", "&&", "||", "!"):
            raise FilterError("can't parse filter expression: syntax error")
        self.quals = (proto, dirq, kind)
        return self.value(proto, dirq, kind, tok)

    def value(self, proto: str, dirq: str, kind: str, tok: str) -> Predicate:
        if proto == "ether":
            mac = _parse_mac(tok)
            if mac is None or kind != "host":
                raise FilterError(f"bogus ethernet address {tok}")
            return _ether_pred(dirq, mac)
        if kind == "port":
            if not tok.isdigit():
                raise FilterError(f"unknown port '{tok}'")
            port = int(tok)
            if port > 65535:
                raise FilterError(f"illegal port number {port} > 65535")
            if proto in ("ip", "arp", "icmp"):
                raise FilterError(f"port applied to non-port protocol {proto}")
            return _port_pred(dirq, PROTOS.get(proto), port)
        if kind == "net":
            addr_text, _, bits = tok.partition("/")
            addr = _parse_ipv4(addr_text)
            if addr is None or (bits and not (bits.isdigit() and int(bits) <= 32)):
                raise FilterError("can't parse filter expression: syntax error")
            plen = int(bits) if bits else 8 * len(addr_text.split("."))
            mask = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF
            if addr & ~mask & 0xFFFFFFFF:
                raise FilterError("non-network bits set in \"" + tok + "\"")
            pred = _addr_pred(dirq, lambda a: a & mask == addr)
        else:
            if tok.count(".") != 3:
                raise FilterError(f"unknown host '{tok}'")
            host = _parse_ipv4(tok)
            if host is None:
                raise FilterError(f"unknown host '{tok}'")
            pred = _addr_pred(dirq, lambda a: a == host)
        if proto in ("ip", "arp"):
            base = _proto_pred(proto)
            return lambda f: base(f) and pred(f)
        return pred


def _and(a: Predicate, b: Predicate) -> Predicate:
    return lambda f: a(f) and b(f)


def _or(a: Predicate, b: Predicate) -> Predicate:
    return lambda f: a(f) or b(f)


def _ether_pred(dirq: str, mac: bytes) -> Predicate:
    def pred(f: bytes) -> bool:
        d, s = f[0:6], f[6:12]
        if dirq == "src":
            return s == mac
        if dirq == "dst":
            return d == mac
        return mac in (s, d)
    return pred


def compile_filter(text: str) -> Predicate:
    """The predicate for `text` (empty: every frame). Raises FilterError."""
    if not text.strip():
        return lambda f: True
    p = _Parser(text)
    pred = p.expr()
    if p.peek() is not None:
        raise FilterError("can't parse filter expression: syntax error")
    return pred

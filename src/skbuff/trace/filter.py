"""Which packets and steps a journey shows: a pcap-filter subset plus skbuff's context terms.

pcap-filter(7) terms: `[src|dst] host ADDR`, a bare `[src|dst] ADDR`, `[src|dst] net
ADDR/LEN` (or `net ADDR mask MASK`), `[src|dst] port N`, `ip`, `arp`, `icmp`, `udp`, `tcp`,
`[ip] proto N|icmp|udp|tcp`, combined with `and`/`&&`, `or`/`||`, `not`/`!` and parentheses
(precedence not > and > or, left to right). skbuff adds context terms: `netns NAME` ("" or
`init_net` for the initial namespace), `dev NAME` and `func GLOB` (the traced function).

A filter is evaluated per traced step against a `FilterSubject`: the step's context and the
packet's flow key (see journey.py: the key a packet lineage had when first parsed, so a
packet keeps matching after its headers are pulled or fragmented).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from typing import Protocol

from skbuff.uapi.in_ import IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP

L3_IP = "ip"
L3_ARP = "arp"

PROTO_NAMES: dict[str, int] = {"icmp": IPPROTO_ICMP, "tcp": IPPROTO_TCP, "udp": IPPROTO_UDP}


class FilterSubject(Protocol):
    """What a filter reads (journey.skb_event provides it)."""

    l3: str
    proto: int
    saddr: int
    daddr: int
    sport: int
    dport: int
    netns: str
    dev: str
    func: str


class FilterError(ValueError):
    """A filter that does not parse; the text is tcpdump's wording."""


Pred = Callable[[FilterSubject], bool]


def _aton(text: str) -> int | None:
    parts = text.split(".")
    if len(parts) != 4 or not all(p.isdigit() and int(p) < 256 for p in parts):
        return None
    a, b, c, d = (int(p) for p in parts)
    return a << 24 | b << 16 | c << 8 | d


class _Parser:
    """Recursive descent over the whitespace/paren-split tokens."""

    def __init__(self, text: str) -> None:
        spaced = text.replace("(", " ( ").replace(")", " ) ")
        self.toks = spaced.replace("!", " ! ").split()
        self.i = 0

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise FilterError("syntax error in filter expression: unexpected end")
        self.i += 1
        return tok

    def parse(self) -> Pred:
        pred = self.or_expr()
        if self.peek() is not None:
            raise FilterError(f"syntax error in filter expression near '{self.peek()}'")
        return pred

    def or_expr(self) -> Pred:
        left = self.and_expr()
        while self.peek() in ("or", "||"):
            self.take()
            right = self.and_expr()
            left = (lambda a, b: lambda s: a(s) or b(s))(left, right)
        return left

    def and_expr(self) -> Pred:
        left = self.not_expr()
        while self.peek() in ("and", "&&"):
            self.take()
            right = self.not_expr()
            left = (lambda a, b: lambda s: a(s) and b(s))(left, right)
        return left

    def not_expr(self) -> Pred:
        if self.peek() in ("not", "!"):
            self.take()
            inner = self.not_expr()
            return lambda s: not inner(s)
        if self.peek() == "(":
            self.take()
            pred = self.or_expr()
            if self.take() != ")":
                raise FilterError("syntax error in filter expression: missing ')'")
            return pred
        return self.term()

    def term(self) -> Pred:
        tok = self.take()
        if tok in ("netns", "dev", "func"):
            return _context_term(tok, self.take())
        direction = ""
        if tok in ("src", "dst"):
            direction, tok = tok, self.take()
        if tok == "host":
            return _host_term(direction, self.addr(self.take()))
        if tok == "net":
            return self.net_term(direction)
        if tok == "port":
            port = self.take()
            if not port.isdigit() or int(port) > 65535:
                raise FilterError(f"illegal port number {port}")
            return _port_term(direction, int(port))
        if direction:
            return _host_term(direction, self.addr(tok))
        if tok == L3_IP and self.peek() == "proto":
            self.take()
            return self.proto_term()
        if tok == "proto":
            return self.proto_term()
        if tok in PROTO_NAMES:
            num = PROTO_NAMES[tok]
            return lambda s: s.l3 == L3_IP and s.proto == num
        if tok in (L3_IP, L3_ARP):
            return lambda s: s.l3 == tok
        if _aton(tok) is not None:
            return _host_term("", self.addr(tok))
        raise FilterError(f"syntax error in filter expression near '{tok}'")

    def addr(self, tok: str) -> int:
        a = _aton(tok)
        if a is None:
            raise FilterError(f"invalid address '{tok}'")
        return a

    def net_term(self, direction: str) -> Pred:
        tok = self.take()
        if "/" in tok:
            addr_s, plen_s = tok.split("/", 1)
            if not plen_s.isdigit() or int(plen_s) > 32:
                raise FilterError(f"mask length must be <= 32: {tok}")
            plen = int(plen_s)
            mask = (0xFFFFFFFF << (32 - plen)) & 0xFFFFFFFF
            addr = self.addr(addr_s)
        else:
            addr = self.addr(tok)
            if self.peek() != "mask":
                raise FilterError(f"net {tok}: give a prefix length or a mask")
            self.take()
            mask = self.addr(self.take())
        if addr & ~mask & 0xFFFFFFFF:
            raise FilterError(f"non-network bits set in \"{tok}\"")
        net = addr & mask
        if direction == "src":
            return lambda s: s.l3 != "" and s.saddr & mask == net
        if direction == "dst":
            return lambda s: s.l3 != "" and s.daddr & mask == net
        return lambda s: s.l3 != "" and (s.saddr & mask == net or s.daddr & mask == net)

    def proto_term(self) -> Pred:
        tok = self.take()
        num = PROTO_NAMES.get(tok, int(tok) if tok.isdigit() else -1)
        if not 0 <= num <= 255:
            raise FilterError(f"unknown ip proto '{tok}'")
        return lambda s: s.l3 == L3_IP and s.proto == num


def _host_term(direction: str, addr: int) -> Pred:
    if direction == "src":
        return lambda s: s.l3 != "" and s.saddr == addr
    if direction == "dst":
        return lambda s: s.l3 != "" and s.daddr == addr
    return lambda s: s.l3 != "" and (s.saddr == addr or s.daddr == addr)


def _port_term(direction: str, port: int) -> Pred:
    def has_ports(s: FilterSubject) -> bool:
        return s.l3 == L3_IP and s.proto in (IPPROTO_UDP, IPPROTO_TCP)

    if direction == "src":
        return lambda s: has_ports(s) and s.sport == port
    if direction == "dst":
        return lambda s: has_ports(s) and s.dport == port
    return lambda s: has_ports(s) and (s.sport == port or s.dport == port)


def _context_term(kind: str, value: str) -> Pred:
    if kind == "netns":
        want = "" if value == "init_net" else value
        return lambda s: s.netns == want
    if kind == "dev":
        return lambda s: s.dev == value
    return lambda s: fnmatch.fnmatchcase(s.func, value)


class Filter:
    """A compiled filter; `Filter("")` matches everything."""

    __slots__ = ("_pred", "text")

    def __init__(self, text: str) -> None:
        self.text = text.strip()
        self._pred: Pred | None = _Parser(self.text).parse() if self.text else None

    @property
    def matches_all(self) -> bool:
        """True for the empty filter (callers may skip building a subject)."""
        return self._pred is None

    def match(self, subject: FilterSubject) -> bool:
        return self._pred is None or self._pred(subject)

"""Scenario areas for what IPv4 sends: corked UDP datagrams (MSG_MORE, UDP_CORK) and the
fragments the frag_list fast path makes of them, /proc/net/udp, and IP options echoed in
ICMP replies and errors (record route, timestamps, source routes reversed).

Both sides run the same steps (see `scenarios.run_steps`); frames are crafted and sent with a
packet socket on the real side and `dev_queue_xmit` on skbuff's, and observed on the wire.
Kernel: net/ipv4/udp.c udp_sendmsg, net/ipv4/ip_output.c __ip_append_data/ip_do_fragment,
net/ipv4/ip_options.c __ip_options_echo/ip_options_build, net/ipv4/icmp.c icmp_reply/__icmp_send.
"""

from __future__ import annotations

import errno
import json
import random
import re
import socket
import struct
from typing import Any

from skbuff.uapi.socket import MSG_MORE
from tests.conformance.harness import Comparison
from tests.conformance.scenarios import Side, Step, _frames_text, run_steps

SOL_UDP = 17
UDP_CORK = 1
IP_MTU_DISCOVER = 10
H1, H1B, H2 = "10.6.0.1", "10.6.0.3", "10.6.0.2"


def _aton(a: str) -> int:
    return int.from_bytes(socket.inet_aton(a), "big")


def _pair(mtu: int) -> list[Step]:
    return [
        "ip netns add h1", "ip netns add h2",
        "ip -n h1 link add e0 type veth peer name e1 netns h2",
        f"ip -n h1 link set e0 mtu {mtu}", f"ip -n h2 link set e1 mtu {mtu}",
        f"ip -n h1 addr add {H1}/24 dev e0", f"ip -n h1 addr add {H1B}/24 dev e0",
        f"ip -n h2 addr add {H2}/24 dev e1",
        "ip -n h1 link set lo up", "ip -n h2 link set lo up",
        "ip -n h1 link set e0 up", "ip -n h2 link set e1 up",
    ]


def proc_udp_shape(text: str) -> str:
    """/proc/net/udp with what is random or allocator-sized replaced: the hash slot (the
    namespace's random hash_mix), inode numbers, hashed pointers, non-zero queue bytes (skb
    truesize). Every line keeps its padding to 127 columns."""
    out = []
    for line in text.splitlines():
        m = re.match(r"^( *\d+): (\S+) (\S+) (\S\S) ([0-9A-F]{8}):([0-9A-F]{8}) (.*) (\d+) (\d+) "
                     r"([0-9a-f]{16}) (\d+)( *)$", line)
        if m is None:
            out.append(f"{line}|{len(line)}")
            continue
        tx, rx = (q if q == "0" * 8 else "<n>" for q in (m[5], m[6]))
        out.append(f"<sl>: {m[2]} {m[3]} {m[4]} {tx}:{rx} {m[7]} <ino> {m[9]} <ptr> {m[11]}"
                   f"|{len(line)}")
    return "\n".join(out) + "\n"


def cork_steps(seed: int) -> list[Step]:
    """h1 sends one datagram in pieces (MSG_MORE on all but the last, or between UDP_CORK on
    and off) to h2 over a link of a random MTU; h2 sees the frames, the socket the data."""
    rng = random.Random(seed)
    mtu = rng.choice((576, 1000, 1280, 1500, 9000))
    mode = rng.choice(("more", "cork"))
    pmtudisc = rng.choice((0, 1, 2))  # DONT, WANT, DO
    pieces = [rng.choice((0, rng.randrange(1, 200), rng.randrange(200, 3000), mtu - 28))
              for _ in range(rng.randrange(1, 5))]
    state: dict[str, Any] = {}

    def send(side: Side) -> str:
        cap = side.capture("h2", "e1")
        rx = side.socket("h2", socket.SOCK_DGRAM, 0)
        rx.bind((H2, 6000))
        tx = side.socket("h1", socket.SOCK_DGRAM, 0)
        tx.bind((H1, 5000))
        tx.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, pmtudisc)
        state["tx"] = tx
        results = []
        if mode == "cork":
            tx.setsockopt(SOL_UDP, UDP_CORK, 1)
        for i, size in enumerate(pieces):
            flags = MSG_MORE if mode == "more" and i < len(pieces) - 1 else 0
            try:
                results.append(str(tx.sendto(bytes([65 + i]) * size, flags, (H2, 6000))))
            except OSError as e:
                results.append(errno.errorcode[e.errno or 0])
        state["corked"] = side.backend.run("ip netns exec h1 cat /proc/net/udp").stdout
        if mode == "cork":
            tx.setsockopt(SOL_UDP, UDP_CORK, 0)
        side.settle(0.3)
        state["queued"] = side.backend.run("ip netns exec h2 cat /proc/net/udp").stdout
        got = []
        while True:
            try:
                got.append(len(rx.recvfrom(65535, socket.MSG_DONTWAIT)[0]))
            except OSError:
                break
        return (f"mtu={mtu} mode={mode} pmtudisc={pmtudisc} pieces={pieces} sends={results} "
                f"received={got}\n" + _frames_text(cap.frames()))

    return [*_pair(mtu), ("send", send),
            ("/proc/net/udp while corked", lambda side: proc_udp_shape(state["corked"])),
            ("h2's /proc/net/udp, datagram queued",
             lambda side: proc_udp_shape(state["queued"]))]


def cork_case(seed: int) -> Comparison:
    return run_steps(cork_steps(seed))


# --- IP options echoed ----------------------------------------------------------------------

def _options(rng: random.Random) -> bytes:
    """One option set for a datagram from h1 to h2 (at most 40 bytes)."""
    kind = rng.choice(("rr", "rr-full", "ts-only", "ts-addr", "ts-prespec", "lsrr", "ssrr",
                       "rr+ts", "noop-rr"))
    if kind in ("rr", "rr-full", "noop-rr"):
        slots = rng.randrange(1, 10 if kind != "noop-rr" else 9)
        filled = slots if kind == "rr-full" else rng.randrange(0, slots)
        body = b"".join(socket.inet_aton(f"10.9.0.{i + 1}") for i in range(filled))
        body += bytes(4 * (slots - filled))
        opt = bytes([7, 3 + 4 * slots, 4 + 4 * filled]) + body
        return (b"\x01" if kind == "noop-rr" else b"") + opt
    if kind == "ts-only":
        slots = rng.randrange(1, 10)
        return bytes([68, 4 + 4 * slots, 5, 0]) + bytes(4 * slots)
    if kind == "ts-addr":
        pairs = rng.randrange(1, 5)
        return bytes([68, 4 + 8 * pairs, 5, 1]) + bytes(8 * pairs)
    if kind == "ts-prespec":
        addrs = [rng.choice((H2, "10.9.0.9", H1)) for _ in range(rng.randrange(1, 5))]
        return bytes([68, 4 + 8 * len(addrs), 5, 3]) + b"".join(
            socket.inet_aton(a) + bytes(4) for a in addrs)
    if kind in ("lsrr", "ssrr"):
        hops = [rng.choice((H1, H1B, "10.9.0.7")) for _ in range(rng.randrange(1, 5))]
        ptr = rng.choice((4 + 4 * len(hops), 4 + 4 * len(hops) + 1, 4 + 4 * len(hops) + 3))
        return bytes([131 if kind == "lsrr" else 137, 3 + 4 * len(hops), ptr]) + b"".join(
            socket.inet_aton(h) for h in hops)
    rr = bytes([7, 3 + 4 * 3, 4]) + bytes(12)
    return rr + b"\x01" + bytes([68, 4 + 4 * 4, 5, 0]) + bytes(16)


def _mac(side: Side, ns: str, dev: str) -> str:
    return str(json.loads(side.backend.run(f"ip -n {ns} -j link show {dev}").stdout)[0]
               ["address"])


def _ipv4(saddr: str, daddr: str, proto: int, payload: bytes, options: bytes, ident: int,
          ttl: int = 64) -> bytes:
    opts = options + bytes(-len(options) % 4)
    hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45 + len(opts) // 4, 0,
                                20 + len(opts) + len(payload), ident, 0, ttl, proto, 0,
                                socket.inet_aton(saddr), socket.inet_aton(daddr)) + opts)
    hdr[10:12] = _csum(bytes(hdr)).to_bytes(2, "big")
    return bytes(hdr) + payload


def _csum(data: bytes) -> int:
    data += bytes(len(data) % 2)
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def _icmp_echo(ident: int, seq: int, payload: bytes) -> bytes:
    msg = bytearray(struct.pack("!BBHHH", 8, 0, 0, ident, seq) + payload)
    msg[2:4] = _csum(bytes(msg)).to_bytes(2, "big")
    return bytes(msg)


def _mask_times(opts: bytes) -> str:
    """The option bytes as hex with timestamp values (clock-dependent) shown as `tttttttt`."""
    out = bytearray(opts)
    i = 0
    while i < len(out):
        t = out[i]
        if t in (0, 1):
            i += 1
            continue
        if i + 1 >= len(out) or out[i + 1] < 2:
            break
        ln = out[i + 1]
        if t == 68 and ln >= 4:
            flag = out[i + 3] & 0xF
            first, step = (4, 4) if flag == 0 else (8, 8)
            for w in range(first, min(out[i + 2] - 1, ln), step):
                out[i + w:i + w + 4] = b"\xee\xee\xee\xee"
        i += ln
    return out.hex().replace("eeeeeeee", "tttttttt")


def _replies_text(frames: list[bytes]) -> str:
    rows = []
    for f in frames:
        if len(f) < 20 or f[9] != 1:
            continue
        ihl = (f[0] & 0xF) * 4
        tot, frag = struct.unpack_from("!H2xH", f, 2)
        icmp_t, icmp_c = f[ihl], f[ihl + 1]
        rows.append(f"icmp {icmp_t}/{icmp_c} {socket.inet_ntoa(f[12:16])} > "
                    f"{socket.inet_ntoa(f[16:20])} len={tot} ihl={ihl} df={frag >> 14 & 1} "
                    f"opts={_mask_times(f[20:ihl]) or '-'} icmp_len={tot - ihl}")
    return "\n".join(rows) + "\n"


def options_steps(seed: int) -> list[Step]:
    """h1 sends h2 crafted datagrams carrying IP options: an echo request (the reply echoes
    the options), a UDP datagram to a closed port (the port unreachable echoes them) and
    one to be forwarded with TTL 1 (h2, a router here, answers Time Exceeded)."""
    rng = random.Random(seed)
    opts = _options(rng)
    probes = rng.sample(("echo", "udp-closed", "ttl-exceeded"), rng.randrange(1, 4))

    def send(side: Side) -> str:
        dst_mac, src_mac = _mac(side, "h2", "e1"), _mac(side, "h1", "e0")
        cap = side.capture("h1", "e0")
        for addr in (H1, H1B):
            side.backend.run(f"ip -n h2 neigh replace {addr} lladdr {src_mac} dev e1 "
                             "nud permanent")
        for i, probe in enumerate(probes):
            udp = struct.pack("!HHHH", 7000, 9, 8 + 12, 0) + b"closed port?"
            if probe == "echo":
                ip = _ipv4(H1, H2, 1, _icmp_echo(0x4242, i, bytes(range(24))), opts, 100 + i)
            elif probe == "udp-closed":
                ip = _ipv4(H1, H2, 17, udp, opts, 100 + i)
            else:
                ip = _ipv4(H1, "10.8.0.5", 17, udp, opts, 100 + i, ttl=1)
            side.inject("h1", "e0", bytes.fromhex(dst_mac.replace(":", ""))
                        + bytes.fromhex(src_mac.replace(":", "")) + b"\x08\x00" + ip)
            side.settle(0.1)
        return f"opts={opts.hex()} probes={probes}\n" + _replies_text(cap.frames())

    steps = _pair(1500)
    steps += ["ip -n h2 link add e2 type veth peer name e3", "ip -n h2 addr add 10.8.0.1/24 dev e2",
              "ip -n h2 link set e2 up", "ip -n h2 link set e3 up",
              "ip netns exec h2 sysctl -qw net.ipv4.ip_forward=1",
              "ip netns exec h2 sysctl -qw net.ipv4.conf.all.accept_source_route=1",
              "ip netns exec h2 sysctl -qw net.ipv4.conf.e1.accept_source_route=1",
              ("send", send), "ip netns exec h2 cat /proc/net/snmp"]
    return steps


def options_case(seed: int) -> Comparison:
    return run_steps(options_steps(seed))

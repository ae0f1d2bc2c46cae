"""Scenario areas: fragmentation/ICMP and neighbour state sequences.

A scenario is a list of steps run in order on both sides: a script line (run through the
harness, compared like any line) or an action `(Side) -> str` that sends datagrams through
sockets and returns what it observed as text (compared as one line). The real side opens its
sockets inside the namespaces the harness created (setns(2) on the calling thread, always
switched back); skbuff's side uses `skbuff.net.socket` and an ETH_P_ALL tap. Timing-dependent
results are observed as states after waits with wide margins, never as instants.
Kernel: net/ipv4/ip_output.c ip_fragment/ip_do_fragment, net/ipv4/icmp.c, net/ipv4/route.c
__ip_rt_update_pmtu, net/core/neighbour.c neigh_timer_handler.
"""

from __future__ import annotations

import ctypes
import errno
import os
import random
import re
import socket
import struct
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, Union

from tests.conformance.harness import (
    MAC_RE,
    Backend,
    Comparison,
    LineResult,
    Mismatch,
    RealKernel,
    Skbuff,
    _normalize_macs,
    backend,
)

CLONE_NEWNET = 0x40000000
ETH_P_IP = 0x0800
PACKET_HOST = 0
SNMP_FIELDS = {
    "Ip": ("InReceives", "InHdrErrors", "InAddrErrors", "ForwDatagrams", "InDiscards",
           "InDelivers", "OutRequests", "OutDiscards", "OutNoRoutes", "ReasmReqds",
           "ReasmOKs", "ReasmFails", "FragOKs", "FragFails", "FragCreates"),
    "Icmp": ("InMsgs", "InErrors", "InDestUnreachs", "InTimeExcds", "OutMsgs",
             "OutDestUnreachs", "OutTimeExcds"),
    "Udp": ("InDatagrams", "NoPorts", "InErrors", "OutDatagrams", "SndbufErrors"),
}


class Capture(Protocol):
    def frames(self) -> list[bytes]: ...


class Side(Protocol):
    """One backend plus the socket-level operations scenarios need."""

    @property
    def backend(self) -> Backend: ...

    def socket(self, ns: str, type: int, proto: int) -> Any: ...

    def capture(self, ns: str, dev: str) -> Capture: ...

    def settle(self, seconds: float) -> None: ...

    def garp(self, ns: str, dev: str, ip: str) -> None: ...

    def inject(self, ns: str, dev: str, frame: bytes) -> None: ...


def _setns(fd: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


@contextmanager
def _in_netns(real_name: str) -> Iterator[None]:
    """Run the block in /run/netns/`real_name` (this thread only), then switch back."""
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{real_name}", os.O_RDONLY)
    try:
        _setns(target)
        try:
            yield
        finally:
            _setns(home)
    finally:
        os.close(target)
        os.close(home)


class _PacketCapture:
    def __init__(self, s: socket.socket) -> None:
        self.s = s

    def frames(self) -> list[bytes]:
        out: list[bytes] = []
        while True:
            try:
                data, addr = self.s.recvfrom(65535, socket.MSG_DONTWAIT)
            except BlockingIOError:
                return out
            if addr[2] == PACKET_HOST:
                out.append(data)


class RealSide:
    def __init__(self, rk: RealKernel) -> None:
        self.backend = rk
        self.rk = rk
        self.opened: list[socket.socket] = []

    def _real(self, ns: str) -> str:
        if ns not in self.rk.names:
            raise KeyError(f"namespace {ns!r} was not created by this script")
        return self.rk.names[ns]

    def socket(self, ns: str, type: int, proto: int) -> socket.socket:
        with _in_netns(self._real(ns)):
            s = socket.socket(socket.AF_INET, type, proto)
        self.opened.append(s)
        return s

    def capture(self, ns: str, dev: str) -> Capture:
        with _in_netns(self._real(ns)):
            s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
            s.bind((dev, ETH_P_IP))
        self.opened.append(s)
        return _PacketCapture(s)

    def settle(self, seconds: float) -> None:
        time.sleep(seconds)

    def garp(self, ns: str, dev: str, ip: str) -> None:
        """One gratuitous ARP request (iputils `arping -U`)."""
        r = self.rk.run(f"ip netns exec {ns} arping -U -c1 -I {dev} {ip}")
        if r.status:
            raise OSError(errno.EIO, r.stderr.strip())

    def inject(self, ns: str, dev: str, frame: bytes) -> None:
        """Send a whole Ethernet frame out of `dev` (a packet socket, as a crafting tool)."""
        with _in_netns(self._real(ns)), socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as s:
            s.bind((dev, 0))
            s.send(frame)

    def close(self) -> None:
        for s in self.opened:
            s.close()


class _TapCapture:
    def __init__(self, got: list[bytes]) -> None:
        self.got = got

    def frames(self) -> list[bytes]:
        out, self.got[:] = list(self.got), []
        return out


class _KernelSocket:
    """skbuff's Socket, each call run in process context on the simulated machine."""

    def __init__(self, world: Any, inner: Any) -> None:
        self.world, self.inner = world, inner

    def __getattr__(self, name: str) -> Callable[..., Any]:
        fn = getattr(self.inner, name)

        def call(*args: Any) -> Any:
            return self.world.kernel.run_task(fn, *args)
        return call


class SkbuffSide:
    def __init__(self, sb: Skbuff) -> None:
        self.backend = sb
        self.world = sb.world

    def socket(self, ns: str, type: int, proto: int) -> Any:
        from skbuff.net import socket as sksocket

        net = self.world.netns(ns)
        return _KernelSocket(self.world, self.world.kernel.run_task(
            sksocket.net_socket, net, socket.AF_INET, type, proto))

    def capture(self, ns: str, dev: str) -> Capture:
        from skbuff.net.core import dev as core_dev
        from skbuff.net.core import skbuff as core_skb

        got: list[bytes] = []
        ndev = getattr(core_dev, "__dev_get_by_name")(self.world.netns(ns), dev)

        def tap(skb: Any, d: Any, pt: Any, orig: Any) -> int:
            if skb.pkt_type == PACKET_HOST and skb.protocol == ETH_P_IP:
                got.append(core_skb.skb_copy_bits(skb, 0, skb.len) or b"")
            core_skb.consume_skb(skb)
            return core_dev.NET_RX_SUCCESS

        pt = core_dev.packet_type(core_dev.ETH_P_ALL, ndev, tap)
        self.world.kernel.run_task(core_dev.dev_add_pack, pt)
        return _TapCapture(got)

    def settle(self, seconds: float) -> None:
        self.world.run(f"sleep {seconds}")

    def garp(self, ns: str, dev: str, ip: str) -> None:
        """What `arping -U` puts on the wire: a broadcast request, sender = target = ip,
        target hardware address all-ones. Kernel: net/ipv4/arp.c arp_send_dst."""
        from skbuff.net.core import dev as core_dev
        from skbuff.net.ipv4 import arp

        ndev = getattr(core_dev, "__dev_get_by_name")(self.world.netns(ns), dev)
        addr = int.from_bytes(socket.inet_aton(ip), "big")
        self.world.kernel.run_task(arp.arp_send, 1, 0x0806, addr, ndev, addr, None, None,
                                   b"\xff" * 6)
        self.settle(1.0)  # arping -c1 waits out its one-second interval before exiting

    def inject(self, ns: str, dev: str, frame: bytes) -> None:
        """What a packet socket's send does: the frame as given, straight to the device."""
        from skbuff.net.core import dev as core_dev
        from skbuff.net.core import skbuff as core_skb

        ndev = getattr(core_dev, "__dev_get_by_name")(self.world.netns(ns), dev)

        def xmit() -> int:
            skb = core_skb.alloc_skb(len(frame) + 32, core_skb.GFP_ATOMIC)
            core_skb.skb_reserve(skb, 32)
            core_skb.skb_put_data(skb, frame)
            core_skb.skb_reset_mac_header(skb)
            skb.dev = ndev
            skb.protocol = int.from_bytes(frame[12:14], "big")
            return core_dev.dev_queue_xmit(skb)

        self.world.kernel.run_task(xmit)

    def close(self) -> None:
        pass


Step = Union[str, tuple[str, Callable[[Side], str]]]


def _normalize(line: str, text: str) -> str:
    """What is truly random: PMTU expiry seconds left, and the order of a neighbour dump
    (the kernel walks its hash, keyed by a random hash_rnd)."""
    text = re.sub(r"expires \d+sec", "expires <n>sec", text)
    if " neigh show" in line:
        text = "".join(sorted(text.splitlines(keepends=True)))
    return text


def run_steps(steps: list[Step]) -> Comparison:
    """Run `steps` on the real kernel, then on skbuff; compare step by step."""
    outs: list[list[LineResult]] = []
    for make, side_cls in ((RealKernel, RealSide), (Skbuff, SkbuffSide)):
        with backend(make) as b:
            side = side_cls(b)  # type: ignore[arg-type]
            res: list[LineResult] = []
            try:
                for st in steps:
                    if isinstance(st, str):
                        res.append(b.run(st))
                    else:
                        try:
                            res.append(LineResult(0, st[1](side), ""))
                        except OSError as e:
                            res.append(LineResult(1, "", f"{st[0]}: {e.strerror}"))
            finally:
                side.close()
            outs.append(res)
    cmp = Comparison()
    tables: tuple[dict[str, str], dict[str, str]] = ({}, {})
    keep = set(MAC_RE.findall("\n".join(st for st in steps if isinstance(st, str))))
    for no, (st, a, b2) in enumerate(zip(steps, outs[0], outs[1], strict=True), 1):
        line = st if isinstance(st, str) else f"<{st[0]}>"
        cmp.lines += 1
        if a.status != b2.status:
            cmp.mismatches.append(Mismatch(no, line, "exit status", str(a.status),
                                           str(b2.status)))
        for what, x, y in (("stdout", a.stdout, b2.stdout), ("stderr", a.stderr, b2.stderr)):
            x = _normalize(line, _normalize_macs(x, keep, tables[0]))
            y = _normalize(line, _normalize_macs(y, keep, tables[1]))
            if x != y:
                cmp.mismatches.append(Mismatch(no, line, what, x, y))
    return cmp


# --- fragmentation and ICMP ---------------------------------------------------------------

def _snmp(side: Side, ns: str) -> dict[str, int]:
    text = side.backend.run(f"ip netns exec {ns} cat /proc/net/snmp").stdout
    rows = [ln.split() for ln in text.splitlines()]
    out: dict[str, int] = {}
    for head, vals in zip(rows[::2], rows[1::2], strict=False):
        sect = head[0].rstrip(":")
        for k, v in zip(head[1:], vals[1:], strict=False):
            if k in SNMP_FIELDS.get(sect, ()):
                out[f"{sect}{k}"] = int(v)
    return out


def _frames_text(frames: list[bytes]) -> str:
    """Per IPv4 packet: total length, fragment offset, MF, DF, TTL, protocol; then whether
    the fragments of each datagram share one IP ID."""
    rows = []
    ids: dict[int, int] = {}
    for f in frames:
        if len(f) < 20:
            rows.append(f"short {len(f)}")
            continue
        tot, ident, frag, ttl, proto = struct.unpack_from("!2xHHHBB", f)
        ids[ident] = ids.get(ident, 0) + 1
        rows.append(f"len={tot} off={(frag & 0x1FFF) * 8} mf={frag >> 13 & 1} "
                    f"df={frag >> 14 & 1} ttl={ttl} proto={proto}")
    return "\n".join(rows) + f"\nids={sorted(ids.values())}\n"


def _errqueue(s: Any) -> str:
    out = []
    while True:
        try:
            data, anc, _, _ = s.recvmsg(2048, 512, socket.MSG_ERRQUEUE | socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            break
        except OSError as e:
            if e.errno == errno.EAGAIN:
                break
            raise
        for level, typ, cmsg in anc:
            if level == socket.IPPROTO_IP and typ == 11:
                ee_errno, origin, etype, code, _pad, info, _data = struct.unpack_from(
                    "=IBBBBII", cmsg)
                out.append(f"errno={errno.errorcode.get(ee_errno, ee_errno)} origin={origin} "
                           f"type={etype} code={code} info={info} len={len(data)}")
    return "\n".join(out) + "\n"


def frag_steps(seed: int) -> list[Step]:
    rng = random.Random(seed)
    m1 = rng.choice((1500, 1500, 1400, 9000))
    m2 = rng.choice((576, 600, 1000, 1280, 1400, 1492))
    df = rng.random() < 0.5
    ttl1 = rng.random() < 0.15
    listen = rng.random() < 0.7
    around = rng.choice((m2, m1))
    size = rng.choice((around - 28 + rng.randrange(-3, 4), rng.randrange(100, 4000),
                       rng.choice((2000, 2952, 3000, 5000, 8000))))
    steps: list[Step] = [
        "ip netns add h1", "ip netns add rt", "ip netns add h2",
        "ip -n h1 link add e0 type veth peer name e1 netns rt",
        "ip -n rt link add e2 type veth peer name e3 netns h2",
        f"ip -n h1 link set e0 mtu {m1}", f"ip -n rt link set e1 mtu {m1}",
        f"ip -n rt link set e2 mtu {m2}", f"ip -n h2 link set e3 mtu {m2}",
        "ip -n h1 addr add 10.1.0.1/24 dev e0", "ip -n rt addr add 10.1.0.2/24 dev e1",
        "ip -n rt addr add 10.2.0.2/24 dev e2", "ip -n h2 addr add 10.2.0.1/24 dev e3",
    ]
    steps += [f"ip -n {ns} link set {d} up" for ns, d in
              (("h1", "lo"), ("h1", "e0"), ("rt", "e1"), ("rt", "e2"), ("h2", "e3"),
               ("h2", "lo"))]
    steps += ["ip -n h1 route add default via 10.1.0.2",
              "ip -n h2 route add default via 10.2.0.2",
              "ip netns exec rt sysctl -qw net.ipv4.ip_forward=1"]
    state: dict[str, Any] = {}

    def send(side: Side) -> str:
        state["before"] = {ns: _snmp(side, ns) for ns in ("h1", "rt", "h2")}
        cap = side.capture("h2", "e3")
        rx = side.socket("h2", socket.SOCK_DGRAM, 0)
        if listen:
            rx.bind(("10.2.0.1", 5000))
        tx = side.socket("h1", socket.SOCK_DGRAM, 0)
        tx.setsockopt(socket.IPPROTO_IP, 10, 2 if df else 0)  # IP_MTU_DISCOVER DO/DONT
        tx.setsockopt(socket.IPPROTO_IP, 11, 1)  # IP_RECVERR
        if ttl1:
            tx.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, 1)
        results = []
        for _ in range(2):
            try:
                results.append(str(tx.sendto(b"x" * size, ("10.2.0.1", 5000))))
            except OSError as e:
                results.append(errno.errorcode[e.errno or 0])
            side.settle(0.3)
        got = []
        if listen:
            while True:
                try:
                    got.append(len(rx.recvfrom(65535, socket.MSG_DONTWAIT)[0]))
                except (BlockingIOError, OSError):
                    break
        state["tx"] = tx
        return (f"size={size} df={int(df)} ttl1={int(ttl1)} mtu={m1}/{m2} "
                f"sends={results} received={got}\n" + _frames_text(cap.frames()))

    def errors(side: Side) -> str:
        return _errqueue(state["tx"])

    def counters(side: Side) -> str:
        rows = []
        for ns in ("h1", "rt", "h2"):
            after = _snmp(side, ns)
            delta = {k: v - state["before"][ns].get(k, 0) for k, v in after.items()}
            rows.append(f"{ns}: " + " ".join(f"{k}={v}" for k, v in sorted(delta.items()) if v))
        return "\n".join(rows) + "\n"

    steps += [("send", send), ("error queue", errors), ("snmp deltas", counters),
              "ip -n h1 route get 10.2.0.1"]
    return steps


def frag_case(seed: int) -> Comparison:
    return run_steps(frag_steps(seed))


# --- neighbour state sequences ------------------------------------------------------------

def neigh_steps(seed: int) -> list[Step]:
    """n1 -- n2 over a veth pair with small NUD timers on n1; the state of n1's entries is
    shown after waits chosen well inside each state's interval."""
    rng = random.Random(seed)
    # reachable_time is drawn from [base/2, 3*base/2]: base/2 > delay_first_probe_time (1 s)
    # makes REACHABLE end in STALE, never DELAY, whatever the draw on either side.
    base = rng.choice((2600, 2800, 3000))
    retrans = rng.choice((200, 250, 300))
    ucast = rng.randrange(2, 4)
    mcast = rng.randrange(1, 4)
    kind = rng.choice(("stale-delay-reachable", "probe-failed", "incomplete-failed",
                       "permanent", "garp"))
    if kind == "garp":
        base = 6000  # REACHABLE must outlast probe + arping's second with a margin
    n1 = "ip -n n1"
    p = "ip netns exec n1 sysctl -qw net.ipv4.neigh.e0"
    steps: list[Step] = [
        "ip netns add n1", "ip netns add n2",
        f"{n1} link add e0 type veth peer name e1 netns n2",
        f"{n1} addr add 10.3.0.1/24 dev e0", "ip -n n2 addr add 10.3.0.2/24 dev e1",
        f"{n1} link set e0 up", "ip -n n2 link set e1 up",
        f"{p}.base_reachable_time_ms={base}", f"{p}.retrans_time_ms={retrans}",
        f"{p}.delay_first_probe_time=1", f"{p}.ucast_solicit={ucast}",
        f"{p}.mcast_solicit={mcast}",
    ]
    show = f"{n1} neigh show"

    def send_to(dst: str) -> tuple[str, Callable[[Side], str]]:
        def act(side: Side) -> str:
            s = side.socket("n1", socket.SOCK_DGRAM, 0)
            s.sendto(b"ping", (dst, 9))
            side.settle(0.05)
            return ""
        return (f"send to {dst}", act)

    if kind == "permanent":
        steps += [f"{n1} neigh add 10.3.0.50 lladdr 02:00:00:00:00:50 dev e0 nud permanent",
                  f"{n1} neigh add 10.3.0.51 lladdr 02:00:00:00:00:51 dev e0 nud stale",
                  f"{n1} neigh add 10.3.0.50 lladdr 02:00:00:00:00:52 dev e0",
                  send_to("10.3.0.50"), send_to("10.3.0.51"), show,
                  f"{n1} neigh replace 10.3.0.50 lladdr 02:00:00:00:00:53 dev e0 nud reachable",
                  f"{n1} neigh change 10.3.0.51 dev e0 nud noarp", show,
                  f"{n1} neigh del 10.3.0.50 dev e0", f"{n1} neigh del 10.3.0.50 dev e0", show,
                  f"{n1} neigh flush dev e0", f"{n1} neigh show nud all"]
        return steps
    if kind == "garp":
        accept = rng.randrange(0, 3)
        ip = rng.choice(("10.3.0.2", "10.3.0.77", "10.9.0.5"))

        def announce(side: Side) -> str:
            side.garp("n2", "e1", ip)
            return ""

        steps += [f"ip netns exec n1 sysctl -qw net.ipv4.conf.e0.arp_accept={accept}",
                  f"ip -n n2 addr add {ip}/32 dev e1", ("gratuitous ARP", announce), show]
        if rng.random() < 0.5:
            steps += [send_to("10.3.0.2"), "sleep 1.3", ("gratuitous ARP", announce), show]
        return steps
    if kind == "incomplete-failed":
        steps += [send_to("10.3.0.9"), show, "sleep " + str(mcast * retrans / 1000 + 0.4), show]
        return steps
    steps += [send_to("10.3.0.2"), show, f"sleep {1.5 * base / 1000 + 0.3}", show]
    if kind == "probe-failed":
        half = ucast * retrans / 2000  # PROBE lasts ucast_solicit * retrans_time
        steps += ["ip -n n2 addr flush dev e1", send_to("10.3.0.2"), show,
                  f"sleep {1 + half:.3f}", show, f"sleep {half + 0.4:.3f}", show]
    else:
        steps += [send_to("10.3.0.2"), show, "sleep 1.3", show]
    return steps


def neigh_case(seed: int) -> Comparison:
    return run_steps(neigh_steps(seed))

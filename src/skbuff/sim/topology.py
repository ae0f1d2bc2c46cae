"""Topologies from Python: the `ip` lines that build them, and one-shot probes sent through them.

Every builder returns the script lines a person would type on a real box (`ip netns add`,
`ip -n NS link add … type veth peer …`, `ip -n NS addr add …`, `sysctl -w …`), so the same
text runs on skbuff (`apply(world, lines)`) and on Linux. The probes stand in for the user
programs: `ping_once` sends one ICMP echo the way ping(8) does (an ICMP datagram socket with
IP_RECVERR, waiting for the reply or the ICMP error), `udp_send` one UDP datagram.

Standard topologies (the scenario tests' addresses):
- `two_hosts()`: h1 (10.0.1.1/24) ═veth═ h2 (10.0.1.2/24), both on `veth0`.
- `routed()`: h1 eth0 10.0.1.1/24 ═ r1 eth0 10.0.1.254/24 | r1 eth1 10.0.2.254/24 ═ h2 eth0
  10.0.2.2/24, default routes on the hosts through r1, r1 forwarding (`ip_forward=1`).
"""

from __future__ import annotations

import errno
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from socket import AF_INET, IP_TTL, IPPROTO_ICMP, IPPROTO_IP, MSG_ERRQUEUE, SOCK_DGRAM
from types import MappingProxyType
from typing import TYPE_CHECKING

from skbuff.compat import slotted
from skbuff.net import socket as net_socket
from skbuff.uapi import in_ as uapi_in
from skbuff.uapi.icmp import ICMP_ECHO

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.sim.world import World

PMTUDISC: Mapping[str, int] = MappingProxyType({
    "do": uapi_in.IP_PMTUDISC_DO, "want": uapi_in.IP_PMTUDISC_WANT,
    "dont": uapi_in.IP_PMTUDISC_DONT, "probe": uapi_in.IP_PMTUDISC_PROBE})
"""ping -M HINT → IP_MTU_DISCOVER value (iputils ping)."""

_EE = struct.Struct("=IBBBBII")
SETTLE_NS = 1_100_000_000
"""How long `apply` lets the machine run after the last line, as a person would before the
next step: link events reach their end state. An urgent linkwatch event (carrier on, qdisc to
attach) runs at the next jiffy; a non-urgent one (a veth end opened second, whose peer has
the same ifindex in its own namespace) waits for linkwatch_nextevent, up to 1 s (HZ) after
the previous run; until then `ip link` shows it NO-CARRIER/DOWN, as Linux does."""


class TopologyError(Exception):
    """A setup line failed: its text, exit status and stderr."""

    def __init__(self, line: str, status: int, stderr: str) -> None:
        super().__init__(f"{line!r} failed with status {status}: {stderr.strip()}")
        self.line = line
        self.status = status
        self.stderr = stderr


def apply(world: World, lines: list[str]) -> None:
    """Run each line in `world` (as `World.run`); the first failing line raises TopologyError.
    A line that succeeds but complains on stderr is a failure too (the scripts are strict).
    Then the machine runs for SETTLE_NS (pending link events settle)."""
    for line in lines:
        res = world.run(line)
        if res.status or res.stderr:
            raise TopologyError(line, res.status, res.stderr)
    world.kernel.run_for(SETTLE_NS)


def veth(ns_a: str, dev_a: str, ns_b: str, dev_b: str, mtu: int | None = None) -> list[str]:
    """A veth pair `dev_a` in `ns_a` ═ `dev_b` in `ns_b`, both up (and at `mtu` if given)."""
    lines = [f"ip -n {ns_a} link add {dev_a} type veth peer name {dev_b} netns {ns_b}"]
    for ns, dev in ((ns_a, dev_a), (ns_b, dev_b)):
        if mtu is not None:
            lines.append(f"ip -n {ns} link set {dev} mtu {mtu}")
        lines.append(f"ip -n {ns} link set {dev} up")
    return lines


def addr(ns: str, dev: str, cidr: str) -> list[str]:
    return [f"ip -n {ns} addr add {cidr} dev {dev}"]


def sysctl(ns: str, name: str, value: str | int) -> list[str]:
    """`sysctl -w` inside the namespace (the way it is done on a real box)."""
    return [f"ip netns exec {ns} sysctl -q -w {name}={value}"]


def netns(*names: str) -> list[str]:
    return [f"ip netns add {name}" for name in names]


def two_hosts() -> list[str]:
    """h1 veth0 10.0.1.1/24 ═ h2 veth0 10.0.1.2/24."""
    return [*netns("h1", "h2"),
            *veth("h1", "veth0", "h2", "veth0"),
            *addr("h1", "veth0", "10.0.1.1/24"),
            *addr("h2", "veth0", "10.0.1.2/24")]


def routed(mtu2: int | None = None, forwarding: bool = True) -> list[str]:
    """h1 ═ r1 ═ h2 (see the module doc); `mtu2` sets the r1-h2 link's MTU on both ends."""
    return [*netns("h1", "r1", "h2"),
            *veth("h1", "eth0", "r1", "eth0"),
            *veth("h2", "eth0", "r1", "eth1", mtu2),
            *addr("h1", "eth0", "10.0.1.1/24"),
            *addr("r1", "eth0", "10.0.1.254/24"),
            *addr("r1", "eth1", "10.0.2.254/24"),
            *addr("h2", "eth0", "10.0.2.2/24"),
            "ip -n h1 route add default via 10.0.1.254",
            "ip -n h2 route add default via 10.0.2.254",
            *sysctl("r1", "net.ipv4.ip_forward", int(forwarding))]


@slotted
@dataclass(frozen=True)
class icmp_error:
    """An error-queue entry (IP_RECVERR): errno, ICMP type/code/info, the reporting host."""

    ee_errno: int
    ee_type: int
    ee_code: int
    ee_info: int
    offender: str


@slotted
@dataclass(frozen=True)
class ping_result:
    """What one echo got: the reply (ICMP message, sender) or an error, or neither (timeout).
    `send_errno` is set when sendto(2) itself failed (EMSGSIZE with -M do, ENETUNREACH…)."""

    reply: bytes | None = None
    reply_from: str | None = None
    error: icmp_error | None = None
    send_errno: int = 0


def ping_once(world: World, ns: str, daddr: str, size: int = 56, *, pmtu: str | None = None,
              ttl: int | None = None, src: str | None = None, seq: int = 1,
              timeout_s: float = 1.0) -> ping_result:
    """`ip netns exec NS ping -c 1 -W timeout_s [-s size] [-M pmtu] [-t ttl] [-I src] DADDR`:
    one echo request of `size` data bytes from an ICMP socket with IP_RECVERR; waits
    (simulated time) for the reply or an ICMP error. Runs as a task in process context."""
    net = world.netns(ns)
    return world.kernel.run_task(_ping_task, net, daddr, size, pmtu, ttl, src, seq, timeout_s)


def _ping_task(net: Net, daddr: str, size: int, pmtu: str | None, ttl: int | None,
               src: str | None, seq: int, timeout_s: float) -> ping_result:
    s = net_socket.net_socket(net, AF_INET, SOCK_DGRAM, IPPROTO_ICMP)
    try:
        if src is not None:
            s.bind((src, 0))
        s.setsockopt(IPPROTO_IP, uapi_in.IP_RECVERR, 1)
        if pmtu is not None:
            s.setsockopt(IPPROTO_IP, uapi_in.IP_MTU_DISCOVER, PMTUDISC[pmtu])
        if ttl is not None:
            s.setsockopt(IPPROTO_IP, IP_TTL, ttl)
        s.settimeout(timeout_s)
        payload = bytes(i & 0xFF for i in range(size))
        try:
            s.sendto(struct.pack("!BBHHH", ICMP_ECHO, 0, 0, 0, seq) + payload, (daddr, 0))
        except OSError as e:
            return ping_result(send_errno=e.errno or 0)
        try:
            data, peer = s.recvfrom(65536)
        except TimeoutError:
            return ping_result()
        except OSError as e:
            if e.errno == errno.EAGAIN:
                return ping_result()
            return ping_result(error=_error_entry(s))
        return ping_result(reply=data, reply_from=peer[0] if peer else None)
    finally:
        s.close()


def _error_entry(s: net_socket.Socket) -> icmp_error | None:
    try:
        _, anc, _, addr = s.recvmsg(65536, 1024, MSG_ERRQUEUE)
    except OSError:
        return None
    ee_errno, _origin, ee_type, ee_code, _pad, ee_info, _data = _EE.unpack_from(anc[0][2])
    return icmp_error(ee_errno, ee_type, ee_code, ee_info, addr[0] if addr else "")


def udp_send(world: World, ns: str, daddr: str, dport: int, data: bytes,
             sport: int = 0) -> int:
    """One UDP datagram from `ns` (bound to `sport` if given); returns bytes sent or -errno."""
    net = world.netns(ns)
    return world.kernel.run_task(_udp_task, net, daddr, dport, data, sport)


def _udp_task(net: Net, daddr: str, dport: int, data: bytes, sport: int) -> int:
    s = net_socket.net_socket(net, AF_INET, SOCK_DGRAM, 0)
    try:
        if sport:
            s.bind(("0.0.0.0", sport))
        return s.sendto(data, (daddr, dport))
    except OSError as e:
        return -(e.errno or errno.EIO)
    finally:
        s.close()

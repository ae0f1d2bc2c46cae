"""`tracepath` (iputils 20221126, IPv4): the path and its PMTU, hop by hop, with UDP probes.

iputils: tracepath.c (main, probe_ttl, recverr, data_wait). Like tracepath: one unconnected
UDP socket with IP_MTU_DISCOVER=do, IP_RECVERR and IP_RECVTTL; probe k goes to port
base+k with TTL = hop, carrying `struct probehdr` {ttl; simulated CLOCK_MONOTONIC}; answers
are read from the error queue: a local EMSGSIZE prints "[LOCALHOST] pmtu N", Frag Needed
"pmtu N", Time Exceeded the hop, Port Unreachable "reached" (then "Resume: pmtu N hops H back
B"), other unreachables !H/!N/!A. Waits are 1 s of simulated time per probe (data_wait).
The probes' CLOCK_MONOTONIC is the simulated clock plus BOOT_NS (a real box's user space
never runs in the first second, and tracepath takes tv_sec 0 for a corrupted quote).
Options -n -b -l -m -p -V. Without -n names are looked up and, as on this machine's
namespaces without a resolver, print "???".
"""

from __future__ import annotations

import errno
import os
import struct
from socket import AF_INET, IP_TTL, IPPROTO_IP, MSG_DONTWAIT, MSG_ERRQUEUE, SOCK_DGRAM
from typing import TYPE_CHECKING

from skbuff.kernel.clock import NSEC_PER_SEC
from skbuff.net import socket as bsd
from skbuff.tools.common import Output, Result, ToolExit, gnu_getopt, strtol_or_err
from skbuff.tools.ping import ntoa, parse_ipv4
from skbuff.uapi.icmp import ICMP_TIME_EXCEEDED
from skbuff.uapi.in_ import IP_MTU_DISCOVER, IP_PMTUDISC_DO, IP_RECVERR, IP_RECVTTL

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.sim.world import World

USAGE = """
Usage
  tracepath [options] <destination>

Options:
  -4             use IPv4
  -6             use IPv6
  -b             print both name and ip
  -l <length>    use packet <length>
  -m <hops>      use maximum <hops>
  -n             no dns name resolution
  -p <port>      use destination <port>
  -V             print version and exit
  <destination>  dns name or ip address

For more details see tracepath(8).
"""
MAX_PROBES = 10
MAX_HOPS_DEFAULT = 30
MAX_HOPS_LIMIT = 255
HOST_COLUMN_SIZE = 52
HIS_ARRAY_SIZE = 64
DEFAULT_OVERHEAD_IPV4 = 28
DEFAULT_MTU_IPV4 = 65535
DEFAULT_BASEPORT = 44444
SO_EE_ORIGIN_LOCAL, SO_EE_ORIGIN_ICMP = 1, 2
BOOT_NS = NSEC_PER_SEC
_PROBEHDR = struct.Struct("=I4xqq")
_EE = struct.Struct("=IBBBBII")


class _Tracepath:
    """tracepath.c struct run_state."""

    def __init__(self, net: Net, out: Output) -> None:
        self.net = net
        self.k = net.kernel
        self.out = out
        self.his: list[tuple[int, int]] = [(0, 0)] * HIS_ARRAY_SIZE
        self.hisptr = 0
        self.base_port = 0
        self.ttl = 1
        self.max_hops = MAX_HOPS_DEFAULT
        self.overhead = DEFAULT_OVERHEAD_IPV4
        self.mtu = 0
        self.hops_to = -1
        self.hops_from = -1
        self.no_resolve = False
        self.show_both = False
        self.target = 0
        self.sock = bsd.net_socket(net, AF_INET, SOCK_DGRAM, 0)

    def print_host(self, a: str, b: str) -> None:
        text = a + (f" ({b})" if self.show_both else "")
        plen = min(len(text), HOST_COLUMN_SIZE - 1)
        self.out.write(text + " " * (HOST_COLUMN_SIZE - plen))

    def recverr(self) -> int:
        """tracepath.c recverr: print each queued error; 0 = done, >0 = progress (the mtu),
        -1 = nothing queued."""
        progress = -1
        while True:
            now = self.k.now_ns + BOOT_NS
            try:
                data, anc, _, addr = self.sock.recvmsg(_PROBEHDR.size, 512,
                                                       MSG_ERRQUEUE | MSG_DONTWAIT)
            except OSError as e:
                if e.errno == errno.EAGAIN:
                    return progress
                continue
            progress = self.mtu
            rethops = sndhops = -1
            retts: int | None = None
            broken_router = False
            slot = (addr[1] if addr else 0) - self.base_port
            if 0 <= slot < HIS_ARRAY_SIZE - 1 and self.his[slot][0]:
                sndhops, retts = self.his[slot]
                self.his[slot] = (0, 0)
            if len(data) == _PROBEHDR.size:
                ttl, sec, nsec = _PROBEHDR.unpack(data)
                if ttl == 0 or sec == 0:
                    broken_router = True
                else:
                    sndhops, retts = ttl, sec * NSEC_PER_SEC + nsec
            ee = None
            for level, ctype, cdata in anc:
                if level == IPPROTO_IP and ctype == IP_RECVERR:
                    ee = _EE.unpack_from(cdata)
                    offender = int.from_bytes(cdata[_EE.size + 4:_EE.size + 8], "big")
                elif level == IPPROTO_IP and ctype == IP_TTL:
                    rethops = cdata[0]
            if ee is None:
                self.out.write("no info\n")
                return 0
            ee_errno, origin, ee_type, ee_code, _, ee_info, _ = ee
            if origin == SO_EE_ORIGIN_LOCAL:
                self.out.write(f"{self.ttl:2d}?: {'[LOCALHOST]':<32} ")
            elif origin == SO_EE_ORIGIN_ICMP:
                self.out.write(f"{sndhops:2d}:  " if sndhops > 0 else f"{self.ttl:2d}?: ")
                numeric = ntoa(offender)
                if self.no_resolve:
                    self.print_host(numeric, "???")
                else:
                    self.print_host("???", numeric)
            if retts is not None:
                res = now - retts
                self.out.write(f"{res // 1_000_000:3d}.{res % 1_000_000 // 1000:03d}ms ")
                if broken_router:
                    self.out.write("(This broken router returned corrupted payload) ")
            if rethops <= 64:
                rethops = 65 - rethops
            elif rethops <= 128:
                rethops = 129 - rethops
            else:
                rethops = 256 - rethops
            if ee_errno == errno.ETIMEDOUT:
                self.out.write("\n")
            elif ee_errno == errno.EMSGSIZE:
                self.out.write(f"pmtu {ee_info}\n")
                self.mtu = ee_info
                progress = self.mtu
            elif ee_errno == errno.ECONNREFUSED:
                self.out.write("reached\n")
                self.hops_to = self.ttl if sndhops < 0 else sndhops
                self.hops_from = rethops
                return 0
            elif ee_errno == errno.EPROTO:
                self.out.write("!P\n")
                return 0
            elif ee_errno == errno.EHOSTUNREACH:
                if origin == SO_EE_ORIGIN_ICMP and ee_type == ICMP_TIME_EXCEEDED and \
                        ee_code == 0:
                    if rethops >= 0:
                        if sndhops >= 0 and rethops != sndhops:
                            self.out.write(f"asymm {rethops:2d} ")
                        if sndhops < 0 and rethops != self.ttl:
                            self.out.write(f"asymm {rethops:2d} ")
                    self.out.write("\n")
                    continue
                self.out.write("!H\n")
                return 0
            elif ee_errno == errno.ENETUNREACH:
                self.out.write("!N\n")
                return 0
            elif ee_errno == errno.EACCES:
                self.out.write("!A\n")
                return 0
            else:
                self.out.write("\n")
                self.out.ewrite(f"tracepath: NET ERROR: {os.strerror(ee_errno)}\n")
                return 0

    def probe_ttl(self) -> int:
        """tracepath.c probe_ttl: send one probe (retrying after local errors), wait 1 s."""
        i = 0
        while i < MAX_PROBES:
            now = self.k.now_ns + BOOT_NS
            pkt = _PROBEHDR.pack(self.ttl, now // NSEC_PER_SEC, now % NSEC_PER_SEC)
            pkt += bytes(max(self.mtu - self.overhead - len(pkt), 0))
            pkt = pkt[:self.mtu - self.overhead]
            self.his[self.hisptr] = (self.ttl, now)
            try:
                self.sock.sendto(pkt, (ntoa(self.target), self.base_port + self.hisptr))
                break
            except OSError:
                res = self.recverr()
                self.his[self.hisptr] = (0, 0)
                if res == 0:
                    return 0
                if res > 0:
                    i = 0
                    continue
            i += 1
        self.hisptr = (self.hisptr + 1) & (HIS_ARRAY_SIZE - 1)
        if i < MAX_PROBES:
            sk = self.sock.sk
            self.k.run_until_cond(self.k.now_ns + NSEC_PER_SEC,
                                  lambda: bool(sk.sk_receive_queue or sk.sk_error_queue))
            try:
                self.sock.recv(self.mtu, MSG_DONTWAIT)
            except OSError:
                return self.recverr()
            self.out.write(f"{self.ttl:2d}?: reply received 8)\n")
            return 0
        self.out.write(f"{self.ttl:2d}:  send failed\n")
        return 0

    def run(self) -> None:
        """tracepath.c main after the options: the TTL loop and the Resume line."""
        sock = self.sock
        sock.setsockopt(IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
        sock.setsockopt(IPPROTO_IP, IP_RECVERR, 1)
        sock.setsockopt(IPPROTO_IP, IP_RECVTTL, 1)
        done = False
        self.ttl = 1
        while self.ttl <= self.max_hops and not done:
            sock.setsockopt(IPPROTO_IP, IP_TTL, self.ttl)
            res = -1
            i = 0
            while i < 3:
                old_mtu = self.mtu
                res = self.probe_ttl()
                if self.mtu != old_mtu:
                    i = 0
                    continue
                if res == 0:
                    done = True
                    break
                if res > 0:
                    break
                i += 1
            if done:
                break
            if res < 0:
                self.out.write(f"{self.ttl:2d}:  no reply\n")
            self.ttl += 1
        if not done:
            self.out.write(f"     Too many hops: pmtu {self.mtu}\n")
        line = f"     Resume: pmtu {self.mtu} "
        if self.hops_to >= 0:
            line += f"hops {self.hops_to} "
        if self.hops_from >= 0:
            line += f"back {self.hops_from} "
        self.out.write(line + "\n")


def main(world: World, net: Net, argv: list[str]) -> Result:
    """`tracepath [-nb] [-l LEN] [-m HOPS] [-p PORT] DEST` in `net`."""
    out = Output()
    try:
        try:
            opts, args = gnu_getopt("tracepath", argv, "46nbh?l:m:p:V")
        except ToolExit as e:
            raise ToolExit(255, e.stderr + USAGE) from None
        t = _Tracepath(net, out)
        try:
            for opt, val in opts:
                if opt == "-n":
                    t.no_resolve = True
                elif opt == "-b":
                    t.show_both = True
                elif opt == "-l":
                    t.mtu = strtol_or_err("tracepath", val, t.overhead)
                elif opt == "-m":
                    t.max_hops = strtol_or_err("tracepath", val, 0, MAX_HOPS_LIMIT)
                elif opt == "-p":
                    t.base_port = strtol_or_err("tracepath", val, 0, 0xFFFF)
                elif opt == "-V":
                    return Result(0, "tracepath from iputils 20221126\n", "")
                elif opt in ("-h", "-?"):
                    raise ToolExit(255, USAGE)
            if len(args) != 1:
                raise ToolExit(255, USAGE)
            dest = args[0]
            if not t.base_port:
                dest, _, port = dest.partition("/")
                t.base_port = (strtol_or_err("tracepath", port, 0, 0xFFFF) if port
                               else DEFAULT_BASEPORT)
            target = parse_ipv4(dest)
            if target is None:
                raise ToolExit(1, f"tracepath: {dest}: Temporary failure in name "
                                  "resolution\n")
            t.target = target
            if not t.mtu:
                t.mtu = DEFAULT_MTU_IPV4
            if t.mtu <= t.overhead:
                raise ToolExit(1, f"tracepath: pktlen must be within: {t.overhead} < value "
                                  f"<= {2**31 - 1}\n")
            t.run()
        finally:
            t.sock.close()
    except ToolExit as e:
        out.ewrite(e.stderr)
        return out.result(e.status)
    return out.result(0)

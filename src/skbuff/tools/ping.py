"""`ping` (iputils 20221126, IPv4), in simulated time.

iputils: ping/ping.c (main, ping4_run, ping4_send_probe, ping4_parse_reply,
ping4_receive_error_msg, pr_icmph), ping/ping_common.c (setup, pinger, main_loop,
gather_statistics, finish). Options: -c -i -s -t -M do|dont|want -I IF|ADDR -W -w -q -n -V -h,
-R (record route), -T tsonly|tsandaddr|tsprespec (timestamps) and several hosts (a loose source
route, or with -T tsprespec the hosts whose timestamps are asked for).

Without -c or -w, ping stops after FOREGROUND_NS of simulated time (a script has no ^C).
Like iputils run as root in a namespace whose net.ipv4.ping_group_range excludes gid 0 (the
kernel default), it uses a raw ICMP socket (`skbuff.net.socket`), a random identifier, a probe
UDP socket `connect`ed to the target to choose the source, and IP_RECVERR for errors. The
timeval in each request is the simulated clock, so times are deterministic. Output, error
texts and exit status (0 replies, 1 none or too few, 2 usage/setup error) are iputils'.
"""

from __future__ import annotations

import errno
import os
import struct
from dataclasses import dataclass, field
from socket import (
    AF_INET,
    IP_OPTIONS,
    IP_TTL,
    IPPROTO_ICMP,
    IPPROTO_IP,
    MSG_DONTWAIT,
    MSG_ERRQUEUE,
    SOCK_DGRAM,
    SOCK_RAW,
    SOL_SOCKET,
)
from typing import TYPE_CHECKING

from skbuff.net import socket as bsd
from skbuff.tools.common import FOREGROUND_NS, Output, Result, ToolExit, gnu_getopt
from skbuff.uapi import checksum
from skbuff.uapi.in_ import IP_MTU_DISCOVER, IP_RECVERR
from skbuff.uapi.inet import ntoa
from skbuff.uapi.ip import (
    IPOPT_EOL,
    IPOPT_LSRR,
    IPOPT_MINOFF,
    IPOPT_NOP,
    IPOPT_RR,
    IPOPT_TS,
    IPOPT_TS_PRESPEC,
    IPOPT_TS_TSANDADDR,
    IPOPT_TS_TSONLY,
    MAX_IPOPTLEN,
)
from skbuff.uapi.socket import SO_BINDTODEVICE

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.sim.world import World

VERSION = "ping from iputils 20221126\n"
USAGE = """
Usage
  ping [options] <destination>

Options:
  <destination>      dns name or ip address
  -c <count>         stop after <count> replies
  -h                 print help and exit
  -I <interface>     either interface name or address
  -i <interval>      seconds between sending each packet
  -M <pmtud opt>     define mtu discovery, can be one of <do|dont|want>
  -n                 no dns name resolution
  -q                 quiet output
  -s <size>          use <size> as number of data bytes to be sent
  -t <ttl>           define time to live
  -V                 print version and exit
  -w <deadline>      reply wait <deadline> in seconds
  -W <timeout>       time to wait for response

For more details see ping(8).
"""
SHORTOPTS = "4c:hI:i:M:nqRs:t:T:Vw:W:"
NROUTES = 9  # ping.c: record route slots
MAXWAIT = 10
MININTERVAL = 10
"""A ping with neither -c nor -w runs this long (simulated), then stops as ^C stops it."""
LONG_MAX = 2**63 - 1
INT_MAX = 2**31 - 1
PMTUDISC = {"dont": 0, "want": 1, "do": 2}
TS_TYPES = {"tsonly": IPOPT_TS_TSONLY, "tsandaddr": IPOPT_TS_TSANDADDR,
            "tsprespec": IPOPT_TS_PRESPEC}
SO_EE_ORIGIN_LOCAL = 1
SO_EE_ORIGIN_ICMP = 2
ICMP_ECHOREPLY, ICMP_DEST_UNREACH, ICMP_SOURCE_QUENCH, ICMP_REDIRECT = 0, 3, 4, 5
ICMP_ECHO, ICMP_TIME_EXCEEDED, ICMP_PARAMETERPROB = 8, 11, 12
TIMEVAL_LEN = 16
_EE = struct.Struct("=IBBBBII")
_TV = struct.Struct("=qq")

UNREACH_TEXT = (
    "Destination Net Unreachable", "Destination Host Unreachable",
    "Destination Protocol Unreachable", "Destination Port Unreachable", None,
    "Source Route Failed", "Destination Net Unknown", "Destination Host Unknown",
    "Source Host Isolated", "Destination Net Prohibited", "Destination Host Prohibited",
    "Destination Net Unreachable for Type of Service",
    "Destination Host Unreachable for Type of Service", "Packet filtered",
    "Precedence Violation", "Precedence Cutoff",
)
"""iputils ping.c pr_icmph, ICMP_DEST_UNREACH codes (code 4 prints the MTU)."""


def strtol_or_err(text: str, what: str, lo: int, hi: int) -> int:
    """iputils_common.c strtol_or_err: exit 1 with its message."""
    try:
        num = int(text, 10)
    except ValueError:
        raise ToolExit(1, f"ping: {what}: '{text}'\n") from None
    if not lo <= num <= hi:
        raise ToolExit(1, f"ping: {what}: '{text}': out of range: {lo} <= value <= {hi}\n")
    return num


def ping_strtod(text: str, what: str, out: Output) -> float:
    """ping.c ping_strtod: garbage is a warning (the parsed prefix, maybe 0, is used)."""
    end = len(text)
    while end and not _is_float(text[:end]):
        end -= 1
    if end < len(text):
        out.ewrite(f"ping: option argument contains garbage: {text[end:]}\n"
                   "ping: this will become fatal error in the future\n")
    num = float(text[:end]) if end else 0.0
    if num != num or num in (float("inf"), float("-inf")):
        raise ToolExit(2, f"ping: {what}: '{text}'\n")
    return num


def _is_float(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return s.strip() == s and s.lower() not in ("inf", "nan", "infinity")


def parse_ipv4(text: str) -> int | None:
    """inet_aton for the dotted quad only (what the simulated resolver knows)."""
    parts = text.split(".")
    if len(parts) != 4 or not all(p.isdigit() and int(p) < 256 for p in parts):
        return None
    a, b, c, d = (int(p) for p in parts)
    return (a << 24) | (b << 16) | (c << 8) | d


def icmp_text(type_: int, code: int, info: int) -> str:
    """iputils ping.c pr_icmph for the error types an echo request can provoke."""
    if type_ == ICMP_DEST_UNREACH:
        if code == 4:
            return f"Frag needed and DF set (mtu = {info})"
        if code < len(UNREACH_TEXT):
            return UNREACH_TEXT[code] or ""
        return f"Dest Unreachable, Bad Code: {code}"
    if type_ == ICMP_TIME_EXCEEDED:
        return {0: "Time to live exceeded", 1: "Frag reassembly time exceeded"}.get(
            code, f"Time exceeded, Bad Code: {code}")
    if type_ == ICMP_PARAMETERPROB:
        return f"Parameter problem: pointer = {info >> 24}"
    if type_ == ICMP_SOURCE_QUENCH:
        return "Source Quench"
    return f"Bad ICMP type: {type_}"


@dataclass
class ping_rts:
    """iputils ping.h struct ping_rts: options and the running statistics (times in us)."""

    npackets: int = 0
    interval: int = 1000
    datalen: int = 56
    ttl: int = -1
    pmtudisc: int = -1
    device: str = ""
    source: int = 0
    strictsource: bool = False
    lingertime: int = MAXWAIT * 1000
    deadline: int = 0
    quiet: bool = False
    rroute: bool = False
    timestamp: bool = False
    ts_type: int = IPOPT_TS_TSONLY
    sourceroute: bool = False
    route: list[int] = field(default_factory=list)  # the hosts before the destination
    hostname: str = ""
    whereto: int = 0
    ident: int = 0
    ntransmitted: int = 0
    nreceived: int = 0
    nrepeats: int = 0
    nerrors: int = 0
    acked: int = 0
    pipesize: int = -1
    tmin: int = LONG_MAX
    tmax: int = 0
    tsum: int = 0
    tsum2: int = 0
    timing: bool = False
    exiting: bool = False
    rcvd: set[int] = field(default_factory=set)
    old_rr: bytes = b""  # pr_options' static old_rr[:old_rrlen]


class _Ping:
    """One ping run: the socket, the clock, the output."""

    def __init__(self, net: Net, rts: ping_rts, out: Output) -> None:
        self.net = net
        self.k = net.kernel
        self.rts = rts
        self.out = out
        self.sock = bsd.net_socket(net, AF_INET, SOCK_RAW, IPPROTO_ICMP)
        self.start_us = 0
        self.last_send_us = 0

    def now_us(self) -> int:
        return int(self.k.now_ns // 1000)

    def setup(self) -> None:
        """ping4_run: choose the source with a probe UDP socket, set the socket options."""
        rts = self.rts
        self.sock.cap_net_raw = False  # ping.c main: disable_capability_raw() once open
        if not rts.strictsource:
            probe = bsd.net_socket(self.net, AF_INET, SOCK_DGRAM, 0)
            try:
                if rts.device:
                    self._bind_to_device(probe)
                    self._bind_to_device(self.sock)
                try:
                    probe.connect((ntoa(rts.whereto), 1025))
                except OSError as e:
                    if e.errno == errno.EACCES:
                        raise ToolExit(2, "ping: Do you want to ping broadcast? Then -b. If "
                                       "not, check your local firewall rules\n") from None
                    raise ToolExit(2, f"ping: connect: {os.strerror(e.errno or 0)}\n") \
                        from None
                rts.source = probe.sk.inet_saddr
            finally:
                probe.close()
            if rts.device:
                self._check_device_source()
        elif rts.device:
            self._bind_to_device(self.sock)
        if rts.whereto == 0:
            rts.whereto = rts.source
        if rts.pmtudisc >= 0:
            self.sock.setsockopt(IPPROTO_IP, IP_MTU_DISCOVER, rts.pmtudisc)
        if rts.strictsource:
            try:
                self.sock.bind((ntoa(rts.source), 0))
            except OSError as e:
                raise ToolExit(2, f"ping: bind: {os.strerror(e.errno or 0)}\n") from None
        self.sock.setsockopt(IPPROTO_IP, IP_RECVERR, 1)
        if rts.ttl >= 0:
            try:
                self.sock.setsockopt(IPPROTO_IP, IP_TTL, rts.ttl)
            except OSError as e:
                raise ToolExit(2, "ping: cannot set unicast time-to-live: "
                               f"{os.strerror(e.errno or 0)}\n") from None
        if rts.rroute:
            # rspace: NOP, then RR of NROUTES slots, pointer at the first (IPOPT_MINOFF).
            rspace = bytearray(3 + 4 * NROUTES + 1)
            rspace[0:4] = bytes((IPOPT_NOP, IPOPT_RR, len(rspace) - 1, IPOPT_MINOFF))
            try:
                self.sock.setsockopt(IPPROTO_IP, IP_OPTIONS, bytes(rspace))
            except OSError as e:
                raise ToolExit(2, f"ping: record route: {os.strerror(e.errno or 0)}\n") \
                    from None
        if rts.timestamp:
            self._set_timestamp_option()
        if rts.sourceroute:
            # NOP, LSRR listing the hosts (the kernel sends to the first), pointer at it.
            srr = bytearray((IPOPT_NOP, IPOPT_LSRR, 3 + 4 * len(rts.route), IPOPT_MINOFF))
            srr += b"".join(a.to_bytes(4, "big") for a in rts.route)
            try:
                self.sock.setsockopt(IPPROTO_IP, IP_OPTIONS, bytes(srr))
            except OSError as e:
                raise ToolExit(2, f"ping: record route: {os.strerror(e.errno or 0)}\n") \
                    from None
        rts.timing = rts.datalen >= TIMEVAL_LEN
        rts.ident = self.k.rng.get_random_u32() & 0xFFFF

    def _set_timestamp_option(self) -> None:
        """ping4_run's -T: a timestamp option of 9 times (tsonly) or 4 address/time pairs,
        or for tsprespec a pair per listed host; if the kernel refuses it, retried with
        flags 2 before giving up ("ts option")."""
        rts = self.rts
        rspace = bytearray(3 + 4 * NROUTES + 1)
        rspace[0:4] = bytes((IPOPT_TS, 40 if rts.ts_type == IPOPT_TS_TSONLY else 36, 5,
                             rts.ts_type))
        if rts.ts_type == IPOPT_TS_PRESPEC:
            rspace[1] = 4 + len(rts.route) * 8
            for i, addr in enumerate(rts.route):
                rspace[4 + i * 8:8 + i * 8] = addr.to_bytes(4, "big")
        try:
            self.sock.setsockopt(IPPROTO_IP, IP_OPTIONS, bytes(rspace[:rspace[1]]))
        except OSError:
            rspace[3] = 2
            try:
                self.sock.setsockopt(IPPROTO_IP, IP_OPTIONS, bytes(rspace[:rspace[1]]))
            except OSError as e:
                raise ToolExit(2, f"ping: ts option: {os.strerror(e.errno or 0)}\n") \
                    from None

    def _bind_to_device(self, sock: bsd.Socket) -> None:
        try:
            sock.setsockopt(SOL_SOCKET, SO_BINDTODEVICE, self.rts.device.encode() + b"\0")
        except OSError as e:
            raise ToolExit(2, f"ping: SO_BINDTODEVICE {self.rts.device}: "
                           f"{os.strerror(e.errno or 0)}\n") from None

    def _check_device_source(self) -> None:
        dev = self.net.dev_base_head.get(self.rts.device)
        in_dev = getattr(dev, "ip_ptr", None)
        addrs = [ifa.ifa_local for ifa in getattr(in_dev, "ifa_list", None) or []]
        if self.rts.source not in addrs:
            self.out.ewrite("ping: Warning: source address might be selected on device "
                            f"other than: {self.rts.device}\n")

    def header(self) -> str:
        rts = self.rts
        text = f"PING {rts.hostname} ({ntoa(rts.whereto)}) "
        if rts.device or rts.strictsource:
            text += f"from {ntoa(rts.source)} {rts.device}: "
        optlen = MAX_IPOPTLEN if rts.rroute or rts.timestamp or rts.sourceroute else 0
        return text + f"{rts.datalen}({rts.datalen + 28 + optlen}) bytes of data.\n"

    def send_probe(self) -> None:
        """pinger + ping4_send_probe: one echo request; send errors as iputils handles them."""
        rts = self.rts
        seq = (rts.ntransmitted + 1) & 0xFFFF
        rts.rcvd.discard(seq)
        data = bytearray(i & 0xFF for i in range(rts.datalen))
        if rts.timing:
            now = self.now_us()
            data[:TIMEVAL_LEN] = _TV.pack(now // 1_000_000, now % 1_000_000)
        msg = bytearray(struct.pack("!BBHHH", ICMP_ECHO, 0, 0, rts.ident, seq)) + data
        msg[2:4] = checksum.ip_compute_csum(msg, 0, len(msg)).to_bytes(2, "big")
        self.last_send_us = self.now_us()
        try:
            self.sock.sendto(bytes(msg), (ntoa(rts.whereto), 0))
        except OSError as e:
            i = self.receive_error_msg()
            rts.ntransmitted += 1
            if i == 0 and not rts.quiet:
                self.out.ewrite(f"ping: sendmsg: {os.strerror(e.errno or 0)}\n")
            return
        rts.ntransmitted += 1

    def acknowledge(self, seq: int) -> None:
        rts = self.rts
        diff = (rts.ntransmitted - seq) & 0xFFFF
        if diff <= 0x7FFF:
            rts.pipesize = max(rts.pipesize, diff + 1)
            if ((seq - rts.acked) & 0xFFFF) - 1 < 0x7FFF or \
                    (rts.ntransmitted - rts.acked) & 0xFFFF > 0x7FFF:
                rts.acked = seq

    def in_flight(self) -> int:
        rts = self.rts
        diff = (rts.ntransmitted - rts.acked) & 0xFFFF
        return diff if diff <= 0x7FFF else rts.ntransmitted - rts.nreceived - rts.nerrors

    def receive_error_msg(self) -> int:
        """ping4_receive_error_msg: >0 network errors, -N local errors."""
        rts = self.rts
        try:
            data, anc, _, _ = self.sock.recvmsg(8, 512, MSG_ERRQUEUE | MSG_DONTWAIT)
        except OSError as e:
            return -1 if e.errno == errno.EAGAIN else 0
        cmsg = next(c[2] for c in anc if c[0] == IPPROTO_IP and c[1] == IP_RECVERR)
        ee_errno, origin, type_, code, _, info, _ = _EE.unpack_from(cmsg)
        if origin == SO_EE_ORIGIN_LOCAL:
            rts.nerrors += 1
            if not rts.quiet:
                self.out.ewrite(f"ping: local error: message too long, mtu={info}\n"
                                if ee_errno == errno.EMSGSIZE
                                else f"ping: local error: {os.strerror(ee_errno)}\n")
            return -1
        if origin != SO_EE_ORIGIN_ICMP or len(data) < 8 or data[0] != ICMP_ECHO or \
                int.from_bytes(data[4:6], "big") != rts.ident:
            return 0
        seq = int.from_bytes(data[6:8], "big")
        self.acknowledge(seq)
        rts.nerrors += 1
        if not rts.quiet:
            offender = int.from_bytes(cmsg[_EE.size + 4:_EE.size + 8], "big")
            self.out.write(f"From {ntoa(offender)} icmp_seq={seq} "
                           f"{icmp_text(type_, code, info)}\n")
        return 1

    def parse_reply(self, buf: bytes, frm: int, recv_us: int) -> None:
        """ping4_parse_reply for a raw socket: our echo replies; errors only acknowledge."""
        rts = self.rts
        hlen = (buf[0] & 0x0F) * 4 if buf else 0
        if len(buf) < hlen + 8 or hlen < 20:
            return
        icp = buf[hlen:]
        ident = int.from_bytes(icp[4:6], "big")
        if icp[0] == ICMP_ECHOREPLY:
            if ident == rts.ident and \
                    self.gather_statistics(icp, int.from_bytes(icp[6:8], "big"), buf[8], frm,
                                           recv_us):
                self.out.write(self.pr_options(buf[20:hlen]) + "\n")  # ping_finish_line
            return
        if icp[0] in (ICMP_DEST_UNREACH, ICMP_TIME_EXCEEDED, ICMP_PARAMETERPROB,
                      ICMP_SOURCE_QUENCH, ICMP_REDIRECT) and len(icp) >= 8 + 20 + 8:
            ihl = (icp[8] & 0x0F) * 4
            inner = icp[8 + ihl:]
            if len(icp) < 8 + ihl + 8 or inner[0] != ICMP_ECHO or \
                    int.from_bytes(icp[24:28], "big") != rts.whereto or \
                    int.from_bytes(inner[4:6], "big") != rts.ident:
                return
            if icp[0] not in (ICMP_REDIRECT, ICMP_SOURCE_QUENCH):
                self.acknowledge(int.from_bytes(inner[6:8], "big"))

    def pr_options(self, opts: bytes) -> str:
        """ping.c pr_options: the RR addresses one per line, or "(same route)" when they
        repeat the previous reply's; the timestamps (pr_ts). (A source route is never sent:
        without CAP_NET_RAW setting it fails.)
        """
        text = ""
        i = 0
        while i < len(opts):
            if opts[i] == IPOPT_EOL:
                break
            if opts[i] == IPOPT_NOP:
                text += "\nNOP"
                i += 1
                continue
            olen = opts[i + 1] if i + 1 < len(opts) else 0
            if olen < 2 or olen > len(opts) - i:
                break
            if opts[i] == IPOPT_TS:
                text += pr_ts(opts[i:i + olen])
            elif opts[i] == IPOPT_RR:
                n = min(opts[i + 2], olen) - IPOPT_MINOFF
                if n > 0:
                    rr = opts[i + 2:i + 2 + n]
                    if rr == self.rts.old_rr:
                        text += "\t(same route)"
                    else:
                        self.rts.old_rr = rr
                        text += "\nRR: " + "".join(
                            f"\t{ntoa(int.from_bytes(opts[a:a + 4], 'big'))}\n"
                            for a in range(i + 3, i + 3 + n, 4))
            else:
                text += f"\nunknown option {opts[i]:x}"
            i += olen
        return text

    def gather_statistics(self, icp: bytes, seq: int, ttl: int, frm: int, recv_us: int
                          ) -> bool:
        """ping_common.c gather_statistics: count, time and print one reply (its line left
        open for the options when the result is True)."""
        rts = self.rts
        cc = len(icp)
        rts.nreceived += 1
        self.acknowledge(seq)
        triptime = 0
        if rts.timing and cc >= 8 + TIMEVAL_LEN:
            sec, usec = _TV.unpack_from(icp, 8)
            triptime = max(recv_us - (sec * 1_000_000 + usec), 0)
            rts.tsum += triptime
            rts.tsum2 += triptime * triptime
            rts.tmin = min(rts.tmin, triptime)
            rts.tmax = max(rts.tmax, triptime)
        dup = seq in rts.rcvd
        if dup:
            rts.nrepeats += 1
            rts.nreceived -= 1
        else:
            rts.rcvd.add(seq)
        if rts.quiet:
            return False
        line = f"{cc} bytes from {ntoa(frm)}: icmp_seq={seq} ttl={ttl}"
        if cc < rts.datalen + 8:
            self.out.write(line + " (truncated)\n")
            return False
        if rts.timing:
            line += format_triptime(triptime)
        if dup:
            line += " (DUP!)"
        if frm != rts.whereto:
            line += " (DIFFERENT ADDRESS!)"
        self.out.write(line)
        return True

    def drain(self) -> None:
        """main_loop's receive part: everything queued on the socket, errors first."""
        sk = self.sock.sk
        while sk.sk_error_queue or sk.sk_receive_queue:
            if sk.sk_error_queue:
                self.receive_error_msg()
                continue
            try:
                buf, addr = self.sock.recvfrom(65536, MSG_DONTWAIT)
            except OSError:
                continue
            frm = parse_ipv4(addr[0]) if addr else 0
            self.parse_reply(buf, frm or 0, self.now_us())

    def main_loop(self) -> int:
        """ping_common.c setup + main_loop + finish, event by event in simulated time."""
        rts = self.rts
        k = self.k
        sk = self.sock.sk
        self.start_us = self.now_us()
        next_send = self.start_us
        exit_at = self.start_us + rts.deadline * 1_000_000 if rts.deadline else None
        if not rts.npackets and not rts.deadline:
            exit_at = self.start_us + FOREGROUND_NS // 1000  # then ^C, as a user would
        exit_scheduled = False
        while True:
            now = self.now_us()
            if exit_at is not None and now >= exit_at:
                break
            if rts.npackets and rts.nreceived + rts.nerrors >= rts.npackets:
                break
            if rts.deadline and rts.nerrors:
                break
            all_sent = bool(rts.npackets and rts.ntransmitted >= rts.npackets
                            and not rts.deadline)
            flood_ready = not rts.interval and not self.in_flight()
            if not all_sent and (now >= next_send or flood_ready):
                if not rts.interval and self.in_flight() and \
                        now < self.last_send_us + MININTERVAL * 1000:
                    next_send = self.last_send_us + MININTERVAL * 1000  # flood pacing
                else:
                    self.send_probe()
                    next_send = max(next_send + rts.interval * 1000, now)
                    continue
            if all_sent and not exit_scheduled:
                exit_scheduled = True
                wait = rts.lingertime * 1000
                if rts.nreceived:
                    wait = max(2 * rts.tmax, 1000 * rts.interval)
                at = now + wait
                exit_at = at if exit_at is None else min(exit_at, at)
            wake = exit_at if all_sent else next_send
            if exit_at is not None:
                wake = min(wake, exit_at)  # type: ignore[type-var]
            assert wake is not None
            k.run_until_cond(wake * 1000,
                             lambda: bool(sk.sk_receive_queue or sk.sk_error_queue))
            self.drain()
        return self.finish()

    def finish(self) -> int:
        """ping_common.c finish: the statistics; exit status."""
        rts = self.rts
        out = self.out
        out.write(f"\n--- {rts.hostname} ping statistics ---\n")
        line = f"{rts.ntransmitted} packets transmitted, {rts.nreceived} received"
        if rts.nrepeats:
            line += f", +{rts.nrepeats} duplicates"
        if rts.nerrors:
            line += f", +{rts.nerrors} errors"
        if rts.ntransmitted:
            loss = (rts.ntransmitted - rts.nreceived) * 100.0 / rts.ntransmitted
            elapsed = self.last_send_us - self.start_us
            line += f", {loss:g}% packet loss, time {(elapsed + 500) // 1000}ms"
        out.write(line + "\n")
        comma = ""
        if rts.nreceived and rts.timing:
            total = rts.nreceived + rts.nrepeats
            tmavg = rts.tsum // total
            tmvar = (rts.tsum2 - (rts.tsum * rts.tsum) // total) // total
            tmdev = _llsqrt(tmvar)
            out.write(f"rtt min/avg/max/mdev = {_ms(rts.tmin)}/{_ms(tmavg)}/{_ms(rts.tmax)}/"
                      f"{_ms(tmdev)} ms")
            comma = ", "
        if rts.pipesize > 1:
            out.write(f"{comma}pipe {rts.pipesize}")
        out.write("\n")
        return int(not rts.nreceived or bool(rts.deadline and rts.nreceived < rts.npackets))


def pr_ts(opt: bytes) -> str:
    """pr_options' IPOPT_TS case for one timestamp option: "TS: " then per slot filled (the
    address first unless tsonly) the time in ms since midnight UTC, the first "absolute" and
    the rest as differences to the one before (times with the high bit set, not standard,
    counted apart), and "Unrecorded hops: N" from the overflow count. iputils ping.c."""
    n = min(opt[2], opt[1]) - 5
    if n <= 0:
        return ""
    flags = opt[3]
    text = "\nTS: "
    stdtime = nonstdtime = 0
    cp = 4
    while True:
        if flags & 0xF != IPOPT_TS_TSONLY:
            text += f"\t{ntoa(int.from_bytes(opt[cp:cp + 4], 'big'))}"
            cp += 4
            n -= 4
            if n <= 0:
                break
        t = int.from_bytes(opt[cp:cp + 4], "big")
        cp += 4
        if t & 0x80000000:
            t &= 0x7FFFFFFF
            text += (f"\t{t} absolute not-standard" if nonstdtime == 0
                     else f"\t{t - nonstdtime} not-standard")
            nonstdtime = t
        else:
            text += f"\t{t} absolute" if stdtime == 0 else f"\t{t - stdtime}"
            stdtime = t
        n -= 4
        text += "\n"
        if n <= 0:
            break
    if flags >> 4:
        text += f"Unrecorded hops: {flags >> 4}\n"
    return text


def format_triptime(triptime: int) -> str:
    """gather_statistics' " time=…" for a round trip of `triptime` us."""
    if triptime >= 100000 - 50:
        return f" time={(triptime + 500) // 1000} ms"
    if triptime >= 10000 - 5:
        return f" time={(triptime + 50) // 1000}.{(triptime + 50) % 1000 // 100} ms"
    if triptime >= 1000:
        return f" time={(triptime + 5) // 1000}.{(triptime + 5) % 1000 // 10:02d} ms"
    return f" time={triptime // 1000}.{triptime % 1000:03d} ms"


def _ms(us: int) -> str:
    return f"{us // 1000}.{us % 1000:03d}"


def _llsqrt(a: int) -> int:
    """ping_common.c llsqrt: Newton's integer square root."""
    x = a
    prev = LONG_MAX
    if x > 0:
        while x < prev:
            prev = x
            x = (x + a // x) // 2
    return x


def parse_args(argv: list[str], out: Output) -> ping_rts:
    """ping.c main's option loop (the supported subset)."""
    opts, args = gnu_getopt("ping", argv, SHORTOPTS)
    rts = ping_rts()
    for opt, val in opts:
        if opt == "-c":
            rts.npackets = strtol_or_err(val, "invalid argument", 1, LONG_MAX)
        elif opt == "-i":
            v = ping_strtod(val, "bad timing interval", out)
            if v > INT_MAX / 1000:
                raise ToolExit(2, f"ping: bad timing interval: {val}\n")
            rts.interval = int(v * 1000)
        elif opt == "-I":
            addr = parse_ipv4(val)
            if addr is not None:
                rts.source, rts.strictsource = addr, True
            else:
                rts.device = val
        elif opt == "-M":
            if val not in PMTUDISC:
                raise ToolExit(2, f"ping: invalid -M argument: {val}\n")
            rts.pmtudisc = PMTUDISC[val]
        elif opt == "-n":
            pass
        elif opt == "-q":
            rts.quiet = True
        elif opt == "-R":
            if rts.timestamp:
                raise ToolExit(2, "ping: only one of -T or -R may be used\n")
            rts.rroute = True
        elif opt == "-T":
            if rts.rroute:
                raise ToolExit(2, "ping: only one of -T or -R may be used\n")
            if val not in TS_TYPES:
                raise ToolExit(2, f"ping: invalid timestamp type: {val}\n")
            rts.timestamp = True
            rts.ts_type = TS_TYPES[val]
        elif opt == "-s":
            rts.datalen = strtol_or_err(val, "invalid argument", 0, INT_MAX)
        elif opt == "-t":
            rts.ttl = strtol_or_err(val, "invalid argument", 0, 255)
        elif opt == "-w":
            rts.deadline = strtol_or_err(val, "invalid argument", 0, INT_MAX)
        elif opt == "-W":
            v = ping_strtod(val, "bad linger time", out)
            if v < 0 or v > INT_MAX / 1000:
                raise ToolExit(2, f"ping: bad linger time: {val}\n")
            rts.lingertime = int(v * 1000)
        elif opt == "-V":
            raise ToolExit(0, VERSION)
        elif opt == "-h":
            raise ToolExit(2, USAGE)
    if not args:
        raise ToolExit(1, "ping: usage error: Destination address required\n")
    if len(args) > 1:  # ping4_run: more hosts are a source route or prespecified stamps
        if rts.rroute or (rts.timestamp and (rts.ts_type != IPOPT_TS_PRESPEC or len(args) > 5)) \
                or len(args) > 10:
            raise ToolExit(2, USAGE)
        rts.sourceroute = not rts.timestamp
    for target in args:
        addr = parse_ipv4(target)
        if addr is None:
            raise ToolExit(2, f"ping: {target}: Temporary failure in name resolution\n")
        rts.route.append(addr)
    rts.hostname, rts.whereto = args[-1], rts.route.pop()
    if rts.datalen > 0xFFFF:
        # iputils loops forever resending; skbuff refuses what no IPv4 datagram can carry.
        raise ToolExit(1, f"ping: invalid argument: '{rts.datalen}': out of range: "
                          f"0 <= value <= {0xFFFF}\n")
    return rts


def main(world: World, net: Net, argv: list[str]) -> Result:
    """`ping [options] DEST` in `net` (process context; the world advances while it waits)."""
    out = Output()
    try:
        rts = parse_args(argv, out)
        p = _Ping(net, rts, out)
        try:
            p.setup()
            out.write(p.header())
            status = p.main_loop()
        finally:
            p.sock.close()
    except ToolExit as e:
        if e.status == 0:
            out.write(e.stderr)
        else:
            if e.stderr.startswith("ping: invalid option") or \
                    e.stderr.startswith("ping: option requires"):
                e.stderr += USAGE
            out.ewrite(e.stderr)
        return out.result(e.status)
    return out.result(status)

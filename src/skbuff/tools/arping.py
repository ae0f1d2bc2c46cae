"""`arping` (iputils 20221126): ARP requests (or -U/-A announcements, -D duplicate address
detection) from a device, and the replies.

iputils: arping.c (main, send_pack, recv_pack, event_loop, finish). Options -c -w -i -I -s
-D -U -A -f -b -q -V -h. Like arping's SOCK_DGRAM packet socket, frames go straight to
`dev_queue_xmit` (built by `arp.arp_create`) and replies are read from an AF_PACKET tap on
the device. Probe k leaves at k·interval; the run ends after `count` intervals, at the -w
deadline, or on the final reply. Exit status as arping's: 0 replies, 1 none (or a duplicate
found with -D), 2 setup errors.
"""

from __future__ import annotations

import os
from socket import AF_INET, SOCK_DGRAM, SOL_SOCKET
from typing import TYPE_CHECKING

from skbuff.kernel.clock import NSEC_PER_SEC
from skbuff.net import socket as bsd
from skbuff.net.core import dev as core_dev
from skbuff.net.ipv4 import arp
from skbuff.net.packet import af_packet
from skbuff.tools.common import (
    FOREGROUND_NS,
    Output,
    Result,
    ToolExit,
    gnu_getopt,
    strtol_or_err,
)
from skbuff.tools.ping import ntoa, parse_ipv4
from skbuff.uapi import if_arp, if_link
from skbuff.uapi.if_ether import ETH_P_ARP
from skbuff.uapi.if_packet import PACKET_BROADCAST, PACKET_HOST, PACKET_MULTICAST
from skbuff.uapi.socket import SO_BINDTODEVICE

if TYPE_CHECKING:
    from skbuff.net.core.dev import net_device
    from skbuff.net.core.net_namespace import Net
    from skbuff.sim.world import World

USAGE = """
Usage:
  arping [options] <destination>

Options:
  -f            quit on first reply
  -q            be quiet
  -b            keep on broadcasting, do not unicast
  -D            duplicate address detection mode
  -U            unsolicited ARP mode, update your neighbours
  -A            ARP answer mode, update your neighbours
  -V            print version and exit
  -c <count>    how many packets to send
  -w <timeout>  how long to wait for a reply
  -i <interval> set interval between packets (default: 1 second)
  -I <device>   which ethernet device to use
  -s <source>   source ip address
  <destination> dns name or ip address

For more details see arping(8).
"""
class _Arping:
    """arping.c struct run_state and its event loop."""

    def __init__(self, net: Net, out: Output) -> None:
        self.net = net
        self.k = net.kernel
        self.out = out
        self.count = -1
        self.timeout = 0
        self.interval = 1
        self.device = ""
        self.source = ""
        self.dad = self.unsolicited = self.advert = False
        self.quiet = self.quit_on_reply = self.broadcast_only = False
        self.gdst = self.gsrc = 0
        self.dev: net_device | None = None
        self.he = b""
        self.unicasting = False
        self.sent = self.brd_sent = self.received = self.brd_recv = self.req_recv = 0
        self.last_ns = 0

    def setup(self) -> None:
        """main: device, source address (a UDP probe socket `connect`ed to the target)."""
        net = self.net
        if self.device:
            self.dev = net.dev_base_head.get(self.device)
        else:
            self.dev = self._guess_device()
        if self.dev is None or not self.dev.flags & if_link.IFF_UP:
            if self.device:
                raise ToolExit(2, f"arping: Device {self.device} not available.\n")
            raise ToolExit(2, "arping: Suitable device could not be determined. Please, use "
                              "option -I.\n")
        if self.source:
            src = parse_ipv4(self.source)
            if src is None:
                raise ToolExit(2, f"arping: invalid source {self.source}\n")
            self.gsrc = src
        if not self.dad and self.unsolicited and not self.source:
            self.gsrc = self.gdst
        if not self.dad or self.source:
            self._probe_source()
        self.he = self.dev.broadcast[:self.dev.addr_len]
        if not self.quiet:
            self.out.write(f"ARPING {ntoa(self.gdst)} from {ntoa(self.gsrc)} "
                           f"{self.dev.name}\n")
        if not self.source and not self.gsrc and not self.dad:
            raise ToolExit(2, "arping: no source address in not-DAD mode\n")

    def _guess_device(self) -> net_device | None:
        """guess_device: the device of the route to the target (an rtnetlink route get)."""
        sock = bsd.net_socket(self.net, AF_INET, SOCK_DGRAM, 0)
        try:
            sock.connect((ntoa(self.gdst), 1025))
        except OSError:
            return None
        finally:
            sock.close()
        for dev in self.net.dev_base_head.values():
            in_dev = dev.ip_ptr
            if in_dev is not None and any(ifa.ifa_local == sock.sk.inet_saddr
                                          for ifa in in_dev.ifa_list):
                return dev
        return None

    def _probe_source(self) -> None:
        sock = bsd.net_socket(self.net, AF_INET, SOCK_DGRAM, 0)
        try:
            assert self.dev is not None
            sock.setsockopt(SOL_SOCKET, SO_BINDTODEVICE, self.dev.name.encode() + b"\0")
            if self.source or self.gsrc:
                try:
                    sock.bind((ntoa(self.gsrc), 0))
                except OSError as e:
                    raise ToolExit(2, f"arping: bind: {os.strerror(e.errno or 0)}\n") \
                        from None
            elif not self.dad and not self.unsolicited:
                try:
                    sock.connect((ntoa(self.gdst), 1025))
                except OSError as e:
                    raise ToolExit(2, f"arping: connect: {os.strerror(e.errno or 0)}\n") \
                        from None
                self.gsrc = sock.sk.inet_saddr
        finally:
            sock.close()

    def send_pack(self) -> None:
        """send_pack: one request (or reply with -A) to the broadcast or the last replier."""
        dev = self.dev
        assert dev is not None
        op = if_arp.ARPOP_REPLY if self.advert else if_arp.ARPOP_REQUEST
        tha = dev.dev_addr if self.advert else self.he
        skb = arp.arp_create(op, ETH_P_ARP, self.gdst, dev, self.gsrc, self.he, dev.dev_addr,
                             tha)
        if skb is None:
            return
        self.last_ns = self.k.now_ns
        if core_dev.dev_queue_xmit(skb) >= 0:
            self.sent += 1
            if not self.unicasting:
                self.brd_sent += 1

    def recv_pack(self, r: af_packet.packet_record) -> bool:
        """recv_pack: True when this reply ends the run."""
        b = r.data
        dev = self.dev
        assert dev is not None
        if r.pkt_type not in (PACKET_HOST, PACKET_BROADCAST, PACKET_MULTICAST) or \
                len(b) < 42 or b[12:14] != ETH_P_ARP.to_bytes(2, "big"):
            return False
        ah = 14
        op = int.from_bytes(b[ah + 6:ah + 8], "big")
        if op not in (if_arp.ARPOP_REQUEST, if_arp.ARPOP_REPLY) or \
                b[ah:ah + 6] != bytes.fromhex("000108000604"):
            return False
        sha, src_ip = b[ah + 8:ah + 14], int.from_bytes(b[ah + 14:ah + 18], "big")
        tha, dst_ip = b[ah + 18:ah + 24], int.from_bytes(b[ah + 24:ah + 28], "big")
        me = dev.dev_addr
        if not self.dad:
            if src_ip != self.gdst or self.gsrc != dst_ip or tha != me:
                return False
        elif src_ip != self.gdst or sha == me or (self.gsrc and self.gsrc != dst_ip):
            return False
        if not self.quiet:
            kind = "Unicast" if r.pkt_type == PACKET_HOST else "Broadcast"
            what = "reply" if op == if_arp.ARPOP_REPLY else "request"
            line = f"{kind} {what} from {ntoa(src_ip)} [{sha.hex(':').upper()}] "
            if dst_ip != self.gsrc:
                line += f"for {ntoa(dst_ip)} "
            if tha != me:
                line += ("" if dst_ip != self.gsrc else "for ") + f"[{tha.hex(':').upper()}]"
            us = (r.tstamp_ns - self.last_ns + 500) // 1000
            line += f" {us // 1000}.{us % 1000:03d}ms\n"
            self.out.write(line)
        self.received += 1
        if self.timeout and self.received == self.count:
            return True
        if r.pkt_type != PACKET_HOST:
            self.brd_recv += 1
        if op == if_arp.ARPOP_REQUEST:
            self.req_recv += 1
        if self.quit_on_reply:
            return True
        if not self.broadcast_only:
            self.he = sha
            self.unicasting = True
        return False

    def event_loop(self) -> int:
        """event_loop in simulated time: interval ticks, the -w deadline, replies. Without -c or
        -w it is interrupted after FOREGROUND_NS (a script has no ^C)."""
        k = self.k
        assert self.dev is not None
        po = af_packet.packet_create(self.net, self.dev)
        try:
            start = k.now_ns
            self.send_pack()
            ticks = 0
            if self.timeout:
                deadline: int | None = start + self.timeout * NSEC_PER_SEC
            elif self.count <= 0:
                deadline = start + FOREGROUND_NS  # no -c or -w: then ^C, as a user would
            else:
                deadline = None
            done = False
            while not done:
                next_tick = start + (ticks + 1) * self.interval * NSEC_PER_SEC
                wake = next_tick if deadline is None else min(next_tick, deadline)
                k.run_until_cond(wake, lambda: bool(po.records))
                while po.records and not done:
                    done = self.recv_pack(po.records.pop(0))
                if done:
                    break
                if k.now_ns >= next_tick:
                    ticks += 1
                    if 0 < self.count < ticks + 1:
                        break
                    self.send_pack()
                    continue
                if deadline is not None and k.now_ns >= deadline:
                    break
        finally:
            af_packet.packet_release(po)
        rc = self.finish()
        if self.unsolicited:
            pass
        elif self.dad and self.quit_on_reply:
            rc |= int(self.brd_sent == self.received)
        elif self.timeout and not self.count > 0:
            rc |= int(not self.received > 0)
        else:
            rc |= int(self.sent != self.received)
        return rc

    def finish(self) -> int:
        if not self.quiet:
            line = f"Sent {self.sent} probes ({self.brd_sent} broadcast(s))\n" \
                   f"Received {self.received} response(s)"
            if self.brd_recv or self.req_recv:
                parts = []
                if self.req_recv:
                    parts.append(f"{self.req_recv} request(s)")
                if self.brd_recv:
                    parts.append(f"{self.brd_recv} broadcast(s)")
                line += " (" + ", ".join(parts) + ")"
            self.out.write(line + "\n")
        if self.dad:
            return int(bool(self.received))
        if self.unsolicited:
            return 0
        return int(not self.received)


def main(world: World, net: Net, argv: list[str]) -> Result:
    """`arping [options] DEST` in `net`."""
    out = Output()
    a = _Arping(net, out)
    try:
        try:
            opts, args = gnu_getopt("arping", argv, "bDUAqc:w:i:I:fs:Vh")
        except ToolExit as e:
            raise ToolExit(2, e.stderr + USAGE) from None
        for opt, val in opts:
            if opt == "-b":
                a.broadcast_only = True
            elif opt == "-D":
                a.dad = a.quit_on_reply = True
            elif opt == "-U":
                a.unsolicited = True
            elif opt == "-A":
                a.advert = a.unsolicited = True
            elif opt == "-q":
                a.quiet = True
            elif opt == "-c":
                a.count = strtol_or_err("arping", val, 1)
            elif opt == "-w":
                a.timeout = strtol_or_err("arping", val, 0)
            elif opt == "-i":
                a.interval = strtol_or_err("arping", val, 0)
            elif opt == "-I":
                a.device = val
            elif opt == "-f":
                a.quit_on_reply = True
            elif opt == "-s":
                a.source = val
            elif opt == "-V":
                return Result(0, "arping from iputils 20221126\n", "")
            else:
                raise ToolExit(2, USAGE)
        if len(args) != 1:
            raise ToolExit(2, USAGE)
        gdst = parse_ipv4(args[0])
        if gdst is None:
            raise ToolExit(2, f"arping: {args[0]}: Temporary failure in name resolution\n")
        a.gdst = gdst
        a.setup()
        status = a.event_loop()
    except ToolExit as e:
        out.ewrite(e.stderr)
        return out.result(e.status)
    return out.result(status)

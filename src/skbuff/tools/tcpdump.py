"""`tcpdump` (4.99, libpcap 1.10 on Linux): capture through an AF_PACKET tap, print one line
per frame, or write pcapng.

Options: -i IF|any, -n, -e, -c N, -w FILE, -l, -p, -s SNAPLEN, then a filter expression
(`skbuff.tools.bpf_filter`). Printers follow tcpdump's print-ether.c, print-sll.c (SLL2 for
`-i any`), print-arp.c, print-ip.c, print-icmp.c and print-udp.c one-line formats; timestamps
are the simulated clock as time of day. Without -n addresses stay numeric (the simulated
machine has no resolver) but ports get their /etc/services names and is-at MACs "(oui
Unknown)", as tcpdump prints them there. -w writes pcapng (skbuff.trace.pcapng), not pcap.

Running in a script: in the foreground, tcpdump advances the world until -c frames were
printed or FOREGROUND_NS of simulated time passed (as if then interrupted with ^C).
`tcpdump … &` starts a background capture (a `World` job): frames print after each later
script line, in capture order; `wait` runs the world until each job with -c is done (one
without -c gets FOREGROUND_NS, then is interrupted); at the end of the script the remaining
jobs are interrupted and print their statistics.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, BinaryIO

from skbuff.net.packet import af_packet
from skbuff.tools.bpf_filter import FilterError, Predicate, compile_filter
from skbuff.tools.common import FOREGROUND_NS, Result, ToolExit, gnu_getopt
from skbuff.trace import pcapng
from skbuff.uapi import if_link
from skbuff.uapi.signal import SIGHUP, SIGINT, SIGPIPE, SIGTERM

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net
    from skbuff.net.packet.af_packet import packet_record
    from skbuff.sim.world import World

SHORTOPTS = "c:ei:lnps:w:"
USAGE = """tcpdump version 4.99.3
libpcap version 1.10.3 (with TPACKET_V3)
Usage: tcpdump [-elnp] [-c count] [-i interface] [-s snaplen] [-w file] [expression]
"""
DIRECTION = {0: "In", 1: "B", 2: "M", 3: "P", 4: "Out"}
"""print-sll.c: the packet type of a cooked (SLL2) capture."""
ETHERTYPES = {0x0800: "IPv4", 0x0806: "ARP", 0x86DD: "IPv6", 0x8100: "802.1Q"}
SERVICES_UDP = {53: "domain", 67: "bootps", 68: "bootpc", 69: "tftp", 123: "ntp",
                137: "netbios-ns", 161: "snmp", 162: "snmp-trap", 514: "syslog",
                520: "route", 1812: "radius", 4789: "vxlan"}
"""The /etc/services names tcpdump shows without -n (the ports of common UDP services)."""
IP_PROTO_NAMES = {1: "icmp", 6: "tcp", 17: "udp"}


def _ip(b: bytes, off: int) -> str:
    return f"{b[off]}.{b[off + 1]}.{b[off + 2]}.{b[off + 3]}"


def _mac(b: bytes, off: int = 0) -> str:
    return ":".join(f"{x:02x}" for x in b[off:off + 6])


def format_time(ns: int) -> str:
    """The default -t format: HH:MM:SS.uuuuuu of the (simulated) clock."""
    us = ns // 1000
    s = us // 1_000_000
    return f"{s // 3600 % 24:02d}:{s // 60 % 60:02d}:{s % 60:02d}.{us % 1_000_000:06d}"


def _port(port: int, numeric: bool) -> str:
    return str(port) if numeric else SERVICES_UDP.get(port, str(port))


def format_arp(b: bytes, off: int, numeric: bool) -> str:
    """print-arp.c arp_print for Ethernet/IPv4 (the part after "ARP, ")."""
    if len(b) < off + 28:
        return "[|ARP]"
    op = int.from_bytes(b[off + 6:off + 8], "big")
    sha, spa = _mac(b, off + 8), _ip(b, off + 14)
    tha, tpa = _mac(b, off + 18), _ip(b, off + 24)
    if op == 1:
        text = f"Request who-has {tpa}"
        if any(b[off + 18:off + 24]):
            text += f" ({tha})"
        text += f" tell {spa}"
    elif op == 2:
        text = f"Reply {spa} is-at {sha}" + ("" if numeric else " (oui Unknown)")
    else:
        text = f"arp-#{op} for proto #2048 (4) hardware #1 (6)"
    return f"{text}, length 28"


def format_icmp(b: bytes, off: int, length: int, numeric: bool) -> str:
    """print-icmp.c icmp_print: `length` is the ICMP message's (IP payload) length."""
    if len(b) < off + 8:
        return "ICMP [|icmp]"
    type_, code = b[off], b[off + 1]
    word = int.from_bytes(b[off + 4:off + 8], "big")
    quoted = off + 8
    qdst = _ip(b, quoted + 16) if len(b) >= quoted + 20 else "?"
    if type_ in (0, 8):
        kind = "echo reply" if type_ == 0 else "echo request"
        text = f"{kind}, id {word >> 16}, seq {word & 0xFFFF}"
    elif type_ == 3:
        text = _unreach(b, quoted, code, word & 0xFFFF, qdst, numeric)
    elif type_ == 11:
        text = "time exceeded in-transit" if code == 0 else "ip reassembly time exceeded"
    elif type_ == 5:
        gw = _ip(b, off + 4)
        what = {0: "net", 1: "host", 2: "tos net", 3: "tos host"}.get(code, f"#{code}")
        text = f"redirect {qdst} to {what} {gw}"
    elif type_ == 12:
        text = f"parameter problem - octet {word >> 24}"
    elif type_ == 4:
        text = "source quench"
    else:
        text = f"type-#{type_}"
    return f"ICMP {text}, length {length}"


def _unreach(b: bytes, quoted: int, code: int, mtu: int, qdst: str, numeric: bool) -> str:
    if code == 0:
        return f"net {qdst} unreachable"
    if code == 1:
        return f"host {qdst} unreachable"
    if code == 2:
        proto = b[quoted + 9] if len(b) > quoted + 9 else 0
        return f"{qdst} protocol {proto} unreachable"
    if code == 3:
        th = quoted + (b[quoted] & 0x0F) * 4 if len(b) > quoted else 0
        proto = b[quoted + 9] if len(b) > quoted + 9 else 0
        port = int.from_bytes(b[th + 2:th + 4], "big") if len(b) >= th + 4 else 0
        pname = "udp" if proto == 17 else "tcp" if proto == 6 else f"#{proto}"
        return f"{qdst} {pname} port {_port(port, numeric)} unreachable"
    if code == 4:
        return f"{qdst} unreachable - need to frag (mtu {mtu})"
    texts = {5: "{} unreachable - source route failed", 6: "net {} unreachable - unknown",
             7: "host {} unreachable - unknown", 9: "net {} unreachable - admin prohibited",
             10: "host {} unreachable - admin prohibited",
             13: "host {} unreachable - admin prohibited filter"}
    return texts.get(code, "{} unreachable - #" + str(code)).format(qdst)


def format_ip(b: bytes, off: int, numeric: bool) -> str:
    """print-ip.c ip_print and its demux to UDP/ICMP (the part after "IP ")."""
    if len(b) < off + 20:
        return "[|ip]"
    ihl = (b[off] & 0x0F) * 4
    tot_len = int.from_bytes(b[off + 2:off + 4], "big")
    frag = int.from_bytes(b[off + 6:off + 8], "big")
    proto = b[off + 9]
    src, dst = _ip(b, off + 12), _ip(b, off + 16)
    th = off + ihl
    plen = tot_len - ihl
    if frag & 0x1FFF:
        name = IP_PROTO_NAMES.get(proto) if not numeric else None
        return f"{src} > {dst}: " + (name or f"ip-proto-{proto}")
    if proto == 1:
        return f"{src} > {dst}: {format_icmp(b, th, plen, numeric)}"
    if proto == 17 and len(b) >= th + 8:
        sport = int.from_bytes(b[th:th + 2], "big")
        dport = int.from_bytes(b[th + 2:th + 4], "big")
        ulen = int.from_bytes(b[th + 4:th + 6], "big")
        return (f"{src}.{_port(sport, numeric)} > {dst}.{_port(dport, numeric)}: "
                f"UDP, length {ulen - 8}")
    name = IP_PROTO_NAMES.get(proto, f"ip-proto-{proto}")
    return f"{src} > {dst}: {name} {plen}"


def format_payload(b: bytes, numeric: bool, link: bool) -> str:
    """An Ethernet frame's network part: with `link` (-e) the ethertype already printed."""
    etype = int.from_bytes(b[12:14], "big") if len(b) >= 14 else 0
    if etype == 0x0800:
        return ("" if link else "IP ") + format_ip(b, 14, numeric)
    if etype == 0x0806:
        return ("" if link else "ARP, ") + format_arp(b, 14, numeric)
    return f"ethertype Unknown (0x{etype:04x}), length {len(b)}" if not link else \
        f"length {len(b) - 14}"


def format_record(r: packet_record, numeric: bool, link: bool, cooked: bool) -> str:
    """One output line: time, [SLL2 interface/direction], [-e link header], payload."""
    b = r.data
    etype = int.from_bytes(b[12:14], "big") if len(b) >= 14 else 0
    ename = f"ethertype {ETHERTYPES.get(etype, 'Unknown')} (0x{etype:04x})"
    line = format_time(r.tstamp_ns) + " "
    if cooked:
        line += f"{r.ifname:<5} {DIRECTION.get(r.pkt_type, '?'):<3} "
        if link:
            line += f"ifindex {r.ifindex} {_mac(b, 6)} {ename}, length {r.orig_len + 6}: "
    elif link:
        line += f"{_mac(b, 6)} > {_mac(b, 0)}, {ename}, length {r.orig_len}: "
    return line + format_payload(b, numeric, link)


class capture:
    """One tcpdump run: the tap, the filter, the output sink, the counters.

    Implements the World job protocol (`poll`, `wait`, `stop`). tcpdump.c main sets cleanup
    (statistics, exit 0) as the handler of SIGHUP, SIGINT, SIGPIPE and SIGTERM.
    """

    caught_signals = frozenset({SIGHUP, SIGINT, SIGPIPE, SIGTERM})

    def __init__(self, world: World, net: Net, ifname: str, pred: Predicate, count: int,
                 numeric: bool, link: bool, snaplen: int, wfile: BinaryIO | None) -> None:
        self.world = world
        dev = None
        if ifname != "any":
            dev = net.dev_base_head.get(ifname)
            if dev is None:
                raise ToolExit(1, f"tcpdump: {ifname}: No such device exists\n"
                                  "(No such device exists)\n")
        self.net = net
        self.cooked = dev is None
        self.po = af_packet.packet_create(net, dev, snaplen)
        self.pred = pred
        self.count = count
        self.numeric = numeric
        self.link = link
        self.done = 0
        self.received = 0
        self.seen = 0
        self.wfile = wfile
        self.writer: pcapng.pcapng_writer | None = None
        self.if_ids: dict[int, int] = {}
        if wfile is not None:
            self.writer = pcapng.pcapng_writer(wfile, tsresol_ns=False)

    def banner(self) -> str:
        where = "any" if self.cooked else self.po.prot_hook.dev.name  # type: ignore[union-attr]
        kind = "LINUX_SLL2 (Linux cooked v2)" if self.cooked else "EN10MB (Ethernet)"
        text = f"listening on {where}, link-type {kind}, snapshot length {self.po.snaplen} " \
               "bytes\n"
        if self.writer is not None:
            text = "tcpdump: " + text
        else:
            text = ("tcpdump: verbose output suppressed, use -v[v]... for full protocol "
                    "decode\n") + text
        return ("tcpdump: data link type LINUX_SLL2\n" if self.cooked else "") + text

    def finished(self) -> bool:
        return bool(self.count) and self.done >= self.count

    def poll(self) -> tuple[str, str, bool]:
        """Print (or write) the frames captured since the last poll."""
        records = self.po.records
        lines = []
        while self.seen < len(records) and not self.finished():
            r = records[self.seen]
            self.seen += 1
            if not self.pred(r.data):
                continue
            self.received += 1
            if r.outgoing and r.dev.flags & if_link.IFF_LOOPBACK:
                continue  # libpcap drops the outgoing copy on lo
            self.done += 1
            if self.writer is not None:
                if_id = self.if_ids.get(r.ifindex)
                if if_id is None:
                    if_id = self.if_ids[r.ifindex] = self.writer.interface(r.ifname)
                self.writer.packet(if_id, r.tstamp_ns, r.data, r.orig_len, r.outgoing)
            else:
                lines.append(format_record(r, self.numeric, self.link, self.cooked) + "\n")
        del records[:self.seen]
        self.seen = 0
        if self.finished():
            out, err = self.stop(interrupted=False)
            return "".join(lines) + out, err, True
        return "".join(lines), "", False

    def wait(self) -> None:
        """Advance the world until -c frames are in (at most FOREGROUND_NS)."""
        k = self.world.kernel
        if not self.count:
            k.run_for(FOREGROUND_NS)
            return
        po = self.po
        k.run_until_cond(k.now_ns + FOREGROUND_NS,
                         lambda: self.done + sum(1 for r in po.records if self.pred(r.data))
                         >= self.count)

    def stop(self, interrupted: bool = True) -> tuple[str, str]:
        """Release the tap and print the statistics (^C adds a newline on stdout)."""
        if not self.po.running:
            return "", ""
        af_packet.packet_release(self.po)
        if self.wfile is not None:
            self.wfile.close()
        out = "\n" if interrupted and self.writer is None else ""
        return out, (f"{self.done} packets captured\n{self.received} packets received by "
                     "filter\n0 packets dropped by kernel\n")


def _start(world: World, net: Net, argv: list[str]) -> capture:
    opts, args = gnu_getopt("tcpdump", argv, SHORTOPTS)
    ifname = ""
    count = 0
    numeric = link = False
    snaplen = af_packet.DEFAULT_SNAPLEN
    wpath = ""
    for opt, val in opts:
        if opt == "-i":
            ifname = val
        elif opt == "-c":
            if not val.isdigit() or int(val) <= 0:
                raise ToolExit(1, f"tcpdump: invalid packet count {val}\n")
            count = int(val)
        elif opt == "-n":
            numeric = True
        elif opt == "-e":
            link = True
        elif opt == "-s":
            if not val.isdigit() or int(val) > af_packet.DEFAULT_SNAPLEN:
                raise ToolExit(1, f"tcpdump: invalid snaplen {val}\n")
            snaplen = int(val) or af_packet.DEFAULT_SNAPLEN
        elif opt == "-w":
            wpath = val
    if not ifname:
        ifname = next((n for n, d in net.dev_base_head.items()
                       if not d.flags & if_link.IFF_LOOPBACK and d.flags & if_link.IFF_UP),
                      "")
        if not ifname:
            raise ToolExit(1, "tcpdump: no suitable device found\n")
    try:
        pred = compile_filter(" ".join(args))
    except FilterError as e:
        raise ToolExit(1, f"tcpdump: {e}\n") from None
    wfile: BinaryIO | None = None
    if wpath:
        try:
            wfile = open(wpath, "wb")  # noqa: SIM115 - closed by capture.stop
        except OSError as e:
            raise ToolExit(1, f"tcpdump: {wpath}: {e.strerror}\n") from None
    try:
        return capture(world, net, ifname, pred, count, numeric, link, snaplen, wfile)
    except ToolExit:
        if wfile is not None:
            wfile.close()
        raise


def background(world: World, net: Net, argv: list[str]) -> tuple[capture | None, Result]:
    """`tcpdump … &`: the started capture (a World job) and what starting it printed."""
    try:
        cap = _start(world, net, argv)
    except ToolExit as e:
        return None, Result(e.status, "", e.stderr)
    return cap, Result(0, "", cap.banner())


def main(world: World, net: Net, argv: list[str]) -> Result:
    """Foreground tcpdump: capture until -c frames or FOREGROUND_NS, then the statistics."""
    try:
        cap = _start(world, net, argv)
    except ToolExit as e:
        return Result(e.status, "", e.stderr)
    err = cap.banner()
    cap.wait()
    out, more, finished = cap.poll()
    if not finished:
        tail, more = cap.stop()
        out += tail
    return Result(0, out, err + more)


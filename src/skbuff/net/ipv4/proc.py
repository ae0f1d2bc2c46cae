"""/proc/net/snmp and /proc/net/netstat: the SNMP counters as net/ipv4/proc.c prints them;
the registration of the per-namespace /proc/net files of IPv4 (udp from net/ipv4/udp.c).

Kernel: net/ipv4/proc.c snmp_seq_show, icmp_put, icmpmsg_put, netstat_seq_show;
net/mptcp/mib.c mptcp_seq_show (MPTcpExt, all zero: no MPTCP here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from skbuff.kernel import procfs
from skbuff.net.ipv4 import devinet, udp
from skbuff.uapi import snmp

if TYPE_CHECKING:
    from skbuff.net.core.net_namespace import Net

_ICMPMSG_PERLINE = 16


def _line(prefix: str, names: list[str] | tuple[str, ...], vals: list[int]) -> str:
    return f"{prefix}: {' '.join(names)}\n{prefix}: {' '.join(map(str, vals))}\n"


def icmpmsg_put(net: Net) -> str:
    """IcmpMsg lines: only the non-zero types, 16 per pair of lines.

    Kernel: net/ipv4/proc.c icmpmsg_put.
    """
    out: list[str] = []
    pending: list[tuple[int, int]] = []
    for i, val in enumerate(net.mib.icmpmsg_statistics):
        if val:
            pending.append((i, val))
        if len(pending) == _ICMPMSG_PERLINE:
            out.append(_icmpmsg_line(pending))
            pending = []
    if pending:
        out.append(_icmpmsg_line(pending))
    return "".join(out)


def _icmpmsg_line(items: list[tuple[int, int]]) -> str:
    names = [f"{'Out' if t & 0x100 else 'In'}Type{t & 0xFF}" for t, _ in items]
    return _line("IcmpMsg", names, [v for _, v in items])


def icmp_put(net: Net) -> str:
    """The Icmp lines (per-type columns come from IcmpMsg). Kernel: net/ipv4/proc.c icmp_put."""
    icmp = net.mib.icmp_statistics
    msg = net.mib.icmpmsg_statistics
    names = ["InMsgs", "InErrors", "InCsumErrors"]
    names += [f"In{n}" for n, _ in snmp.icmpmibmap]
    names += ["OutMsgs", "OutErrors", "OutRateLimitGlobal", "OutRateLimitHost"]
    names += [f"Out{n}" for n, _ in snmp.icmpmibmap]
    vals = [icmp[snmp.ICMP_MIB_INMSGS], icmp[snmp.ICMP_MIB_INERRORS],
            icmp[snmp.ICMP_MIB_CSUMERRORS]]
    vals += [msg[t] for _, t in snmp.icmpmibmap]
    vals += [icmp[snmp.ICMP_MIB_OUTMSGS], icmp[snmp.ICMP_MIB_OUTERRORS],
             icmp[snmp.ICMP_MIB_RATELIMITGLOBAL], icmp[snmp.ICMP_MIB_RATELIMITHOST]]
    vals += [msg[t | 0x100] for _, t in snmp.icmpmibmap]
    return _line("Icmp", names, vals)


def snmp_seq_show(net: Net) -> str:
    """/proc/net/snmp. Kernel: net/ipv4/proc.c snmp_seq_show."""
    ip = net.mib.ip_statistics
    forwarding = devinet.IPV4_DEVCONF_ALL(net, devinet.IPV4_DEVCONF_FORWARDING)
    names = ["Forwarding", "DefaultTTL"] + [n for n, _ in snmp.snmp4_ipstats_list]
    vals = [1 if forwarding else 2, net.ipv4.sysctl_ip_default_ttl]
    vals += [ip[f] for _, f in snmp.snmp4_ipstats_list]
    udp_names = [n for n, _ in snmp.snmp4_udp_list]
    return (
        _line("Ip", names, vals)
        + icmp_put(net)
        + icmpmsg_put(net)
        + _line("Tcp", snmp.snmp4_tcp_list, net.mib.tcp_statistics)
        + _line("Udp", udp_names, [net.mib.udp_statistics[f] for _, f in snmp.snmp4_udp_list])
        + _line("UdpLite", udp_names,
                [net.mib.udplite_statistics[f] for _, f in snmp.snmp4_udp_list])
    )


def netstat_seq_show(net: Net) -> str:
    """/proc/net/netstat: TcpExt, IpExt, MPTcpExt. Kernel: net/ipv4/proc.c netstat_seq_show."""
    lin = net.mib.net_statistics
    ip = net.mib.ip_statistics
    return (
        _line("TcpExt", [n for n, _ in snmp.snmp4_net_list],
              [lin[f] for _, f in snmp.snmp4_net_list])
        + _line("IpExt", [n for n, _ in snmp.snmp4_ipextstats_list],
                [ip[f] for _, f in snmp.snmp4_ipextstats_list])
        + _line("MPTcpExt", snmp.mptcp_snmp_list, [0] * len(snmp.mptcp_snmp_list))
    )


def ip_proc_init_net(net: Net) -> None:
    """Register the files for `net`. Kernel: net/ipv4/proc.c ip_proc_init_net."""
    procfs.proc_create_net_single(net, "net/snmp", snmp_seq_show)
    procfs.proc_create_net_single(net, "net/netstat", netstat_seq_show)
    procfs.proc_create_net_single(net, "net/udp", udp.udp4_seq_show)

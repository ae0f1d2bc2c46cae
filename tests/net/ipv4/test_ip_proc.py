"""/proc/net/snmp and /proc/net/netstat: the kernel's line layout and counters."""

from __future__ import annotations

from skbuff.net.ipv4 import proc
from skbuff.sim.machine import boot
from skbuff.uapi import snmp


def test_snmp_layout_and_icmpmsg_only_nonzero() -> None:
    k = boot()
    with k:
        net = k.init_net
        net.mib.ip_statistics[snmp.IPSTATS_MIB_INPKTS] = 5
        snmp.ICMPMSGOUT_INC_STATS(net, 3)
        snmp.ICMPMSGIN_INC_STATS(net, 8)
        text = proc.icmp_put(net) + proc.icmpmsg_put(net)
        lines = text.splitlines()
        assert [len(line.split()) for line in lines] == [30, 30, 3, 3]
        assert lines[2] == "IcmpMsg: InType8 OutType3" and lines[3] == "IcmpMsg: 1 1"
        head, vals = lines[0].split()[1:], lines[1].split()[1:]
        assert dict(zip(head, vals, strict=True))["OutDestUnreachs"] == "1"
        assert dict(zip(head, vals, strict=True))["InEchos"] == "1"


def test_netstat_sections_match_6_12() -> None:
    k = boot()
    with k:
        text = proc.netstat_seq_show(k.init_net)
    lines = text.splitlines()
    assert [line.split(":")[0] for line in lines] == ["TcpExt", "TcpExt", "IpExt", "IpExt",
                                                      "MPTcpExt", "MPTcpExt"]
    assert len(lines[2].split()) == 19
    assert lines[2].split()[-1] == "ReasmOverlaps"
    assert len(lines[0].split()) == len(lines[1].split())


def test_name_lists_follow_proc_c() -> None:
    assert [n for n, _ in snmp.snmp4_udp_list] == [
        "InDatagrams", "NoPorts", "InErrors", "OutDatagrams", "RcvbufErrors", "SndbufErrors",
        "InCsumErrors", "IgnoredMulti", "MemErrors"]
    ip = [n for n, _ in snmp.snmp4_ipstats_list]
    assert ip[0] == "InReceives" and ip[-1] == "OutTransmits" and len(ip) == 18
    assert dict(snmp.snmp4_net_list)["IPReversePathFilter"] == snmp.LINUX_MIB_IPRPFILTER
